import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { BatchQueue, QueuedRequest } from './batch-queue';
import { MaskClassifier, SessionThreads, packBatch } from './mask-classifier';
import { MASK_INPUT_LENGTH, ModelSignature } from './model-signature';
import { siblingModule, spawnWorker } from './spawn-worker';
import type { InferenceWorkerData, WorkerMessage } from './worker-protocol';

export interface InferencePoolOptions extends SessionThreads {
  modelPath: string;
  /** Worker threads, each with its own onnxruntime session (default 1). */
  workers?: number;
  /** Most images in one onnxruntime run (default 32). */
  maxBatch?: number;
  /** How long a request waits for others to share its run when a worker is idle (default 1 ms). */
  batchWindowMs?: number;
  /** Most images waiting for a worker before predict() rejects with InferenceOverloadedError (default 256). */
  maxQueue?: number;
}

/** One onnxruntime run, reported to onBatch listeners (e.g. metrics). */
export interface BatchReport {
  images: number;
  requests: number;
  /** How long the oldest request of the batch waited in the queue. */
  queueMs: number;
  runMs: number;
}

export interface InferencePoolStatus {
  workers: number;
  readyWorkers: number;
  queuedImages: number;
  runningBatches: number;
}

/** No worker can run inference (all failed and none could be restarted). */
export class InferenceUnavailableError extends Error {
  override readonly name = 'InferenceUnavailableError';
}

interface WorkerSlot {
  worker: Worker;
  state: 'starting' | 'idle' | 'busy';
  running?: { id: number; requests: QueuedRequest[]; queueMs: number };
}

const WORKER_ENTRY = siblingModule(__filename, 'inference-worker');

/**
 * The mask model in worker threads, so inference never blocks the event loop. Concurrent predict()
 * calls are queued (bounded) and run together: an idle worker takes every waiting request up to
 * maxBatch images, after waiting at most batchWindowMs for company; under load the batches fill
 * while the workers are busy. A worker that dies fails only its running batch and is replaced.
 */
export class InferencePool implements MaskClassifier {
  private readonly slots = new Set<WorkerSlot>();
  private readonly queue: BatchQueue;
  private readonly listeners = new Set<(report: BatchReport) => void>();
  private modelSignature?: ModelSignature;
  private nextRunId = 1;
  private windowTimer?: NodeJS.Timeout;
  private closing = false;
  private closed?: Promise<void>;
  private onDrained?: () => void;

  private constructor(private readonly options: Required<InferencePoolOptions>) {
    this.queue = new BatchQueue(options.maxBatch, options.maxQueue);
  }

  /** Starts the workers; resolves once every one has loaded the model and run its warm-up batches. */
  static async start(options: InferencePoolOptions): Promise<InferencePool> {
    const maxBatch = options.maxBatch ?? 32;
    const resolved: Required<InferencePoolOptions> = {
      modelPath: options.modelPath,
      workers: options.workers ?? 1,
      maxBatch,
      batchWindowMs: options.batchWindowMs ?? 1,
      maxQueue: options.maxQueue ?? Math.max(256, maxBatch),
      intraOpThreads: options.intraOpThreads ?? 0,
      interOpThreads: options.interOpThreads ?? 0,
    };
    const pool = new InferencePool(resolved);
    try {
      await Promise.all(Array.from({ length: resolved.workers }, () => pool.startWorker()));
    } catch (error) {
      await pool.terminateWorkers();
      throw error;
    }
    return pool;
  }

  get signature(): ModelSignature {
    return this.modelSignature!;
  }

  get status(): InferencePoolStatus {
    const slots = [...this.slots];
    return {
      workers: slots.length,
      readyWorkers: slots.filter((slot) => slot.state !== 'starting').length,
      queuedImages: this.queue.images,
      runningBatches: slots.filter((slot) => slot.state === 'busy').length,
    };
  }

  /** Subscribes to one report per onnxruntime run; returns the unsubscribe function. */
  onBatch(listener: (report: BatchReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async predict(inputs: readonly Float32Array[]): Promise<number[]> {
    if (this.closing) throw new InferenceUnavailableError('inference pool is shutting down');
    if (this.slots.size === 0) throw new InferenceUnavailableError('no inference worker is running');
    inputs.forEach((input, index) => {
      if (input.length !== MASK_INPUT_LENGTH) {
        throw new RangeError(
          `input ${index} has ${input.length} values, expected ${MASK_INPUT_LENGTH} (224x224x3)`,
        );
      }
    });
    if (inputs.length === 0) return [];
    const results = this.queue.push(inputs);
    this.dispatch();
    return results;
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

  private startWorker(): Promise<void> {
    const data: InferenceWorkerData = {
      modelPath: this.options.modelPath,
      intraOpThreads: this.options.intraOpThreads,
      interOpThreads: this.options.interOpThreads,
      warmupBatchSizes: [...new Set([1, this.options.maxBatch])],
    };
    const slot: WorkerSlot = { worker: spawnWorker(WORKER_ENTRY, data), state: 'starting' };
    this.slots.add(slot);
    return new Promise<void>((resolve, reject) => {
      slot.worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          this.modelSignature ??= message.signature;
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
      slot.worker.on('error', (error) => this.workerFailed(slot, error, reject));
      slot.worker.on('exit', (code) =>
        this.workerFailed(slot, new Error(`inference worker exited (code ${code})`), reject),
      );
    });
  }

  private workerFailed(slot: WorkerSlot, error: Error, rejectStart: (error: Error) => void): void {
    if (!this.slots.delete(slot)) return;
    const wasStarting = slot.state === 'starting';
    slot.running?.requests.forEach((request) => request.reject(error));
    if (wasStarting) {
      rejectStart(error);
    } else if (!this.closing) {
      // Replace it; until then the other workers (if any) carry the load.
      this.startWorker().catch(() => undefined);
    }
    if (this.slots.size === 0)
      this.queue.rejectAll(new InferenceUnavailableError(`no inference worker: ${error.message}`));
    this.dispatch();
  }

  private dispatch(): void {
    if (this.windowTimer) {
      clearTimeout(this.windowTimer);
      this.windowTimer = undefined;
    }
    for (const slot of this.slots) {
      if (this.queue.isEmpty) break;
      if (slot.state !== 'idle') continue;
      const waited = performance.now() - this.queue.oldestEnqueuedAt!;
      const full = this.queue.images >= this.options.maxBatch;
      if (!full && !this.closing && waited < this.options.batchWindowMs) {
        this.windowTimer = setTimeout(() => this.dispatch(), this.options.batchWindowMs - waited);
        return;
      }
      this.run(slot, this.queue.take());
    }
    if (this.onDrained && this.queue.isEmpty && ![...this.slots].some((slot) => slot.state === 'busy')) {
      this.onDrained();
    }
  }

  private run(slot: WorkerSlot, requests: QueuedRequest[]): void {
    const batch = packBatch(requests.flatMap((request) => request.inputs));
    const id = this.nextRunId++;
    slot.state = 'busy';
    slot.running = { id, requests, queueMs: performance.now() - requests[0].enqueuedAt };
    slot.worker.postMessage({ type: 'run', id, batch }, [batch.buffer as ArrayBuffer]);
  }

  private finishRun(
    slot: WorkerSlot,
    message: Extract<WorkerMessage, { type: 'result' | 'run-error' }>,
  ): void {
    const running = slot.running;
    if (!running || running.id !== message.id) return;
    slot.running = undefined;
    slot.state = 'idle';
    if (message.type === 'run-error') {
      running.requests.forEach((request) =>
        request.reject(new Error(`inference failed: ${message.message}`)),
      );
    } else {
      let offset = 0;
      for (const request of running.requests) {
        request.resolve(Array.from(message.probabilities.subarray(offset, offset + request.inputs.length)));
        offset += request.inputs.length;
      }
      const report: BatchReport = {
        images: offset,
        requests: running.requests.length,
        queueMs: running.queueMs,
        runMs: message.runMs,
      };
      this.listeners.forEach((listener) => listener(report));
    }
    this.dispatch();
  }

  private async terminateWorkers(): Promise<void> {
    const slots = [...this.slots];
    this.slots.clear();
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }
}
