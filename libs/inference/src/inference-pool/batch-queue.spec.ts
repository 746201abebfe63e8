import { BatchQueue, InferenceOverloadedError } from './batch-queue';

const images = (count: number, value = 0) => Array.from({ length: count }, () => new Float32Array([value]));

describe('BatchQueue', () => {
  it('hands out whole requests, oldest first, up to maxBatch images', () => {
    const queue = new BatchQueue(4, 16);
    void queue.push(images(2, 1));
    void queue.push(images(1, 2));
    void queue.push(images(2, 3));
    expect(queue.images).toBe(5);

    const first = queue.take();
    expect(first.map((request) => request.inputs[0][0])).toEqual([1, 2]);
    expect(queue.images).toBe(2);
    expect(queue.take().map((request) => request.inputs.length)).toEqual([2]);
    expect(queue.isEmpty).toBe(true);
    expect(queue.take()).toEqual([]);
  });

  it('splits a request larger than maxBatch into slices and resolves them in input order', async () => {
    const queue = new BatchQueue(3, 16);
    const result = queue.push(images(7));
    const slices = [queue.take(), queue.take(), queue.take()];
    expect(slices.map((batch) => batch.map((request) => request.inputs.length))).toEqual([[3], [3], [1]]);
    // Complete out of order: the caller still gets the results in input order.
    slices[2][0].resolve([0.7]);
    slices[0][0].resolve([0.1, 0.2, 0.3]);
    slices[1][0].resolve([0.4, 0.5, 0.6]);
    await expect(result).resolves.toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  });

  it('refuses, queueing nothing, what does not fit in its capacity', () => {
    const queue = new BatchQueue(2, 4);
    void queue.push(images(3));
    let error: unknown;
    try {
      void queue.push(images(2));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InferenceOverloadedError);
    expect(error).toMatchObject({ queuedImages: 3, capacity: 4, retryAfterSeconds: 1 });
    expect((error as Error).message).toBe('inference queue is full (3 of 4 images waiting)');
    expect(queue.images).toBe(3);
  });

  it('rejects every waiting request with rejectAll', async () => {
    const queue = new BatchQueue(2, 8);
    const a = queue.push(images(1));
    const b = queue.push(images(3));
    queue.rejectAll(new Error('stopped'));
    await expect(a).rejects.toThrow('stopped');
    await expect(b).rejects.toThrow('stopped');
    expect(queue.images).toBe(0);
    expect(queue.isEmpty).toBe(true);
  });

  it('requires a capacity of at least one batch', () => {
    expect(() => new BatchQueue(32, 16)).toThrow('queue capacity 16 is below the batch size 32');
  });
});
