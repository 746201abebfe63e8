import type { Worker } from 'node:worker_threads';
import { siblingModule, spawnWorker } from '@maskd/inference';
import type { FeatureRequest, FeatureResponse, FeatureTimings, FeatureWorkerData } from './feature-protocol';

type Pending = {
  resolve: (response: Extract<FeatureResponse, { type: 'done' }>) => void;
  reject: (error: Error) => void;
  onProgress?: (done: number, total: number) => void;
};

type RequestBody<T> = T extends { id: number } ? Omit<T, 'id'> : never;

/**
 * Computes the frozen part's output for images on a worker thread (see feature-worker.ts), so that augmentation
 * and onnxruntime run on one core while tfjs trains on the other. Requests are served in order; callers keep a
 * few in flight to overlap them with training.
 */
export class FeatureExtractor {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;
  /** Totals over every feature request, for the throughput in the logs. */
  readonly timings: FeatureTimings = { images: 0, prepareMs: 0, inferMs: 0 };

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: FeatureResponse) => this.receive(message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (this.pending.size > 0) this.fail(new Error(`the feature worker exited (code ${code})`));
    });
  }

  static start(data: FeatureWorkerData): FeatureExtractor {
    return new FeatureExtractor(spawnWorker(siblingModule(__filename, 'feature-worker'), data));
  }

  /** Loads the frozen part (ONNX bytes) that later requests run; `threads` for onnxruntime. */
  async loadModel(onnx: Uint8Array, threads: number): Promise<void> {
    await this.request({ type: 'load-model', onnx, threads });
  }

  /** Decodes every training image into the worker's memory; resolves to the decoded size in bytes. */
  async decodeTrainingImages(onProgress?: (done: number, total: number) => void): Promise<number> {
    return (await this.request({ type: 'decode' }, onProgress)).decodedBytes ?? 0;
  }

  /** Features of training images (indices into trainPaths), augmented with the epoch's parameters when asked. */
  trainBatch(indices: number[], epoch: number, augment: boolean): Promise<Float32Array> {
    return this.features({ type: 'train-batch', indices, epoch, augment });
  }

  /** Features of image files, preprocessed exactly as for serving (no augmentation). */
  fileBatch(paths: string[]): Promise<Float32Array> {
    return this.features({ type: 'file-batch', paths });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private async features(body: RequestBody<FeatureRequest>): Promise<Float32Array> {
    const response = await this.request(body);
    if (!response.features || !response.timings) throw new Error('the feature worker returned no features');
    this.timings.images += response.timings.images;
    this.timings.prepareMs += response.timings.prepareMs;
    this.timings.inferMs += response.timings.inferMs;
    return response.features;
  }

  private request(
    body: RequestBody<FeatureRequest>,
    onProgress?: (done: number, total: number) => void,
  ): Promise<Extract<FeatureResponse, { type: 'done' }>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ ...body, id } as FeatureRequest);
    });
  }

  private receive(message: FeatureResponse): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.type === 'progress') {
      pending.onProgress?.(message.done, message.total);
      return;
    }
    this.pending.delete(message.id);
    if (message.type === 'error') pending.reject(new Error(`feature worker: ${message.message}`));
    else pending.resolve(message);
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
