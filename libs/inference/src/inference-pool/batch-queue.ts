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

/** One caller's images, handed out in one or more slices; resolves once every slice has its results. */
interface QueuedRequest {
  inputs: readonly Float32Array[];
  enqueuedAt: number;
  solo: boolean;
  /** Images not yet handed out start here. */
  next: number;
  /** Slices handed out whose results have not arrived. */
  running: number;
  results: number[];
  settled: boolean;
  resolve(probabilities: number[]): void;
  reject(error: Error): void;
}

/** A run of consecutive images of one request, taken for one batch. */
export interface BatchSlice {
  readonly inputs: readonly Float32Array[];
  readonly enqueuedAt: number;
  /** The caller allowed a run of its own to use the spare cores (see InferencePool.predict). */
  readonly solo: boolean;
  /** Hands back this slice's probabilities, in slice order. */
  complete(probabilities: ArrayLike<number>): void;
  fail(error: Error): void;
}

/**
 * A bounded FIFO of inference requests that hands out micro-batches. A batch takes whole requests, oldest
 * first, while they fit; a request larger than the room left in an empty batch is split, so one caller's
 * many images (all faces of a photo) can run in several batches, on several idle workers at once. The
 * bound is in images, so memory stays bounded however many requests arrive while the workers are busy.
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

  /** Images waiting to be handed out. */
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
   * Queues the images and resolves with their probabilities in input order. Throws InferenceOverloadedError,
   * queueing nothing, when they do not all fit.
   */
  push(inputs: readonly Float32Array[], solo = false): Promise<number[]> {
    if (this.queuedImages + inputs.length > this.capacity) {
      throw new InferenceOverloadedError(this.queuedImages, this.capacity);
    }
    if (inputs.length === 0) return Promise.resolve([]);
    return new Promise<number[]>((resolve, reject) => {
      this.requests.push({
        inputs,
        enqueuedAt: performance.now(),
        solo,
        next: 0,
        running: 0,
        results: new Array<number>(inputs.length),
        settled: false,
        resolve,
        reject,
      });
      this.queuedImages += inputs.length;
    });
  }

  /**
   * Removes and returns the slices of one batch of at most `limit` images (default and cap: maxBatch): whole
   * requests while they fit, or part of the oldest one when it alone does not.
   */
  take(limit = this.maxBatch): BatchSlice[] {
    const room = Math.max(1, Math.min(limit, this.maxBatch));
    const slices: BatchSlice[] = [];
    let images = 0;
    while (this.requests.length > 0) {
      const request = this.requests[0];
      const remaining = request.inputs.length - request.next;
      if (images + remaining > room && images > 0) break;
      const count = Math.min(remaining, room - images);
      slices.push(this.slice(request, count));
      images += count;
      if (request.next === request.inputs.length) this.requests.shift();
      if (images === room) break;
    }
    this.queuedImages -= images;
    return slices;
  }

  /** Fails every waiting request with `error` and empties the queue. */
  rejectAll(error: Error): void {
    for (const request of this.requests.splice(0)) settle(request, error);
    this.queuedImages = 0;
  }

  private slice(request: QueuedRequest, count: number): BatchSlice {
    const start = request.next;
    request.next += count;
    request.running++;
    return {
      inputs: request.inputs.slice(start, start + count),
      enqueuedAt: request.enqueuedAt,
      solo: request.solo,
      complete: (probabilities) => {
        for (let i = 0; i < count; i++) request.results[start + i] = probabilities[i];
        request.running--;
        if (request.running === 0 && request.next === request.inputs.length) settle(request);
      },
      fail: (error) => {
        // The rest of the request cannot succeed: stop handing it out.
        const index = this.requests.indexOf(request);
        if (index >= 0) {
          this.requests.splice(index, 1);
          this.queuedImages -= request.inputs.length - request.next;
        }
        settle(request, error);
      },
    };
  }
}

function settle(request: QueuedRequest, error?: Error): void {
  if (request.settled) return;
  request.settled = true;
  if (error) request.reject(error);
  else request.resolve(request.results);
}
