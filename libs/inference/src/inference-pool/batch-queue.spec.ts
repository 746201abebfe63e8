import { BatchQueue, BatchSlice, InferenceOverloadedError } from './batch-queue';

const images = (count: number, value = 0) =>
  Array.from({ length: count }, (_, index) => new Float32Array([value + index / 8]));

/** Completes each slice with its inputs' first value, as a stand-in model would. */
const echo = (slices: BatchSlice[]) =>
  slices.forEach((slice) => slice.complete(slice.inputs.map((i) => i[0])));

describe('BatchQueue', () => {
  it('hands out whole requests, oldest first, up to maxBatch images', async () => {
    const queue = new BatchQueue(4, 16);
    const results = [queue.push(images(2, 1)), queue.push(images(1, 2)), queue.push(images(2, 3))];
    expect(queue.images).toBe(5);

    const first = queue.take();
    expect(first.map((slice) => slice.inputs.length)).toEqual([2, 1]);
    expect(queue.images).toBe(2);
    const second = queue.take();
    expect(second.map((slice) => slice.inputs.length)).toEqual([2]);
    expect(queue.isEmpty).toBe(true);
    expect(queue.take()).toEqual([]);

    echo(second);
    echo(first);
    await expect(Promise.all(results)).resolves.toEqual([[1, 1.125], [2], [3, 3.125]]);
  });

  it("carries each request's solo permission on its slices (off unless asked)", () => {
    const queue = new BatchQueue(4, 16);
    void queue.push(images(1));
    void queue.push(images(1), true);
    expect(queue.take(1).map((slice) => slice.solo)).toEqual([false]);
    expect(queue.take(1).map((slice) => slice.solo)).toEqual([true]);
  });

  it('splits a request larger than the batch and resolves it in input order, whatever order slices finish', async () => {
    const queue = new BatchQueue(3, 16);
    const result = queue.push(images(7));
    const slices = [queue.take(), queue.take(), queue.take()];
    expect(slices.map((batch) => batch.map((slice) => slice.inputs.length))).toEqual([[3], [3], [1]]);
    slices[2][0].complete([0.7]);
    slices[0][0].complete([0.1, 0.2, 0.3]);
    slices[1][0].complete([0.4, 0.5, 0.6]);
    await expect(result).resolves.toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  });

  it('takes a smaller share when asked (one idle worker of several), splitting the oldest request', () => {
    const queue = new BatchQueue(32, 64);
    void queue.push(images(7));
    void queue.push(images(2));
    expect(queue.take(4).map((slice) => slice.inputs.length)).toEqual([4]);
    // The rest of the first request and the whole second one fit in the next share.
    expect(queue.take(5).map((slice) => slice.inputs.length)).toEqual([3, 2]);
    expect(queue.images).toBe(0);
  });

  it('fails the whole request when one slice fails, and stops handing out the rest of it', async () => {
    const queue = new BatchQueue(2, 16);
    const failing = queue.push(images(5));
    const other = queue.push(images(1, 9));
    const [slice] = queue.take();
    slice.fail(new Error('worker died'));
    await expect(failing).rejects.toThrow('worker died');
    expect(queue.images).toBe(1);
    const next = queue.take();
    expect(next.map((s) => s.inputs[0][0])).toEqual([9]);
    echo(next);
    await expect(other).resolves.toEqual([9]);
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

  it('answers an empty request at once and requires a capacity of at least one batch', async () => {
    await expect(new BatchQueue(2, 2).push([])).resolves.toEqual([]);
    expect(() => new BatchQueue(32, 16)).toThrow('queue capacity 16 is below the batch size 32');
  });
});
