import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage, repoRoot, sharedDataPath } from '@maskd/imaging';
import { asDecoded, describeWithSharedData, solidRgb } from '@maskd/imaging/testing';
import { FaceDetector } from '../face-detection/face-detector';
import { OnnxMaskClassifier } from '../mask-classifier/onnx-mask-classifier';
import { OTHER_MODEL, SHIPPED_MASK_MODEL, syntheticInputs } from '../mask-classifier/testing/model-fixtures';
import { InferenceOverloadedError } from './batch-queue';
import { BatchReport, InferencePool, InferenceUnavailableError } from './inference-pool';

const FACE_DETECTOR = {
  frontModelPath: join(repoRoot(), 'models', 'blazeface_front_128.onnx'),
  backModelPath: join(repoRoot(), 'models', 'blazeface_back_256.onnx'),
};

describe('InferencePool (shipped model in worker threads)', () => {
  const threads = { intraOpThreads: 1 };
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
      expect(pool.status).toEqual({
        workers: 1,
        readyWorkers: 1,
        queuedImages: 0,
        queuedDetections: 0,
        runningBatches: 0,
      });
      expect(pool.faceDetector).toBeUndefined();
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
        expect(report.task).toBe('mask-classification');
        expect(report.runMs).toBeGreaterThan(0);
        expect(report.queueMs).toBeGreaterThanOrEqual(0);
      }
    });

    it('does not hold a request arriving at an idle pool for the batch window', async () => {
      const patient = await InferencePool.start({
        modelPath: SHIPPED_MASK_MODEL,
        ...threads,
        batchWindowMs: 5000,
      });
      try {
        const started = performance.now();
        await patient.predict([inputs[0]]);
        expect(performance.now() - started).toBeLessThan(1000);
      } finally {
        await patient.close();
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

    it('refuses face detection when started without the detector', async () => {
      await expect(pool.detectFaces(asDecoded(solidRgb(8, 8, [0, 0, 0])))).rejects.toThrow(
        new InferenceUnavailableError('The face detector is not available: it was not configured'),
      );
    });
  });

  describe('with the face detector, in two workers', () => {
    let pool: InferencePool;
    let detector: FaceDetector;
    const reports: BatchReport[] = [];

    beforeAll(async () => {
      [pool, detector] = await Promise.all([
        InferencePool.start({
          modelPath: SHIPPED_MASK_MODEL,
          faceDetector: FACE_DETECTOR,
          ...threads,
          workers: 2,
          soloIntraOpThreads: 2,
          batchWindowMs: 2,
        }),
        FaceDetector.load({ ...FACE_DETECTOR, intraOpThreads: 1 }),
      ]);
      pool.onBatch((report) => reports.push(report));
    });
    afterAll(() => Promise.all([pool.close(), detector.release()]));

    it('reports both models as loaded', () => {
      expect(pool.faceDetector).toEqual({
        status: 'ready',
        signature: {
          inputs: [
            { name: 'front/input:0', type: 'float32', shape: [1, 128, 128, 3] },
            { name: 'back/input:0', type: 'float32', shape: [1, 256, 256, 3] },
          ],
          outputs: expect.arrayContaining([
            { name: 'back/Identity_3:0', type: 'float32', shape: [1, 384, 16] },
          ]),
        },
      });
    });

    it("shares one request between idle workers, so a photo's faces run in parallel", async () => {
      reports.length = 0;
      const result = await pool.predict(inputs.slice(0, 7));
      result.forEach((p, index) => expect(p).toBeCloseTo(reference[index], 5));
      expect(reports.map((report) => report.images).sort()).toEqual([3, 4]);
    });

    it('gives a lone request the same answer from the solo session (two threads)', async () => {
      const results = await Promise.all(
        inputs.slice(0, 3).map((input) => pool.predict([input], { solo: true })),
      );
      results.forEach(([p], index) => expect(p).toBeCloseTo(reference[index], 5));
      for (const [index, input] of inputs.slice(3, 6).entries()) {
        expect((await pool.predict([input], { solo: true }))[0]).toBeCloseTo(reference[index + 3], 5);
      }
    });

    it('finds no face in a blank frame, leaving the pixels it was given untouched', async () => {
      const image = asDecoded(solidRgb(640, 360, [90, 90, 90]));
      reports.length = 0;
      await expect(pool.detectFaces(image)).resolves.toEqual([]);
      expect(image.data.every((value) => value === 90)).toBe(true);
      // Both workers were idle: each ran part of the detector's inputs.
      expect(reports).toEqual([
        expect.objectContaining({ task: 'face-detection', images: 1, requests: 1 }),
        expect.objectContaining({ task: 'face-detection', images: 1, requests: 1 }),
      ]);
    });

    it('rejects invalid detection options before queueing them', async () => {
      await expect(pool.detectFaces(asDecoded(solidRgb(8, 8, [0, 0, 0])), { minScore: 2 })).rejects.toThrow(
        RangeError,
      );
      expect(pool.status.queuedDetections).toBe(0);
    });

    it('keeps the event loop free while it looks for faces', async () => {
      const frame = asDecoded(solidRgb(1280, 720, [90, 90, 90]));
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const started = performance.now();
      await pool.detectFaces(frame, { mode: 'balanced' });
      const elapsed = performance.now() - started;
      clearInterval(timer);
      expect(ticks).toBeGreaterThan(Math.min(5, elapsed / 10));
    });

    describeWithSharedData('on a scene photo', () => {
      const photo = sharedDataPath('datasets', 'andrewmvd_scenes_dev', 'images', 'maksssksksss698.jpg');

      it('finds the faces the in-process detector finds when idle workers share the photo', async () => {
        const image = await decodeImage(readFileSync(photo));
        const expected = await detector.detect(image, { mode: 'balanced' });
        expect(expected.length).toBeGreaterThanOrEqual(3);
        reports.length = 0;
        expect(await pool.detectFaces(image, { mode: 'balanced' })).toEqual(expected);
        expect(reports.filter((report) => report.task === 'face-detection')).toHaveLength(2);
      });

      it('finds the faces the in-process detector finds, while classifications run alongside', async () => {
        const image = await decodeImage(readFileSync(photo));
        const expected = await detector.detect(image, { mode: 'balanced' });
        expect(expected.length).toBeGreaterThanOrEqual(3);
        const [faces] = await Promise.all([
          pool.detectFaces(image, { mode: 'balanced' }),
          pool.predict(inputs.slice(0, 4)),
          pool.detectFaces(image, { mode: 'fast' }),
        ]);
        expect(faces).toEqual(expected);
      });
    });
  });

  it('starts without the detector when its files are missing, and says why', async () => {
    const pool = await InferencePool.start({
      modelPath: SHIPPED_MASK_MODEL,
      faceDetector: { ...FACE_DETECTOR, backModelPath: '/nonexistent/back.onnx' },
      ...threads,
    });
    try {
      expect(pool.faceDetector).toEqual({ status: 'failed', error: expect.stringContaining('back.onnx') });
      await expect(pool.detectFaces(asDecoded(solidRgb(8, 8, [0, 0, 0])))).rejects.toThrow(
        /^The face detector is not available: it failed to load: .*back\.onnx/,
      );
      await expect(pool.predict([inputs[0]])).resolves.toHaveLength(1);
    } finally {
      await pool.close();
    }
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
