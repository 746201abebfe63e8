import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { DecodedImage } from '@maskd/imaging';
import { splitDetectionUnits } from '../face-detection/detection-parts';
import type { FaceDetection, FaceDetectOptions } from '../face-detection/face-detection';
import {
  DetectionPyramid,
  detectionPyramid,
  faceDetectionPlan,
  resolveFaceDetectOptions,
} from '../face-detection/face-detector';
import { MaskClassifier, packBatch } from '../mask-classifier/mask-classifier';
import { MASK_INPUT_LENGTH, ModelSignature } from '../mask-classifier/model-signature';
import type { SessionThreads } from '../session-options';
import { BatchQueue, BatchSlice, InferenceOverloadedError } from './batch-queue';
import { siblingModule, spawnWorker } from './spawn-worker';
import { DetectionJob, SplitDetection } from './split-detection';
import type {
  FaceDetectorFiles,
  FaceDetectorState,
  InferenceWorkerData,
  SharedPyramid,
  WorkerMessage,
} from './worker-protocol';

export interface InferencePoolOptions extends SessionThreads {
  modelPath: string;
  /** Host the BlazeFace detector in the same workers (detectFaces); without it only predict() works. */
  faceDetector?: FaceDetectorFiles;
  /** Worker threads, each with its own onnxruntime sessions (default 1). */
  workers?: number;
  /**
   * Intra-op threads of a second mask model session in each worker, used when that worker runs alone (no other
   * worker busy): a lone request then has the spare cores to itself. 0 or not above intraOpThreads: none.
   */
  soloIntraOpThreads?: number;
  /** Most images in one mask model run (default 32). */
  maxBatch?: number;
  /**
   * How long a classification may wait for others to share its run while other work is running (default 0).
   * A request arriving at an idle pool is never held back.
   */
  batchWindowMs?: number;
  /** Most images waiting for classification before predict() rejects with InferenceOverloadedError (default 256). */
  maxQueue?: number;
  /** Most photos waiting for face detection before detectFaces() rejects with InferenceOverloadedError (default 64). */
  maxQueuedDetections?: number;
}

export type InferenceTask = 'mask-classification' | 'face-detection';

/** One run in a worker (a batch of the mask model, or one photo's face detection), reported to onBatch listeners. */
export interface BatchReport {
  task: InferenceTask;
  images: number;
  requests: number;
  /** How long the oldest request of the run waited in the queue. */
  queueMs: number;
  runMs: number;
}

export interface InferencePoolStatus {
  workers: number;
  readyWorkers: number;
  queuedImages: number;
  queuedDetections: number;
  runningBatches: number;
}

/** No worker can run the inference asked for (none running, shutting down, or the model is not loaded). */
export class InferenceUnavailableError extends Error {
  override readonly name = 'InferenceUnavailableError';
}

type Job =
  | { task: 'mask-classification'; slices: BatchSlice[] }
  | { task: 'face-detection'; job: DetectionJob; part?: { units: number[]; split: SplitDetection } };

interface WorkerSlot {
  worker: Worker;
  state: 'starting' | 'idle' | 'busy';
  running?: Job & { id: number; queueMs: number };
}

const WORKER_ENTRY = siblingModule(__filename, 'inference-worker');

/**
 * The models in worker threads, so inference never blocks the event loop. Each worker holds a mask classifier
 * session and, optionally, the face detector; an idle worker takes the oldest waiting work of either kind.
 * Classifications are queued (bounded) and micro-batched: an idle worker takes every waiting request up to
 * maxBatch images (under load, batches form while the workers are busy; with a batchWindowMs it also waits that
 * long for company, but only while other work is running), and when several workers are idle they share the
 * waiting images, so one photo's faces run in parallel. Likewise a photo's face detection is split between the
 * workers idle when it starts (each runs some of the detector's inputs; the pool merges their candidates), and
 * runs whole in one worker under load. A worker that dies fails only its running work and is replaced.
 */
export class InferencePool implements MaskClassifier {
  private readonly slots = new Set<WorkerSlot>();
  private readonly queue: BatchQueue;
  private readonly detections: DetectionJob[] = [];
  private readonly listeners = new Set<(report: BatchReport) => void>();
  private modelSignature?: ModelSignature;
  private detectorState?: FaceDetectorState;
  private nextRunId = 1;
  private windowTimer?: NodeJS.Timeout;
  private closing = false;
  private closed?: Promise<void>;
  private onDrained?: () => void;

  private constructor(private readonly options: Required<Omit<InferencePoolOptions, 'faceDetector'>>) {
    this.queue = new BatchQueue(options.maxBatch, options.maxQueue);
  }

  /** Starts the workers; resolves once every one has loaded its models and run its warm-up. */
  static async start(options: InferencePoolOptions): Promise<InferencePool> {
    const maxBatch = options.maxBatch ?? 32;
    const pool = new InferencePool({
      modelPath: options.modelPath,
      workers: options.workers ?? 1,
      maxBatch,
      batchWindowMs: options.batchWindowMs ?? 0,
      maxQueue: options.maxQueue ?? Math.max(256, maxBatch),
      maxQueuedDetections: options.maxQueuedDetections ?? 64,
      intraOpThreads: options.intraOpThreads ?? 0,
      soloIntraOpThreads: options.soloIntraOpThreads ?? 0,
    });
    const data: InferenceWorkerData = {
      modelPath: options.modelPath,
      intraOpThreads: pool.options.intraOpThreads,
      soloIntraOpThreads: pool.options.soloIntraOpThreads,
      warmupBatchSizes: [...new Set([1, maxBatch])],
      faceDetector: options.faceDetector,
    };
    try {
      await Promise.all(Array.from({ length: pool.options.workers }, () => pool.startWorker(data)));
    } catch (error) {
      await pool.terminateWorkers();
      throw error;
    }
    return pool;
  }

  /** The mask model's inputs and outputs. */
  get signature(): ModelSignature {
    return this.modelSignature!;
  }

  /** Whether the face detector loaded (undefined when the pool was started without one). */
  get faceDetector(): FaceDetectorState | undefined {
    return this.detectorState;
  }

  get status(): InferencePoolStatus {
    const slots = [...this.slots];
    return {
      workers: slots.length,
      readyWorkers: slots.filter((slot) => slot.state !== 'starting').length,
      queuedImages: this.queue.images,
      queuedDetections: this.detections.length,
      runningBatches: slots.filter((slot) => slot.state === 'busy').length,
    };
  }

  /** Subscribes to one report per run in a worker; returns the unsubscribe function. */
  onBatch(listener: (report: BatchReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * P(class 1) per input. `solo`: no other input of the caller's is about to follow (e.g. not one face of a photo
   * whose other faces are still being cropped), so if nothing else runs, the run may use the solo session.
   */
  async predict(inputs: readonly Float32Array[], options: { solo?: boolean } = {}): Promise<number[]> {
    this.assertServing();
    inputs.forEach((input, index) => {
      if (input.length !== MASK_INPUT_LENGTH) {
        throw new RangeError(
          `input ${index} has ${input.length} values, expected ${MASK_INPUT_LENGTH} (224x224x3)`,
        );
      }
    });
    if (inputs.length === 0) return [];
    const results = this.queue.push(inputs, options.solo ?? false);
    this.dispatch();
    return results;
  }

  /**
   * Faces in `image`, as FaceDetector.detect finds them. The detector's level images (see detectionPyramid) are
   * made here, once, and shared with the workers: idle workers that split the photo's inputs all need them, and
   * they are a fraction of the photo's pixels.
   */
  async detectFaces(image: DecodedImage, options: FaceDetectOptions = {}): Promise<FaceDetection[]> {
    const resolved = resolveFaceDetectOptions(options); // invalid options fail here, not in a worker
    this.assertCanDetect();
    const plan = faceDetectionPlan(image.width, image.height, resolved);
    const pyramid = sharedPyramid(await detectionPyramid(image, plan));
    this.assertCanDetect(); // the pool may have started closing, or filled up, meanwhile
    const faces = new Promise<FaceDetection[]>((resolve, reject) =>
      this.detections.push({
        pyramid,
        plan,
        options: resolved,
        enqueuedAt: performance.now(),
        resolve,
        reject,
      }),
    );
    this.dispatch();
    return faces;
  }

  /** Stops taking requests, lets queued and running ones finish, then terminates the workers. */
  close(): Promise<void> {
    this.closing = true;
    this.closed ??= new Promise<void>((resolve) => {
      this.onDrained = resolve;
      this.dispatch();
    }).then(() => this.terminateWorkers());
    return this.closed;
  }

  private assertCanDetect(): void {
    this.assertServing();
    if (this.detectorState?.status !== 'ready') {
      const why = this.detectorState
        ? `it failed to load: ${this.detectorState.error}`
        : 'it was not configured';
      throw new InferenceUnavailableError(`The face detector is not available: ${why}`);
    }
    if (this.detections.length >= this.options.maxQueuedDetections) {
      throw new InferenceOverloadedError(this.detections.length, this.options.maxQueuedDetections);
    }
  }

  private assertServing(): void {
    if (this.closing) throw new InferenceUnavailableError('inference pool is shutting down');
    if (this.slots.size === 0) throw new InferenceUnavailableError('no inference worker is running');
  }

  private startWorker(data: InferenceWorkerData): Promise<void> {
    const slot: WorkerSlot = { worker: spawnWorker(WORKER_ENTRY, data), state: 'starting' };
    this.slots.add(slot);
    return new Promise<void>((resolve, reject) => {
      slot.worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          this.modelSignature ??= message.signature;
          this.detectorState ??= message.faceDetector;
          slot.state = 'idle';
          resolve();
          this.dispatch();
        } else if (message.type === 'load-error') {
          this.slots.delete(slot);
          void slot.worker.terminate();
          reject(new Error(message.message));
        } else {
          this.finishRun(slot, message);
        }
      });
      slot.worker.on('error', (error) => this.workerFailed(slot, data, error, reject));
      slot.worker.on('exit', (code) =>
        this.workerFailed(slot, data, new Error(`inference worker exited (code ${code})`), reject),
      );
    });
  }

  private workerFailed(
    slot: WorkerSlot,
    data: InferenceWorkerData,
    error: Error,
    rejectStart: (error: Error) => void,
  ): void {
    if (!this.slots.delete(slot)) return;
    if (slot.running) failJob(slot.running, error);
    if (slot.state === 'starting') {
      rejectStart(error);
    } else if (!this.closing) {
      // Replace it; until then the other workers (if any) carry the load.
      this.startWorker(data).catch(() => undefined);
    }
    if (this.slots.size === 0) {
      const unavailable = new InferenceUnavailableError(`no inference worker: ${error.message}`);
      this.queue.rejectAll(unavailable);
      this.detections.splice(0).forEach((job) => job.reject(unavailable));
    }
    this.dispatch();
  }

  private dispatch(): void {
    if (this.windowTimer) {
      clearTimeout(this.windowTimer);
      this.windowTimer = undefined;
    }
    const idle = [...this.slots].filter((slot) => slot.state === 'idle');
    const busy = [...this.slots].filter((slot) => slot.state === 'busy').length;
    const started: Array<[WorkerSlot, Job]> = [];
    while (idle.length > 0) {
      const job = this.nextJob(idle.length, busy);
      if (!job) break;
      const parts = job.task === 'face-detection' ? this.detectionParts(job.job, idle.length) : [job];
      for (const part of parts) {
        const slot = idle.shift()!;
        slot.state = 'busy'; // taken: nextJob counts the remaining idle workers
        started.push([slot, part]);
      }
    }
    const alone = busy === 0 && started.length === 1;
    for (const [slot, job] of started) this.run(slot, job, alone);
    const running = [...this.slots].some((slot) => slot.state === 'busy');
    if (this.onDrained && this.queue.isEmpty && this.detections.length === 0 && !running) this.onDrained();
  }

  /**
   * The oldest waiting work for one of `idleWorkers` idle workers (`busyWorkers` others were busy when this
   * dispatch began), or undefined to wait (batch window).
   */
  private nextJob(idleWorkers: number, busyWorkers: number): Job | undefined {
    const detection = this.detections[0];
    const classificationSince = this.queue.oldestEnqueuedAt;
    const takeDetection = (): Job => ({ task: 'face-detection', job: this.detections.shift()! });
    if (detection && (classificationSince === undefined || detection.enqueuedAt <= classificationSince)) {
      return takeDetection();
    }
    if (classificationSince === undefined) return undefined;
    const waited = performance.now() - classificationSince;
    const full = this.queue.images >= this.options.maxBatch;
    // Only under load is company likely to come; a request reaching an idle pool would just wait out the window.
    if (!full && !this.closing && busyWorkers > 0 && waited < this.options.batchWindowMs) {
      if (detection) return takeDetection();
      this.windowTimer = setTimeout(() => this.dispatch(), this.options.batchWindowMs - waited);
      return undefined;
    }
    // Workers share what is waiting, so a photo's faces are classified in parallel: each idle worker takes its
    // part, and a worker busy since before this dispatch keeps one for when it is done.
    const share = Math.ceil(this.queue.images / (idleWorkers + busyWorkers));
    return { task: 'mask-classification', slices: this.queue.take(share) };
  }

  /** A photo's detection as one job, or split between `idleWorkers` workers when its plan has several inputs. */
  private detectionParts(job: DetectionJob, idleWorkers: number): Job[] {
    const whole: Job[] = [{ task: 'face-detection', job }];
    if (idleWorkers < 2) return whole;
    const parts = splitDetectionUnits(job.plan, idleWorkers);
    if (parts.length < 2) return whole;
    const split = new SplitDetection(job, parts);
    return parts.map((units) => ({ task: 'face-detection', job, part: { units, split } }));
  }

  /** Starts `job` on `slot`; `alone`: nothing else runs, so a classification asking for it gets the solo session. */
  private run(slot: WorkerSlot, job: Job, alone: boolean): void {
    const id = this.nextRunId++;
    slot.state = 'busy';
    if (job.task === 'mask-classification') {
      const batch = packBatch(job.slices.flatMap((slice) => slice.inputs));
      slot.running = { ...job, id, queueMs: performance.now() - job.slices[0].enqueuedAt };
      const solo = alone && job.slices.every((slice) => slice.solo);
      slot.worker.postMessage({ type: 'classify', id, batch, solo }, [batch.buffer as ArrayBuffer]);
    } else {
      const { pyramid, options } = job.job;
      slot.running = { ...job, id, queueMs: performance.now() - job.job.enqueuedAt };
      slot.worker.postMessage({ type: 'detect', id, pyramid, options, units: job.part?.units });
    }
  }

  private finishRun(
    slot: WorkerSlot,
    message: Extract<WorkerMessage, { type: 'probabilities' | 'faces' | 'candidates' | 'run-error' }>,
  ): void {
    const running = slot.running;
    if (!running || running.id !== message.id) return;
    slot.running = undefined;
    slot.state = 'idle';
    if (message.type === 'run-error') {
      const prefix = running.task === 'face-detection' ? 'face detection' : 'inference';
      failJob(running, new Error(`${prefix} failed: ${message.message}`));
    } else if (running.task === 'face-detection' && message.type !== 'probabilities') {
      if (message.type === 'faces') running.job.resolve(message.faces);
      else running.part?.split.complete(running.part.units, message.candidates);
      this.report({
        task: running.task,
        images: 1,
        requests: 1,
        queueMs: running.queueMs,
        runMs: message.runMs,
      });
    } else if (message.type === 'probabilities' && running.task === 'mask-classification') {
      let offset = 0;
      for (const slice of running.slices) {
        slice.complete(message.probabilities.subarray(offset, offset + slice.inputs.length));
        offset += slice.inputs.length;
      }
      const report = { images: offset, requests: running.slices.length, queueMs: running.queueMs };
      this.report({ task: running.task, ...report, runMs: message.runMs });
    }
    this.dispatch();
  }

  private report(report: BatchReport): void {
    this.listeners.forEach((listener) => listener(report));
  }

  private async terminateWorkers(): Promise<void> {
    const slots = [...this.slots];
    this.slots.clear();
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }
}

/** The pyramid's level images copied into SharedArrayBuffers, which every worker can read without a copy. */
function sharedPyramid({ width, height, levels }: DetectionPyramid): SharedPyramid {
  return {
    width,
    height,
    levels: levels.map((level) => {
      const data = new Uint8Array(new SharedArrayBuffer(level.data.length));
      data.set(level.data);
      return { data, width: level.width, height: level.height, format: level.format };
    }),
  };
}

function failJob(job: Job, error: Error): void {
  if (job.task === 'face-detection') job.job.reject(error);
  else job.slices.forEach((slice) => slice.fail(error));
}
