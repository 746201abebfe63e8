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

function registryFor(modelPath: string): ModelRegistryService {
  const config = validateEnvironment({ MODEL_PATH: modelPath, ORT_INTRA_OP_THREADS: '1', MAX_BATCH: '4' });
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

  it('loads, checks and warms up the shipped model, then serves it until shutdown', async () => {
    const registry = registryFor(SHIPPED);
    expect(registry.isReady()).toBe(false);
    registry.onApplicationBootstrap();
    expect(registry.list()).toMatchObject([{ name: 'mask_detector', status: 'loading' }]);
    expect(() => registry.maskClassifier()).toThrow(
      new ModelUnavailableError(
        'The mask classification model is not available: it is still loading, retry shortly',
      ),
    );
    await registry.whenSettled();

    expect(registry.isReady()).toBe(true);
    const [record] = registry.list();
    expect(record).toMatchObject({
      name: 'mask_detector',
      task: 'mask-classification',
      status: 'ready',
      file: 'mask_detector.onnx',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      signature: { inputs: [{ name: 'input' }], outputs: [{ name: 'probability' }] },
    });
    expect(registry.find('mask_detector')).toBe(record);
    expect(logs.log).toHaveBeenCalledWith(expect.stringMatching(/^Model mask_detector \S+ ready in \d+ ms/));

    const model = registry.maskClassifier();
    expect(model.input).toEqual({ size: 224, resize: 'squash' });
    const reports: unknown[] = [];
    registry.onInferenceBatch((report) => reports.push(report));
    const [p] = await model.classifier.predict([new Float32Array(224 * 224 * 3)]);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(reports).toEqual([expect.objectContaining({ model: 'mask_detector', images: 1, requests: 1 })]);

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
});
