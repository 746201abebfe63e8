import { InferenceOverloadedError } from './batch-queue';
import { BatchReport, InferencePool, InferenceUnavailableError } from './inference-pool';
import { OnnxMaskClassifier } from './onnx-mask-classifier';
import { OTHER_MODEL, SHIPPED_MASK_MODEL, syntheticInputs } from './testing/model-fixtures';

describe('InferencePool (shipped model in worker threads)', () => {
  const threads = { intraOpThreads: 1, interOpThreads: 1 };
  let reference: number[];
  const inputs = syntheticInputs(12, 3);

  beforeAll(async () => {
    const inProcess = await OnnxMaskClassifier.load(SHIPPED_MASK_MODEL, threads);
    reference = await inProcess.predict(inputs);
    await inProcess.close();
  });

  describe('serving', () => {
    let pool: InferencePool;
    const reports: BatchReport[] = [];

    beforeAll(async () => {
      pool = await InferencePool.start({
        modelPath: SHIPPED_MASK_MODEL,
        ...threads,
        maxBatch: 8,
        batchWindowMs: 2,
      });
      pool.onBatch((report) => reports.push(report));
    });
    afterAll(() => pool.close());

    it('is warmed up and describes the model once started', () => {
      expect(pool.status).toEqual({ workers: 1, readyWorkers: 1, queuedImages: 0, runningBatches: 0 });
      expect(pool.signature.inputs[0]).toMatchObject({
        name: 'input',
        shape: [expect.any(String), 224, 224, 3],
      });
    });

    it('gives each concurrent caller its own results, in order, batching them into few runs', async () => {
      reports.length = 0;
      const calls = [[0], [1, 2], [3], [4, 5, 6], [7], [8, 9, 10, 11]].map((indexes) =>
        pool.predict(indexes.map((index) => inputs[index])).then((result) => [indexes, result] as const),
      );
      for (const [indexes, result] of await Promise.all(calls)) {
        expect(result).toHaveLength(indexes.length);
        indexes.forEach((index, position) => expect(result[position]).toBeCloseTo(reference[index], 5));
      }
      expect(reports.reduce((sum, report) => sum + report.images, 0)).toBe(12);
      expect(reports.length).toBeLessThan(6);
      expect(Math.max(...reports.map((report) => report.images))).toBeLessThanOrEqual(8);
      for (const report of reports) {
        expect(report.runMs).toBeGreaterThan(0);
        expect(report.queueMs).toBeGreaterThanOrEqual(0);
      }
    });

    it('splits a request larger than maxBatch across runs', async () => {
      const result = await pool.predict(inputs);
      result.forEach((p, index) => expect(p).toBeCloseTo(reference[index], 5));
    });

    it('keeps the event loop free while inference runs', async () => {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const started = performance.now();
      await pool.predict([...inputs.slice(0, 8)]);
      const elapsed = performance.now() - started;
      clearInterval(timer);
      // In-process, the loop would not turn at all during the run.
      expect(ticks).toBeGreaterThan(Math.min(5, elapsed / 10));
    });

    it('rejects inputs of the wrong size without queueing them', async () => {
      await expect(pool.predict([new Float32Array(3)])).rejects.toThrow(RangeError);
      expect(pool.status.queuedImages).toBe(0);
    });
  });

  it('refuses work beyond its queue bound with InferenceOverloadedError', async () => {
    const pool = await InferencePool.start({
      modelPath: SHIPPED_MASK_MODEL,
      ...threads,
      maxBatch: 2,
      maxQueue: 2,
      batchWindowMs: 0,
    });
    try {
      const running = pool.predict([inputs[0]]); // taken by the idle worker at once
      const queued = pool.predict([inputs[1], inputs[2]]); // fills the queue
      await expect(pool.predict([inputs[3]])).rejects.toBeInstanceOf(InferenceOverloadedError);
      await expect(Promise.all([running, queued])).resolves.toHaveLength(2);
    } finally {
      await pool.close();
    }
  });

  it('finishes queued work on close, then refuses new work', async () => {
    const pool = await InferencePool.start({ modelPath: SHIPPED_MASK_MODEL, ...threads, maxBatch: 4 });
    const pending = [pool.predict(inputs.slice(0, 4)), pool.predict(inputs.slice(4, 8))];
    const closed = pool.close();
    const results = await Promise.all(pending);
    expect(results.flat().map((p) => Number(p.toFixed(5)))).toEqual(
      reference.slice(0, 8).map((p) => Number(p.toFixed(5))),
    );
    await closed;
    expect(pool.status.workers).toBe(0);
    await expect(pool.predict([inputs[0]])).rejects.toThrow(InferenceUnavailableError);
  });

  it('fails to start, naming the problem, when the model cannot be used', async () => {
    await expect(InferencePool.start({ modelPath: OTHER_MODEL })).rejects.toThrow(
      /model has no input named 'input'/,
    );
    await expect(InferencePool.start({ modelPath: '/nonexistent/mask.onnx' })).rejects.toThrow(/mask\.onnx/);
  });
});
