// Talks to an MLflow tracking server through REST API 2.0 (the calls the Python client makes).
import { openAsBlob } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { artifactPathFor, copyArtifact } from './file-store';
import { MlflowRestClient, MlflowRestError, type RestClientOptions } from './rest-client';
import type {
  ArtifactLogResult,
  CreateRunInput,
  ExperimentInfo,
  LogBatch,
  RunEndStatus,
  RunInfo,
  TrackingStore,
} from './types';

const API = '/api/2.0/mlflow';
const ARTIFACTS_API = '/api/2.0/mlflow-artifacts/artifacts';

interface RestExperiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: string;
}

interface RestRunInfo {
  run_id: string;
  experiment_id: string;
  run_name?: string;
  artifact_uri: string;
  start_time?: number | string;
}

export class RestTrackingStore implements TrackingStore {
  readonly kind = 'rest' as const;
  readonly uri: string;
  private readonly client: MlflowRestClient;

  constructor(options: RestClientOptions) {
    this.client = new MlflowRestClient(options);
    this.uri = this.client.baseUrl;
  }

  async getOrCreateExperiment(name: string): Promise<ExperimentInfo> {
    const existing = await this.getExperimentByName(name);
    if (existing) return existing;
    try {
      await this.client.request({ method: 'POST', path: `${API}/experiments/create`, json: { name } });
    } catch (error) {
      // Another process created it between our two calls.
      if (!(error instanceof MlflowRestError && error.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw error;
    }
    const created = await this.getExperimentByName(name);
    if (!created)
      throw new MlflowRestError(
        `MLflow experiment '${name}' was created but cannot be read back.`,
        404,
        undefined,
      );
    return created;
  }

  async createRun(input: CreateRunInput): Promise<RunInfo> {
    const response = await this.client.request<{ run: { info: RestRunInfo } }>({
      method: 'POST',
      path: `${API}/runs/create`,
      json: {
        experiment_id: input.experimentId,
        user_id: input.userId,
        run_name: input.runName,
        start_time: input.startTime,
        tags: input.tags,
      },
    });
    const info = response.run?.info;
    if (!info?.run_id || typeof info.artifact_uri !== 'string') {
      throw new MlflowRestError(
        `MLflow server ${this.uri} answered runs/create without a run id.`,
        undefined,
        undefined,
      );
    }
    return {
      runId: info.run_id,
      experimentId: String(info.experiment_id),
      runName: info.run_name ?? input.runName,
      artifactUri: info.artifact_uri,
      startTime: Number(info.start_time ?? input.startTime),
    };
  }

  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    await this.client.request({
      method: 'POST',
      path: `${API}/runs/log-batch`,
      json: { run_id: runId, ...batch },
    });
  }

  async updateRun(runId: string, status: RunEndStatus, endTime: number): Promise<void> {
    await this.client.request({
      method: 'POST',
      path: `${API}/runs/update`,
      json: { run_id: runId, run_uuid: runId, status, end_time: endTime },
    });
  }

  /**
   * `mlflow-artifacts:` (the server proxies artifacts, the default of `mlflow server`): uploaded with PUT.
   * `file:` (a shared or local artifact root): copied there directly, as the Python client does.
   * Any other store (s3, gs, wasbs, hdfs, …) needs that cloud's SDK: the artifact is skipped, with the reason.
   */
  async logArtifact(
    run: RunInfo,
    localPath: string,
    artifactDir: string | undefined,
  ): Promise<ArtifactLogResult> {
    const artifactPath = artifactPathFor(localPath, artifactDir);
    const scheme = run.artifactUri.match(/^([a-zA-Z][\w+.-]*):/)?.[1]?.toLowerCase();
    if (scheme === 'mlflow-artifacts') {
      await this.client.request({
        method: 'PUT',
        path: this.proxyArtifactPath(run.artifactUri, artifactPath),
        body: await openAsBlob(localPath),
      });
      return { localPath, artifactPath, status: 'stored' };
    }
    if (scheme === 'file' || scheme === undefined) {
      const root = scheme === 'file' ? fileURLToPath(run.artifactUri) : run.artifactUri;
      return copyArtifact(root, localPath, artifactPath);
    }
    return {
      localPath,
      artifactPath,
      status: 'skipped',
      reason:
        `the run's artifact store ${run.artifactUri} (${scheme}:) needs its own client; maskd uploads artifacts through ` +
        `the MLflow server's artifact proxy (start it with --serve-artifacts) or to a file: artifact root`,
    };
  }

  private async getExperimentByName(name: string): Promise<ExperimentInfo | undefined> {
    try {
      const { experiment } = await this.client.request<{ experiment: RestExperiment }>({
        method: 'GET',
        path: `${API}/experiments/get-by-name`,
        query: { experiment_name: name },
      });
      if (experiment.lifecycle_stage === 'deleted') {
        throw new MlflowRestError(
          `MLflow experiment '${name}' (id ${experiment.experiment_id}) is deleted on ${this.uri}; restore it or choose another name.`,
          undefined,
          undefined,
        );
      }
      return {
        id: String(experiment.experiment_id),
        name: experiment.name,
        artifactLocation: experiment.artifact_location ?? '',
      };
    } catch (error) {
      if (error instanceof MlflowRestError && error.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw error;
    }
  }

  /**
   * `mlflow-artifacts:/0/<run>/artifacts` maps to `<server>/api/2.0/mlflow-artifacts/artifacts/0/<run>/artifacts`;
   * a host in the URI (`mlflow-artifacts://host:port/…`) must be this server, since we only hold its credentials.
   */
  private proxyArtifactPath(artifactUri: string, artifactPath: string): string {
    const uri = new URL(artifactUri);
    if (uri.host && uri.host !== new URL(this.uri).host) {
      throw new MlflowRestError(
        `The run's artifact URI ${artifactUri} points at another server than the tracking server ${this.uri}.`,
        undefined,
        undefined,
      );
    }
    const root = uri.pathname.split('/').map(decodeURIComponent);
    const segments = [...root, ...artifactPath.split('/')].filter(Boolean);
    return `${ARTIFACTS_API}/${segments.map(encodeURIComponent).join('/')}`;
  }
}
