import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { repoRoot } from '@maskd/imaging';
import { ApiConfigService } from '../common/config/api-config.service';
import { validateEnvironment } from '../common/config/environment';
import { ModelUnavailableError } from '../common/errors/model-unavailable.error';
import { ModelRegistryService } from './model-registry.service';

const SHIPPED = join(repoRoot(), 'models', 'mask_detector.onnx');

function registryFor(modelPath: string, env: Record<string, string> = {}): ModelRegistryService {
  const config = validateEnvironment({
    MODEL_PATH: modelPath,
    ORT_INTRA_OP_THREADS: '1',
    MAX_BATCH: '4',
    ...env,
  });
  return new ModelRegistryService(new ApiConfigService({ get: () => config } as never));
}

describe('ModelRegistryService', () => {
  let logs: { log: jest.SpyInstance; error: jest.SpyInstance };

  beforeEach(() => {
    logs = {
      log: jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined),
      error: jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined),
    };
  });
  afterEach(() => jest.restoreAllMocks());

  it('loads, checks and warms up the shipped models, then serves them until shutdown', async () => {
    const registry = registryFor(SHIPPED);
    expect(registry.isReady()).toBe(false);
    registry.onApplicationBootstrap();
    expect(registry.list()).toMatchObject([
      { name: 'mask_detector', status: 'loading' },
      { name: 'blazeface', status: 'loading' },
    ]);
    expect(() => registry.maskClassifier()).toThrow(
      new ModelUnavailableError(
        'The mask classification model is not available: it is still loading, retry shortly',
      ),
    );
    await registry.whenSettled();

    expect(registry.isReady()).toBe(true);
    const [record, detector] = registry.list();
    expect(record).toMatchObject({
      name: 'mask_detector',
      task: 'mask-classification',
      status: 'ready',
      file: 'mask_detector.onnx',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      signature: { inputs: [{ name: 'input' }], outputs: [{ name: 'probability' }] },
    });
    expect(detector).toMatchObject({
      name: 'blazeface',
      task: 'face-detection',
      status: 'ready',
      version: '1.2.0',
      file: 'blazeface_front_128.onnx, blazeface_back_256.onnx',
      files: [
        { file: 'blazeface_front_128.onnx', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
        { file: 'blazeface_back_256.onnx', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      ],
      metrics: { andrewmvd_scenes_dev: expect.any(Object) },
      signature: { inputs: [{ name: 'front/input:0' }, { name: 'back/input:0' }] },
      loadedAt: expect.any(Date),
    });
    expect(registry.find('mask_detector')).toBe(record);
    expect(logs.log).toHaveBeenCalledWith(
      expect.stringMatching(
        /^Model mask_detector \S+ ready in \d+ ms.*; face detector blazeface 1\.2\.0 ready$/,
      ),
    );
    const faces = registry.faceDetector();
    expect(faces.options).toEqual({ mode: 'balanced', minScore: 0.5, maxFaces: 64, minFaceSize: undefined });
    const blank = { data: Buffer.alloc(64 * 64 * 3), width: 64, height: 64, format: 'png' as const };
    await expect(faces.finder!.detectFaces(blank)).resolves.toEqual([]);

    const model = registry.maskClassifier();
    expect(model.input).toEqual({ size: 224, resize: 'squash' });
    const reports: unknown[] = [];
    registry.onInferenceBatch((report) => reports.push(report));
    const [p] = await model.classifier.predict([new Float32Array(224 * 224 * 3)]);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(reports).toEqual([
      expect.objectContaining({
        model: 'mask_detector',
        task: 'mask-classification',
        images: 1,
        requests: 1,
      }),
    ]);

    registry.beforeApplicationShutdown();
    expect(registry.isReady()).toBe(false);
    expect(registry.isMaskModelLoaded()).toBe(true);
    await registry.onApplicationShutdown();
    expect(model.classifier.status.workers).toBe(0);
  });

  it('keeps a model it cannot use as failed, with one clear log line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maskd-registry-'));
    try {
      const path = join(dir, 'mask_detector.onnx');
      writeFileSync(path, 'not a model');
      const registry = registryFor(path);
      registry.onApplicationBootstrap();
      await registry.whenSettled();

      expect(registry.isReady()).toBe(false);
      expect(registry.list()).toEqual([
        {
          name: 'mask_detector',
          task: 'mask-classification',
          file: 'mask_detector.onnx',
          status: 'failed',
          error: `model card not found: ${join(dir, 'mask_detector.json')}`,
        },
        expect.objectContaining({
          name: 'blazeface',
          status: 'failed',
          error: 'not started: it runs beside the mask model, which failed',
        }),
      ]);
      expect(() => registry.maskClassifier()).toThrow(
        `The mask classification model is not available: it failed to load: model card not found: ${join(dir, 'mask_detector.json')}`,
      );
      expect(logs.error).toHaveBeenCalledTimes(1);
      expect(logs.error).toHaveBeenCalledWith(
        `Model mask_detector NOT loaded: model card not found: ${join(dir, 'mask_detector.json')}. The service stays up ` +
          'and answers 503 (/health/ready, /detect) until a valid model is deployed and the service restarted.',
      );
      await registry.onApplicationShutdown();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without the face detector: ready but degraded, saying why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maskd-registry-'));
    const registry = registryFor(SHIPPED, { MODEL_DIR: dir });
    try {
      registry.onApplicationBootstrap();
      await registry.whenSettled();
      const why = `model card not found: ${join(dir, 'blazeface.json')}`;
      expect(registry.isReady()).toBe(true);
      expect(registry.find('blazeface')).toEqual({
        name: 'blazeface',
        task: 'face-detection',
        file: 'blazeface_front_128.onnx, blazeface_back_256.onnx',
        status: 'failed',
        error: why,
      });
      expect(registry.faceDetector()).toEqual({ unavailable: `it failed to load: ${why}` });
      expect(logs.error).toHaveBeenCalledWith(
        `Model blazeface NOT loaded: ${why}. The service runs without face detection: mode 'faces' answers 503 ` +
          "and 'auto' classifies whole images.",
      );
    } finally {
      await registry.onApplicationShutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
