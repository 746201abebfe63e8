// Writes the directory layout of MLflow's FileStore (mlflow/store/tracking/file_store.py), so
// `mlflow ui --backend-store-uri ./mlruns` and `mlflow.search_runs` read maskd's runs as their own.
import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import YAML from 'yaml';
import {
  RUN_STATUS_CODES,
  type ArtifactLogResult,
  type CreateRunInput,
  type ExperimentInfo,
  type LogBatch,
  type RunEndStatus,
  type RunInfo,
  type TrackingStore,
} from './types';
import { MlflowValidationError, validateRunId } from './validation';

export const DEFAULT_EXPERIMENT = { id: '0', name: 'Default' } as const;
const META = 'meta.yaml';
const TRASH = '.trash';
/** Folders at the store root that are not experiments (model registry, trash). */
const NON_EXPERIMENT_DIRS = new Set([TRASH, 'models']);
/** MLflow's SourceType.LOCAL, written for old readers. */
const SOURCE_TYPE_LOCAL = 4;

interface ExperimentMeta {
  artifact_location: string;
  creation_time: number;
  experiment_id: string;
  last_update_time: number;
  lifecycle_stage: 'active' | 'deleted';
  name: string;
}

export class FileTrackingStore implements TrackingStore {
  readonly kind = 'file' as const;
  readonly root: string;
  private readonly runDirs = new Map<string, string>();
  private rootReady?: Promise<void>;

  constructor(rootDirectory: string) {
    this.root = path.resolve(rootDirectory);
  }

  get uri(): string {
    return this.root;
  }

  async getOrCreateExperiment(name: string): Promise<ExperimentInfo> {
    await this.ensureRoot();
    const existing = await this.findExperiment(name);
    if (existing) return existing;
    let id: string;
    do id = newExperimentId();
    while (await exists(path.join(this.root, id)));
    return this.createExperiment(id, name);
  }

  async createRun(input: CreateRunInput): Promise<RunInfo> {
    await this.ensureRoot();
    const experimentDir = path.join(this.root, input.experimentId);
    const experiment = await readYaml<ExperimentMeta>(path.join(experimentDir, META));
    const runId = randomUUID().replaceAll('-', '');
    const runDir = path.join(experimentDir, runId);
    const artifactUri = `${experiment.artifact_location.replace(/\/+$/, '')}/${runId}/artifacts`;
    await fs.mkdir(runDir);
    await writeYamlAtomic(path.join(runDir, META), {
      artifact_uri: artifactUri,
      end_time: null,
      entry_point_name: '',
      experiment_id: input.experimentId,
      lifecycle_stage: 'active',
      run_id: runId,
      run_name: input.runName,
      run_uuid: runId,
      source_name: '',
      source_type: SOURCE_TYPE_LOCAL,
      source_version: '',
      start_time: input.startTime,
      status: RUN_STATUS_CODES.RUNNING,
      tags: [],
      user_id: input.userId,
      deleted_time: null,
    });
    for (const folder of ['metrics', 'params', 'artifacts', 'tags'])
      await fs.mkdir(path.join(runDir, folder));
    this.runDirs.set(runId, runDir);
    const tags = input.tags.some((t) => t.key === 'mlflow.runName')
      ? input.tags
      : [...input.tags, { key: 'mlflow.runName', value: input.runName }];
    await this.logBatch(runId, { metrics: [], params: [], tags });
    return {
      runId,
      experimentId: input.experimentId,
      runName: input.runName,
      artifactUri,
      startTime: input.startTime,
    };
  }

  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    const runDir = this.runDir(runId);
    for (const param of batch.params) {
      const file = path.join(runDir, 'params', param.key);
      const current = await fs.readFile(file, 'utf8').catch(() => undefined);
      if (current !== undefined && current !== param.value) {
        throw new MlflowValidationError(
          `Changing param values is not allowed. Param '${param.key}' was already logged with value '${current}' for run ${runId}; attempted '${param.value}'.`,
        );
      }
      await writeEntity(file, param.value);
    }
    for (const metric of batch.metrics) {
      const line = `${metric.timestamp} ${formatMetricValue(metric.value)} ${metric.step}\n`;
      const file = path.join(runDir, 'metrics', metric.key);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.appendFile(file, line, 'utf8');
    }
    for (const tag of batch.tags) {
      await writeEntity(path.join(runDir, 'tags', tag.key), tag.value);
      // The file store keeps the run name in meta.yaml and in this tag; MLflow syncs them the same way.
      if (tag.key === 'mlflow.runName') await this.updateRunMeta(runId, { run_name: tag.value });
    }
  }

  async updateRun(runId: string, status: RunEndStatus, endTime: number): Promise<void> {
    await this.updateRunMeta(runId, { status: RUN_STATUS_CODES[status], end_time: endTime });
  }

  async logArtifact(
    run: RunInfo,
    localPath: string,
    artifactDir: string | undefined,
  ): Promise<ArtifactLogResult> {
    return copyArtifact(fileURLToPath(run.artifactUri), localPath, artifactPathFor(localPath, artifactDir));
  }

  private runDir(runId: string): string {
    validateRunId(runId);
    const dir = this.runDirs.get(runId);
    if (!dir) throw new Error(`Run ${runId} was not started by this tracker (file store at ${this.root}).`);
    return dir;
  }

  private async updateRunMeta(runId: string, changes: Record<string, unknown>): Promise<void> {
    const file = path.join(this.runDir(runId), META);
    const meta = await readYaml<Record<string, unknown>>(file);
    // MLflow drops deleted_time when it rewrites the meta of a live run.
    delete meta.deleted_time;
    await writeYamlAtomic(file, { ...meta, ...changes });
  }

  /** MLflow creates the root, the default experiment and the trash folder on first use; so do we. */
  private ensureRoot(): Promise<void> {
    this.rootReady ??= (async () => {
      await fs.mkdir(path.join(this.root, TRASH), { recursive: true });
      if (!(await exists(path.join(this.root, DEFAULT_EXPERIMENT.id, META)))) {
        await this.createExperiment(DEFAULT_EXPERIMENT.id, DEFAULT_EXPERIMENT.name);
      }
    })();
    return this.rootReady;
  }

  private async createExperiment(id: string, name: string): Promise<ExperimentInfo> {
    const dir = path.join(this.root, id);
    await fs.mkdir(dir, { recursive: true });
    const now = Date.now();
    const artifactLocation = `${pathToFileURL(this.root).href}/${id}`;
    const meta: ExperimentMeta = {
      artifact_location: artifactLocation,
      creation_time: now,
      experiment_id: id,
      last_update_time: now,
      lifecycle_stage: 'active',
      name,
    };
    await writeYamlAtomic(path.join(dir, META), meta);
    return { id, name, artifactLocation };
  }

  private async findExperiment(name: string): Promise<ExperimentInfo | undefined> {
    const metas = await this.readExperimentMetas(this.root);
    const active = metas.find((m) => m.name === name && m.lifecycle_stage !== 'deleted');
    if (active) return { id: String(active.experiment_id), name, artifactLocation: active.artifact_location };
    const deleted = (await this.readExperimentMetas(path.join(this.root, TRASH))).find(
      (m) => m.name === name,
    );
    if (deleted) {
      throw new Error(
        `MLflow experiment '${name}' (id ${deleted.experiment_id}) is deleted in ${this.root}; restore it (mlflow experiments restore) or choose another experiment name.`,
      );
    }
    return undefined;
  }

  private async readExperimentMetas(parent: string): Promise<ExperimentMeta[]> {
    const entries = await fs.readdir(parent, { withFileTypes: true }).catch(() => []);
    const metas: ExperimentMeta[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || NON_EXPERIMENT_DIRS.has(entry.name)) continue;
      const meta = await readYaml<ExperimentMeta>(path.join(parent, entry.name, META)).catch(() => undefined);
      if (meta && typeof meta.name === 'string') metas.push(meta);
    }
    return metas;
  }
}

/** Python's `str(float)` spelling for non-finite values, which MLflow's reader parses with `float()`. */
export function formatMetricValue(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return String(value);
}

/** MLflow's experiment ids in the file store are large random positive integers. */
function newExperimentId(): string {
  const id = BigInt(`0x${randomBytes(8).toString('hex')}`) & 0x7fff_ffff_ffff_ffffn;
  return id === 0n ? newExperimentId() : id.toString();
}

async function writeEntity(file: string, value: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, value, 'utf8');
}

async function readYaml<T>(file: string): Promise<T> {
  return YAML.parse(await fs.readFile(file, 'utf8'), { version: '1.1' }) as T;
}

/** PyYAML-compatible (YAML 1.1, sorted keys, single quotes) and atomic, so a crash never leaves half a meta.yaml. */
async function writeYamlAtomic(file: string, data: object): Promise<void> {
  const text = YAML.stringify(data, {
    version: '1.1',
    sortMapEntries: true,
    singleQuote: true,
    lineWidth: 0,
  });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(temp, text, 'utf8');
  await fs.rename(temp, file);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** Where an artifact lands inside the run's artifact root: `<artifactDir>/<file name>`, '/'-separated. */
export function artifactPathFor(localPath: string, artifactDir: string | undefined): string {
  const fileName = path.basename(localPath);
  return artifactDir ? `${artifactDir}/${fileName}` : fileName;
}

/** Copies an artifact under a local artifact root, as MLflow's file artifact repository does. */
export async function copyArtifact(
  root: string,
  localPath: string,
  artifactPath: string,
): Promise<ArtifactLogResult> {
  const destination = path.join(root, ...artifactPath.split('/'));
  await fs.mkdir(path.dirname(destination), { recursive: true });
  await fs.copyFile(localPath, destination);
  return { localPath, artifactPath, status: 'stored' };
}
