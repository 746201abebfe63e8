// An in-memory MLflow tracking server on a loopback port, answering the REST calls maskd makes the way
// MLflow's server does (same paths, bodies, error codes and batch limits) and recording every request.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MLFLOW_LIMITS } from '../validation';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON for JSON requests, raw bytes otherwise. */
  body: unknown;
}

interface StoredRun {
  info: Record<string, unknown>;
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: { key: string; value: unknown; timestamp: number; step: number }[];
}

type Reply = { status: number; body: unknown };

export class MlflowTestServer {
  readonly requests: RecordedRequest[] = [];
  readonly experiments = new Map<
    string,
    { experiment_id: string; name: string; artifact_location: string }
  >();
  readonly runs = new Map<string, StoredRun>();
  readonly artifacts = new Map<string, Buffer>();
  /** Status codes answered (before any handling) to the next requests, e.g. [503, 429]. */
  readonly injectedFailures: number[] = [];
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private nextExperimentId = 1;
  private nextRunId = 1;

  /** @param artifactRoot the server's default artifact root (`mlflow-artifacts:` when it proxies artifacts). */
  constructor(private readonly artifactRoot = 'mlflow-artifacts:') {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** `METHOD /path` of every request, in order. */
  get calls(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isJson = req.headers['content-type']?.startsWith('application/json') ?? false;
    let body: unknown = raw;
    try {
      if (isJson) body = JSON.parse(raw.toString('utf8'));
    } catch {
      return send(res, { status: 400, body: error('MALFORMED_REQUEST', 'Malformed JSON') });
    }
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
    });
    const injected = this.injectedFailures.shift();
    if (injected) return send(res, { status: injected, body: error('TEMPORARILY_UNAVAILABLE', 'try again') });
    send(res, this.route(req.method ?? '', url, body, isJson));
  }

  private route(method: string, url: URL, body: unknown, isJson: boolean): Reply {
    const api = '/api/2.0/mlflow/';
    if (method === 'PUT' && url.pathname.startsWith('/api/2.0/mlflow-artifacts/artifacts/')) {
      const artifactPath = decodeURIComponent(
        url.pathname.slice('/api/2.0/mlflow-artifacts/artifacts/'.length),
      );
      if (artifactPath.split('/').includes('..')) return bad('Invalid path');
      this.artifacts.set(artifactPath, body as Buffer);
      return ok({});
    }
    const endpoint = `${method} ${url.pathname.startsWith(api) ? url.pathname.slice(api.length) : url.pathname}`;
    if (method === 'POST' && !isJson) return bad('Content-Type must be application/json');
    const json = (body ?? {}) as Record<string, unknown>;
    switch (endpoint) {
      case 'GET experiments/get-by-name':
        return this.getExperimentByName(url.searchParams.get('experiment_name'));
      case 'POST experiments/create':
        return this.createExperiment(json);
      case 'POST runs/create':
        return this.createRun(json);
      case 'POST runs/log-batch':
        return this.logBatch(json);
      case 'POST runs/update':
        return this.updateRun(json);
      default:
        return { status: 404, body: error('ENDPOINT_NOT_FOUND', `No handler for ${endpoint}`) };
    }
  }

  private getExperimentByName(name: string | null): Reply {
    const experiment = [...this.experiments.values()].find((e) => e.name === name);
    if (!experiment) {
      return {
        status: 404,
        body: error('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`),
      };
    }
    return ok({
      experiment: {
        ...experiment,
        lifecycle_stage: 'active',
        creation_time: 1,
        last_update_time: 1,
        tags: [],
      },
    });
  }

  private createExperiment(json: Record<string, unknown>): Reply {
    if (typeof json.name !== 'string' || !json.name)
      return bad("Missing value for required parameter 'name'");
    if ([...this.experiments.values()].some((e) => e.name === json.name)) {
      return {
        status: 400,
        body: error('RESOURCE_ALREADY_EXISTS', `Experiment '${json.name}' already exists.`),
      };
    }
    const id = String(this.nextExperimentId++);
    this.experiments.set(id, {
      experiment_id: id,
      name: json.name,
      artifact_location: `${this.artifactRoot}/${id}`,
    });
    return ok({ experiment_id: id });
  }

  private createRun(json: Record<string, unknown>): Reply {
    const experiment = this.experiments.get(String(json.experiment_id));
    if (!experiment) return { status: 404, body: error('RESOURCE_DOES_NOT_EXIST', 'No such experiment') };
    if (typeof json.start_time !== 'number' || typeof json.user_id !== 'string')
      return bad('Invalid run fields');
    const tags = json.tags as { key: string; value: string }[];
    if (!Array.isArray(tags) || tags.some((t) => typeof t.key !== 'string' || typeof t.value !== 'string')) {
      return bad('Invalid tags');
    }
    const runId = (this.nextRunId++).toString(16).padStart(32, '0');
    const info = {
      run_uuid: runId,
      run_id: runId,
      run_name: json.run_name,
      experiment_id: experiment.experiment_id,
      user_id: json.user_id,
      status: 'RUNNING',
      start_time: json.start_time,
      artifact_uri: `${experiment.artifact_location}/${runId}/artifacts`,
      lifecycle_stage: 'active',
    };
    this.runs.set(runId, {
      info,
      params: new Map(),
      tags: new Map(tags.map((t) => [t.key, t.value])),
      metrics: [],
    });
    return ok({ run: { info, data: { tags } } });
  }

  private logBatch(json: Record<string, unknown>): Reply {
    const run = this.runs.get(String(json.run_id));
    if (!run)
      return { status: 404, body: error('RESOURCE_DOES_NOT_EXIST', `Run '${json.run_id}' not found`) };
    if (run.info.status !== 'RUNNING') return bad(`The run ${json.run_id} must be in the 'active' state.`);
    const metrics = (json.metrics ?? []) as StoredRun['metrics'];
    const params = (json.params ?? []) as { key: string; value: string }[];
    const tags = (json.tags ?? []) as { key: string; value: string }[];
    if (
      params.length > MLFLOW_LIMITS.maxParamsTagsPerBatch ||
      tags.length > MLFLOW_LIMITS.maxParamsTagsPerBatch
    ) {
      return bad('A batch logging request can contain at most 100 params/tags.');
    }
    if (
      metrics.length > MLFLOW_LIMITS.maxMetricsPerBatch ||
      metrics.length + params.length + tags.length > 1000
    ) {
      return bad('A batch logging request can contain at most 1000 entities.');
    }
    for (const param of params) {
      const current = run.params.get(param.key);
      if (current !== undefined && current !== param.value)
        return bad(`Changing param values is not allowed.`);
    }
    for (const metric of metrics) {
      const valid =
        typeof metric.value === 'number' || ['NaN', 'Infinity', '-Infinity'].includes(metric.value as string);
      if (!valid || !Number.isInteger(metric.timestamp) || !Number.isInteger(metric.step))
        return bad('Invalid metric');
    }
    params.forEach((p) => run.params.set(p.key, p.value));
    tags.forEach((t) => run.tags.set(t.key, t.value));
    run.metrics.push(...metrics);
    return ok({});
  }

  private updateRun(json: Record<string, unknown>): Reply {
    const run = this.runs.get(String(json.run_id));
    if (!run) return { status: 404, body: error('RESOURCE_DOES_NOT_EXIST', 'Run not found') };
    if (!['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'].includes(String(json.status)))
      return bad('Bad status');
    run.info = { ...run.info, status: json.status, end_time: json.end_time };
    return ok({ run_info: run.info });
  }
}

function ok(body: unknown): Reply {
  return { status: 200, body };
}

function bad(message: string): Reply {
  return { status: 400, body: error('INVALID_PARAMETER_VALUE', message) };
}

function error(code: string, message: string) {
  return { error_code: code, message };
}

function send(res: http.ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(reply.body));
}
