import { mapWithConcurrency } from './map-with-concurrency';

/** A promise with its resolve and reject, to finish calls in a chosen order. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('mapWithConcurrency', () => {
  it('returns the results in input order whatever order the calls finish in', async () => {
    const delays = [30, 5, 20, 0, 10, 15];
    const results = await mapWithConcurrency(delays, 3, async (delay, index) => {
      await new Promise((resolve) => setTimeout(resolve, delay));
      return `${index}:${delay}`;
    });
    expect(results).toEqual(delays.map((delay, index) => `${index}:${delay}`));
  });

  it('never has more than `limit` calls in flight, and keeps `limit` busy', async () => {
    const calls = Array.from({ length: 7 }, () => deferred<number>());
    const started: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const progress: [number, number][] = [];
    const mapped = mapWithConcurrency(
      calls,
      3,
      async (call, index) => {
        started.push(index);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          return await call.promise;
        } finally {
          inFlight--;
        }
      },
      (done, total) => progress.push([done, total]),
    );
    await tick();
    expect(started).toEqual([0, 1, 2]);
    calls[1].resolve(1);
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const [index, call] of calls.entries()) call.resolve(index);
    expect(await mapped).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(maxInFlight).toBe(3);
    expect(progress).toEqual(Array.from({ length: 7 }, (_, i) => [i + 1, 7]));
  });

  it('rejects with the first error and starts no further item', async () => {
    // The first error wins over a later one.
    await expect(
      mapWithConcurrency([20, 5], 2, async (delay) => {
        await new Promise((resolve) => setTimeout(resolve, delay));
        throw new Error(`after ${delay} ms`);
      }),
    ).rejects.toThrow('after 5 ms');

    const calls = Array.from({ length: 6 }, () => deferred<number>());
    const started: number[] = [];
    const mapped = mapWithConcurrency(calls, 2, (call, index) => {
      started.push(index);
      return call.promise;
    });
    await tick();
    calls[1].reject(new Error('first'));
    await tick();
    calls[0].resolve(0); // its worker would take the next item without the failure
    await expect(mapped).rejects.toThrow('first');
    await tick();
    expect(started).toEqual([0, 1]);
  });

  it('handles no items, and runs one call at a time for a limit under 1', async () => {
    expect(await mapWithConcurrency([], 4, async () => 1)).toEqual([]);
    let inFlight = 0;
    const results = await mapWithConcurrency([1, 2, 3], 0, async (value) => {
      expect(++inFlight).toBe(1);
      await tick();
      inFlight--;
      return value * 2;
    });
    expect(results).toEqual([2, 4, 6]);
    await expect(mapWithConcurrency([1], NaN, async () => 1)).rejects.toThrow(RangeError);
  });
});
