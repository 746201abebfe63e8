import { performance } from 'node:perf_hooks';

/** The queue is full: the caller should retry later (HTTP 503 with Retry-After). */
export class InferenceOverloadedError extends Error {
  override readonly name = 'InferenceOverloadedError';
  constructor(
    readonly queuedImages: number,
    readonly capacity: number,
    readonly retryAfterSeconds = 1,
  ) {
    super(`inference queue is full (${queuedImages} of ${capacity} images waiting)`);
  }
}

/** A slice of one caller's images that runs within one batch, with how to hand back its results. */
export interface QueuedRequest {
  inputs: readonly Float32Array[];
  enqueuedAt: number;
  resolve(probabilities: number[]): void;
  reject(error: Error): void;
}

/**
 * A bounded FIFO of inference requests that hands out micro-batches of whole requests. The bound is in
 * images, so memory stays bounded however many requests arrive while the workers are busy.
 */
export class BatchQueue {
  private readonly requests: QueuedRequest[] = [];
  private queuedImages = 0;

  constructor(
    private readonly maxBatch: number,
    private readonly capacity: number,
  ) {
    if (capacity < maxBatch)
      throw new RangeError(`queue capacity ${capacity} is below the batch size ${maxBatch}`);
  }

  get images(): number {
    return this.queuedImages;
  }

  get isEmpty(): boolean {
    return this.requests.length === 0;
  }

  /** When the oldest waiting request was queued (performance.now()), or undefined when empty. */
  get oldestEnqueuedAt(): number | undefined {
    return this.requests[0]?.enqueuedAt;
  }

  /**
   * Queues the images in slices of at most maxBatch and resolves with their probabilities in input
   * order. Throws InferenceOverloadedError, queueing nothing, when they do not all fit.
   */
  push(inputs: readonly Float32Array[]): Promise<number[]> {
    if (this.queuedImages + inputs.length > this.capacity) {
      throw new InferenceOverloadedError(this.queuedImages, this.capacity);
    }
    const slices: Promise<number[]>[] = [];
    for (let start = 0; start < inputs.length; start += this.maxBatch) {
      const slice = inputs.slice(start, start + this.maxBatch);
      slices.push(
        new Promise<number[]>((resolve, reject) => {
          this.requests.push({ inputs: slice, enqueuedAt: performance.now(), resolve, reject });
        }),
      );
      this.queuedImages += slice.length;
    }
    return Promise.all(slices).then((results) => results.flat());
  }

  /** Removes and returns the oldest requests that fit together in one batch (at least one). */
  take(): QueuedRequest[] {
    const batch: QueuedRequest[] = [];
    let images = 0;
    while (this.requests.length > 0 && images + this.requests[0].inputs.length <= this.maxBatch) {
      const request = this.requests.shift()!;
      images += request.inputs.length;
      batch.push(request);
    }
    this.queuedImages -= images;
    return batch;
  }

  /** Fails every waiting request with `error` and empties the queue. */
  rejectAll(error: Error): void {
    for (const request of this.requests.splice(0)) request.reject(error);
    this.queuedImages = 0;
  }
}
