import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitBatch } from './batching';
import { FileTrackingStore } from './file-store';
import type { RestClientOptions } from './rest-client';
import { RestTrackingStore } from './rest-store';
import { currentUser, RUN_TAGS, standardRunTags } from './source-info';
import type {
  ArtifactLogResult,
  KeyValue,
  LogBatch,
  ParamValue,
  RunEndStatus,
  RunInfo,
  TrackingStore,
} from './types';
import {
  validateArtifactPath,
  validateExperimentName,
  validateKey,
  validateMetric,
  validateParamValue,
  validateTagValue,
} from './validation';

export const DEFAULT_TRACKING_URI = './mlruns';

export interface TrackerOptions {
  /** A directory (or `file:` URI) for MLflow's file layout, or an `http(s)://` MLflow server. */
  trackingUri?: string;
  /** Source of `MLFLOW_TRACKING_URI` and the server credentials; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Retry and timeout settings for an MLflow server. */
  rest?: Omit<RestClientOptions, 'baseUrl' | 'env'>;
  /** Where warnings (e.g. an artifact that could not be stored) go; defaults to `console.warn`. */
  onWarning?: (message: string) => void;
}

export interface StartRunOptions {
  /** Created when missing; defaults to MLflow's `Default` experiment. */
  experimentName?: string;
  runName?: string;
  tags?: Record<string, string>;
  /** Adds user, source script, git commit/branch and maskd version tags (default true). */
  standardTags?: boolean;
}

export type TrackingTarget = { kind: 'file'; root: string } | { kind: 'rest'; baseUrl: string };

/** Resolves a tracking URI the way MLflow does, for the two kinds of store maskd writes. */
export function resolveTrackingUri(
  uri: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): TrackingTarget {
  const value = (uri ?? env.MLFLOW_TRACKING_URI ?? DEFAULT_TRACKING_URI).trim();
  if (/^https?:\/\//i.test(value)) return { kind: 'rest', baseUrl: value };
  if (/^file:\/\//i.test(value)) return { kind: 'file', root: fileURLToPath(value) };
  if (/^file:/i.test(value)) return { kind: 'file', root: path.resolve(value.slice('file:'.length)) };
  const scheme = value.match(/^([a-zA-Z][\w+.-]+):/)?.[1];
  if (scheme) {
    throw new Error(
      `Tracking URI '${value}' uses the '${scheme}:' scheme, which maskd cannot write; ` +
        'use a directory (MLflow file store, e.g. ./mlruns) or the http(s) URL of an MLflow server.',
    );
  }
  return { kind: 'file', root: path.resolve(value) };
}

export class ExperimentTracker {
  constructor(
    readonly store: TrackingStore,
    private readonly warn: (message: string) => void = (message) => console.warn(message),
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  get trackingUri(): string {
    return this.store.uri;
  }

  async startRun(options: StartRunOptions = {}): Promise<TrackedRun> {
    const experimentName = options.experimentName ?? 'Default';
    validateExperimentName(experimentName);
    const tags = {
      ...(options.standardTags === false ? {} : standardRunTags({ env: this.env })),
      ...options.tags,
    };
    const runName = options.runName ?? tags[RUN_TAGS.runName] ?? defaultRunName();
    tags[RUN_TAGS.runName] = runName;
    const tagList = toTagList(tags);
    const experiment = await this.store.getOrCreateExperiment(experimentName);
    const info = await this.store.createRun({
      experimentId: experiment.id,
      runName,
      userId: tags[RUN_TAGS.user] ?? currentUser(this.env),
      startTime: Date.now(),
      tags: tagList,
    });
    return new TrackedRun(this.store, info, tags, this.warn);
  }
}

export function createTracker(options: TrackerOptions = {}): ExperimentTracker {
  const env = options.env ?? process.env;
  const target = resolveTrackingUri(options.trackingUri, env);
  const store =
    target.kind === 'rest'
      ? new RestTrackingStore({ ...options.rest, baseUrl: target.baseUrl, env })
      : new FileTrackingStore(target.root);
  return new ExperimentTracker(store, options.onWarning, env);
}

/**
 * One MLflow run. Calls are applied in order, so a training loop may log without awaiting each call;
 * `end` waits for everything logged before it.
 */
export class TrackedRun {
  private queue: Promise<unknown> = Promise.resolve();
  private endedWith?: RunEndStatus;

  constructor(
    private readonly store: TrackingStore,
    readonly info: RunInfo,
    /** The tags the run was created with (its git source among them: `gitInfoFromTags`). */
    readonly tags: Readonly<Record<string, string>>,
    private readonly warn: (message: string) => void,
  ) {}

  get id(): string {
    return this.info.runId;
  }
  get experimentId(): string {
    return this.info.experimentId;
  }
  get name(): string {
    return this.info.runName;
  }
  get artifactUri(): string {
    return this.info.artifactUri;
  }
  get status(): 'RUNNING' | RunEndStatus {
    return this.endedWith ?? 'RUNNING';
  }

  logParam(key: string, value: ParamValue): Promise<void> {
    return this.logParams({ [key]: value });
  }

  /** Params are immutable in MLflow: logging a key again with another value fails. */
  logParams(params: Record<string, ParamValue>): Promise<void> {
    return this.send(() => ({
      metrics: [],
      params: Object.entries(params).map(([key, value]) => {
        validateKey('param', key);
        const text = String(value);
        validateParamValue(key, text);
        return { key, value: text };
      }),
      tags: [],
    }));
  }

  logMetric(key: string, value: number, step = 0): Promise<void> {
    return this.logMetrics({ [key]: value }, step);
  }

  logMetrics(metrics: Record<string, number>, step = 0): Promise<void> {
    const timestamp = Date.now();
    return this.send(() => ({
      metrics: Object.entries(metrics).map(([key, value]) => {
        validateMetric(key, value, timestamp, step);
        return { key, value, timestamp, step };
      }),
      params: [],
      tags: [],
    }));
  }

  setTag(key: string, value: string): Promise<void> {
    return this.setTags({ [key]: value });
  }

  setTags(tags: Record<string, string>): Promise<void> {
    return this.send(() => ({ metrics: [], params: [], tags: toTagList(tags) }));
  }

  /** Stores one file under the run's artifacts, in `artifactPath` (a folder) when given. */
  logArtifact(localPath: string, artifactPath?: string): Promise<ArtifactLogResult> {
    return this.enqueue(async () => {
      validateArtifactPath(artifactPath);
      const stat = await fs.stat(localPath);
      if (!stat.isFile())
        throw new Error(`logArtifact needs a file; ${localPath} is not one (use logArtifacts).`);
      const result = await this.store.logArtifact(this.info, localPath, normalizeArtifactDir(artifactPath));
      if (result.status === 'skipped')
        this.warn(`Artifact ${result.artifactPath} was not stored: ${result.reason}.`);
      return result;
    });
  }

  /** Stores every file below `localDir`, keeping its sub-folders. */
  async logArtifacts(localDir: string, artifactPath?: string): Promise<ArtifactLogResult[]> {
    validateArtifactPath(artifactPath);
    const results: ArtifactLogResult[] = [];
    for (const relative of await listFiles(localDir)) {
      const folder = path.posix.dirname(relative);
      const target = [normalizeArtifactDir(artifactPath), folder === '.' ? undefined : folder]
        .filter(Boolean)
        .join('/');
      results.push(await this.logArtifact(path.join(localDir, ...relative.split('/')), target || undefined));
    }
    return results;
  }

  /** Marks the run FINISHED (default), FAILED or KILLED after everything logged before has been written. */
  end(status: RunEndStatus = 'FINISHED'): Promise<void> {
    if (this.endedWith)
      return Promise.reject(new Error(`Run ${this.id} already ended as ${this.endedWith}.`));
    this.endedWith = status;
    return this.enqueue(() => this.store.updateRun(this.id, status, Date.now()));
  }

  /** Validates now (so a bad key rejects at the call that made it), writes in order. */
  private send(build: () => LogBatch): Promise<void> {
    let batch: LogBatch;
    try {
      if (this.endedWith) throw new Error(`Run ${this.id} already ended; nothing more can be logged.`);
      batch = build();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.enqueue(async () => {
      for (const chunk of splitBatch(batch)) await this.store.logBatch(this.id, chunk);
    });
  }

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/** Runs `body` inside a run that ends FINISHED when it resolves and FAILED when it throws. */
export async function withRun<T>(
  tracker: ExperimentTracker,
  options: StartRunOptions,
  body: (run: TrackedRun) => Promise<T>,
): Promise<T> {
  const run = await tracker.startRun(options);
  try {
    const result = await body(run);
    if (run.status === 'RUNNING') await run.end('FINISHED');
    return result;
  } catch (error) {
    if (run.status === 'RUNNING') await run.end('FAILED').catch(() => undefined);
    throw error;
  }
}

function toTagList(tags: Record<string, string>): KeyValue[] {
  return Object.entries(tags).map(([key, value]) => {
    validateKey('tag', key);
    const text = String(value);
    validateTagValue(key, text);
    return { key, value: text };
  });
}

function normalizeArtifactDir(artifactPath: string | undefined): string | undefined {
  const trimmed = artifactPath ? path.posix.normalize(artifactPath).replace(/^\.\/?|\/+$/g, '') : '';
  return trimmed || undefined;
}

function defaultRunName(): string {
  return `run-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}`;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listFiles(path.join(dir, entry.name), relative)));
    else if (entry.isFile()) files.push(relative);
  }
  return files;
}
