import { basename, extname } from 'node:path';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { ModelInputOptions } from '@maskd/imaging';
import {
  BatchReport,
  InferencePool,
  MaskModelCard,
  ModelSignature,
  modelInputOptions,
  verifyModel,
} from '@maskd/inference';
import { ApiConfigService } from '../common/config/api-config.service';
import { ModelUnavailableError } from '../common/errors/model-unavailable.error';

export type ModelStatus = 'loading' | 'ready' | 'failed';

/** What the registry knows about one configured model, loaded or not. */
export interface ModelRecord {
  name: string;
  task: string;
  file: string;
  status: ModelStatus;
  error?: string;
  version?: string;
  sha256?: string;
  sizeBytes?: number;
  signature?: ModelSignature;
  card?: MaskModelCard;
  loadedAt?: Date;
  loadMs?: number;
}

/** The mask classifier, ready to run: requests go through its worker pool. */
export interface LoadedMaskModel {
  name: string;
  version: string;
  card: MaskModelCard;
  /** How to prepare an image for this model (size and resize mode from its card). */
  input: ModelInputOptions;
  classifier: InferencePool;
}

export const MASK_CLASSIFICATION_TASK = 'mask-classification';

/**
 * Owns the model files and the onnxruntime workers: loads and validates each configured model at
 * start-up (card, sha256, input/output contract, warm-up) and hands ready models to the services.
 * A missing or broken model never stops the process: it is reported here, by /health/ready (503)
 * and by the endpoints that need it (503).
 */
@Injectable()
export class ModelRegistryService
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(ModelRegistryService.name);
  private readonly records = new Map<string, ModelRecord>();
  private readonly batchListeners = new Set<(report: BatchReport & { model: string }) => void>();
  private maskModel?: LoadedMaskModel;
  private settled: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(private readonly config: ApiConfigService) {}

  onApplicationBootstrap(): void {
    // Not awaited: the port opens at once (liveness) and readiness follows the models.
    this.settled = this.loadMaskModel();
  }

  /** Resolves once every model has finished loading, successfully or not. */
  whenSettled(): Promise<void> {
    return this.settled;
  }

  /** True when every model is loaded and warmed up and the service is not shutting down. */
  isReady(): boolean {
    const records = [...this.records.values()];
    return !this.stopping && records.length > 0 && records.every((record) => record.status === 'ready');
  }

  /** True once the mask model is loaded and warmed up (also while shutting down). */
  isMaskModelLoaded(): boolean {
    return this.maskModel !== undefined;
  }

  list(): ModelRecord[] {
    return [...this.records.values()];
  }

  find(name: string): ModelRecord | undefined {
    return this.records.get(name);
  }

  /** The mask classifier, or ModelUnavailableError (503) saying why it cannot be used. */
  maskClassifier(): LoadedMaskModel {
    if (this.maskModel) return this.maskModel;
    const record = [...this.records.values()].find((entry) => entry.task === MASK_CLASSIFICATION_TASK);
    const reason =
      record?.status === 'failed'
        ? `it failed to load: ${record.error}`
        : 'it is still loading, retry shortly';
    throw new ModelUnavailableError(`The mask classification model is not available: ${reason}`);
  }

  /** Subscribes to one report per onnxruntime run of the mask model (e.g. for metrics). */
  onInferenceBatch(listener: (report: BatchReport & { model: string }) => void): () => void {
    this.batchListeners.add(listener);
    return () => this.batchListeners.delete(listener);
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  /** Runs after the HTTP server has closed: in-flight requests have their results; then the workers stop. */
  async onApplicationShutdown(): Promise<void> {
    await this.settled;
    if (!this.maskModel) return;
    await this.maskModel.classifier.close();
    this.logger.log('Inference workers stopped');
  }

  private async loadMaskModel(): Promise<void> {
    const modelPath = this.config.models.maskModelPath;
    const record: ModelRecord = {
      name: basename(modelPath, extname(modelPath)),
      task: MASK_CLASSIFICATION_TASK,
      file: basename(modelPath),
      status: 'loading',
    };
    this.records.set(record.name, record);
    const started = performance.now();
    try {
      const { card, sizeBytes } = await verifyModel(modelPath);
      const { workers, intraOpThreads, interOpThreads, maxBatch, batchWindowMs, maxQueue } =
        this.config.inference;
      const classifier = await InferencePool.start({
        modelPath,
        workers,
        intraOpThreads,
        interOpThreads,
        maxBatch,
        batchWindowMs,
        maxQueue,
      });
      classifier.onBatch((report) =>
        this.batchListeners.forEach((listener) => listener({ ...report, model: card.name })),
      );
      this.records.delete(record.name);
      Object.assign(record, {
        name: card.name,
        status: 'ready',
        version: card.version,
        sha256: card.sha256,
        sizeBytes,
        signature: classifier.signature,
        card,
        loadedAt: new Date(),
        loadMs: Math.round(performance.now() - started),
      });
      this.records.set(record.name, record);
      this.maskModel = {
        name: card.name,
        version: card.version,
        card,
        input: modelInputOptions(card),
        classifier,
      };
      this.logger.log(
        `Model ${card.name} ${card.version} ready in ${record.loadMs} ms (sha256 ${card.sha256.slice(0, 12)}, ` +
          `${workers} worker(s), intra-op threads ${intraOpThreads || 'auto'})`,
      );
    } catch (error) {
      record.status = 'failed';
      record.error = error instanceof Error ? error.message : String(error);
      this.logger.error(
        `Model ${record.name} NOT loaded: ${record.error}. The service stays up and answers 503 ` +
          `(/health/ready, /detect) until a valid model is deployed and the service restarted.`,
      );
    }
  }
}
