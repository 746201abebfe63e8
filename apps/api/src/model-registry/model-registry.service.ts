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
  BLAZEFACE_MODELS,
  FaceDetectOptions,
  FaceFinder,
  InferencePool,
  MaskModelCard,
  modelInputOptions,
  VerifiedFaceDetector,
  verifyFaceDetectorModel,
  verifyModel,
} from '@maskd/inference';
import { ApiConfigService } from '../common/config/api-config.service';
import { ModelUnavailableError } from '../common/errors/model-unavailable.error';
import {
  FACE_DETECTION_TASK,
  faceDetectorFacts,
  loadingRecord,
  MASK_CLASSIFICATION_TASK,
  maskModelFacts,
  ModelRecord,
} from './model-record';

export type { ModelRecord, ModelStatus } from './model-record';

/** The mask classifier, ready to run: requests go through the worker pool. */
export interface LoadedMaskModel {
  name: string;
  version: string;
  card: MaskModelCard;
  /** How to prepare an image for this model (size and resize mode from its card). */
  input: ModelInputOptions;
  classifier: InferencePool;
}

/** The face detector and its configured options when it can be used, else why not (for `auto`'s message). */
export interface FaceDetectorAvailability {
  finder?: FaceFinder;
  options?: FaceDetectOptions;
  unavailable?: string;
}

/**
 * Owns the model files and the onnxruntime workers: checks each configured model at start-up (card, sha256,
 * input/output contract), starts the worker pool that hosts both (mask classifier and BlazeFace face
 * detector), warms them up and hands ready models to the services. A missing or broken model never stops the
 * process: it is reported here and by /health. Without the mask model the service is not ready and /detect
 * answers 503; without the face detector it is ready but degraded: `faces` mode answers 503 and `auto`
 * classifies the whole image, saying why.
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
    this.settled = this.loadModels();
  }

  /** Resolves once every model has finished loading, successfully or not. */
  whenSettled(): Promise<void> {
    return this.settled;
  }

  /**
   * True when the mask model is loaded and warmed up, the face detector has finished loading (warmed up, or
   * failed: the service then runs degraded), and the service is not shutting down.
   */
  isReady(): boolean {
    const records = [...this.records.values()];
    return (
      !this.stopping && this.maskModel !== undefined && records.every((record) => record.status !== 'loading')
    );
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
    throw new ModelUnavailableError(
      `The mask classification model is not available: ${this.whyNot(MASK_CLASSIFICATION_TASK)}`,
    );
  }

  /** The face detector (in the same workers as the classifier) with the configured options, or why not. */
  faceDetector(): FaceDetectorAvailability {
    const record = this.recordOf(FACE_DETECTION_TASK);
    if (this.maskModel && record?.status === 'ready') {
      const { mode, minFaceSize, minScore, maxFaces } = this.config.faces;
      return {
        finder: this.maskModel.classifier,
        options: { mode, minFaceSize, minScore, maxFaces },
      };
    }
    return { unavailable: this.whyNot(FACE_DETECTION_TASK) };
  }

  /** Subscribes to one report per run in a worker, labelled with the model's name (e.g. for metrics). */
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

  private recordOf(task: string): ModelRecord | undefined {
    return [...this.records.values()].find((record) => record.task === task);
  }

  private whyNot(task: string): string {
    const record = this.recordOf(task);
    return record?.status === 'failed'
      ? `it failed to load: ${record.error}`
      : 'it is still loading, retry shortly';
  }

  /** Replaces a record (its name may change once the card is read). */
  private update(record: ModelRecord, changes: Partial<ModelRecord>): void {
    this.records.delete(record.name);
    Object.assign(record, changes);
    this.records.set(record.name, record);
  }

  private fail(record: ModelRecord, error: unknown, consequence: string): void {
    this.update(record, { status: 'failed', error: error instanceof Error ? error.message : String(error) });
    this.logger.error(`Model ${record.name} NOT loaded: ${record.error}. ${consequence}`);
  }

  private async loadModels(): Promise<void> {
    const { maskModelPath, faceDetectorCardPath } = this.config.models;
    const mask = loadingRecord(maskModelPath, MASK_CLASSIFICATION_TASK);
    const detectorFiles = Object.values(BLAZEFACE_MODELS).map((spec) => spec.fileName);
    const detector = loadingRecord(faceDetectorCardPath, FACE_DETECTION_TASK, detectorFiles.join(', '));
    this.records.set(mask.name, mask);
    this.records.set(detector.name, detector);
    const started = performance.now();

    let faceDetector: VerifiedFaceDetector | undefined;
    try {
      faceDetector = await verifyFaceDetectorModel(faceDetectorCardPath);
      this.update(detector, faceDetectorFacts(faceDetector));
    } catch (error) {
      this.fail(detector, error, DEGRADED);
    }
    try {
      const verified = await verifyModel(maskModelPath);
      this.update(mask, maskModelFacts(verified));
      const pool = await this.startPool(maskModelPath, faceDetector);
      const { card } = verified;
      const loaded = {
        status: 'ready' as const,
        loadedAt: new Date(),
        loadMs: Math.round(performance.now() - started),
      };
      this.update(mask, { ...loaded, signature: pool.signature });
      if (faceDetector) {
        const state = pool.faceDetector!;
        if (state.status === 'ready') this.update(detector, { ...loaded, signature: state.signature });
        else this.fail(detector, state.error, DEGRADED);
      }
      this.maskModel = {
        name: card.name,
        version: card.version,
        card,
        input: modelInputOptions(card),
        classifier: pool,
      };
      const { workers, intraOpThreads, soloIntraOpThreads } = this.config.inference;
      const solo = soloIntraOpThreads > (intraOpThreads || Infinity) ? `, ${soloIntraOpThreads} alone` : '';
      this.logger.log(
        `Model ${card.name} ${card.version} ready in ${mask.loadMs} ms (sha256 ${card.sha256.slice(0, 12)}, ` +
          `${workers} worker(s), intra-op threads ${intraOpThreads || 'auto'}${solo})` +
          (detector.status === 'ready' ? `; face detector ${detector.name} ${detector.version} ready` : ''),
      );
    } catch (error) {
      this.fail(
        mask,
        error,
        'The service stays up and answers 503 (/health/ready, /detect) until a valid model is deployed and the service restarted.',
      );
      if (detector.status === 'loading') {
        this.update(detector, {
          status: 'failed',
          error: 'not started: it runs beside the mask model, which failed',
        });
      }
    }
  }

  private async startPool(modelPath: string, faceDetector?: VerifiedFaceDetector): Promise<InferencePool> {
    const { workers, intraOpThreads, soloIntraOpThreads, maxImagesPerRun, batchWindowMs, maxQueue } =
      this.config.inference;
    const file = (variant: string) => faceDetector?.files.find((entry) => entry.variant === variant)?.path;
    const pool = await InferencePool.start({
      modelPath,
      faceDetector: faceDetector && { frontModelPath: file('front')!, backModelPath: file('back')! },
      workers,
      intraOpThreads,
      soloIntraOpThreads,
      maxBatch: maxImagesPerRun,
      batchWindowMs,
      maxQueue,
    });
    pool.onBatch((report) => {
      const model = this.recordOf(report.task)?.name ?? report.task;
      this.batchListeners.forEach((listener) => listener({ ...report, model }));
    });
    return pool;
  }
}

const DEGRADED =
  "The service runs without face detection: mode 'faces' answers 503 and 'auto' classifies whole images.";
