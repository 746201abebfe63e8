import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { decodeImage, ImageDecodeError, repoRoot } from '@maskd/imaging';
import { fromRaw, noiseRgb, pngDeclaringSize } from '@maskd/imaging/testing';
import { ApiConfigService } from '../common/config/api-config.service';
import { validateEnvironment } from '../common/config/environment';
import { ModelUnavailableError } from '../common/errors/model-unavailable.error';
import { ModelRegistryService } from '../model-registry/model-registry.service';
import { DetectionService } from './detection.service';

describe('DetectionService (shipped models)', () => {
  let registry: ModelRegistryService;
  let service: DetectionService;
  let jpeg: Buffer;

  beforeAll(async () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const env = {
      MODEL_PATH: join(repoRoot(), 'models', 'mask_detector.onnx'),
      ORT_INTRA_OP_THREADS: '1',
      MAX_BATCH: '4',
    };
    const config = new ApiConfigService({ get: () => validateEnvironment(env) } as never);
    registry = new ModelRegistryService(config);
    service = new DetectionService(registry, config);
    // Noise: no face in it, so auto classifies the whole image.
    jpeg = await fromRaw(noiseRgb(120, 90, 11))
      .jpeg()
      .toBuffer();
  });
  afterAll(async () => {
    await registry.onApplicationShutdown();
    jest.restoreAllMocks();
  });

  it('answers 503 (ModelUnavailableError) before the models are loaded', async () => {
    await expect(service.detect({ buffer: jpeg, originalname: 'a.jpg' }, 'whole')).rejects.toThrow(
      ModelUnavailableError,
    );
    registry.onApplicationBootstrap();
    await registry.whenSettled();
  });

  it('whole: classifies the image, without a faces list', async () => {
    const result = await service.detect({ buffer: jpeg, originalname: 'a.jpg' }, 'whole');
    expect(result).toEqual({
      success: true,
      prediction: expect.stringMatching(/^(with_mask|without_mask)$/),
      confidence: expect.any(Number),
      has_mask: result.prediction === 'with_mask',
      message: result.prediction === 'with_mask' ? 'Face mask detected' : 'No face mask detected',
      mode: 'whole',
      faces: undefined,
      model: { name: 'mask_detector', version: expect.any(String) },
      inference_ms: expect.any(Number),
      detection_ms: undefined,
    });
    expect(result.confidence).toBeGreaterThanOrEqual(0.5);
  });

  it('auto without a face: the whole-image answer, saying so; faces: no verdict', async () => {
    const whole = await service.detect({ buffer: jpeg, originalname: 'a.jpg' }, 'whole');
    const auto = await service.detect({ buffer: jpeg, originalname: 'a.jpg' }, 'auto');
    expect(auto).toMatchObject({ mode: 'auto', faces: [], prediction: whole.prediction });
    expect(auto.confidence).toBeCloseTo(whole.confidence!, 2);
    expect(auto.message).toMatch(/^No face found, so the whole image was classified: /);
    expect(auto.detection_ms).toBeGreaterThan(0);
    expect(auto.inference_ms).toBeGreaterThanOrEqual(auto.detection_ms!);
    const faces = await service.detect({ buffer: jpeg, originalname: 'a.jpg' }, 'faces');
    expect(faces).toMatchObject({
      mode: 'faces',
      faces: [],
      prediction: null,
      confidence: null,
      has_mask: null,
      message: 'No face found',
    });
  });

  it('draws the answer on the upright image', async () => {
    const { jpeg: annotated, detection } = await service.detectAnnotated(
      { buffer: jpeg, originalname: 'a.jpg' },
      'auto',
    );
    const decoded = await decodeImage(annotated);
    expect([decoded.width, decoded.height]).toEqual([120, 90]);
    expect(detection.mode).toBe('auto');
  });

  it('lets image errors through for the error filter to map', async () => {
    await expect(
      service.detect({ buffer: Buffer.from('text'), originalname: 'a.jpg' }, 'auto'),
    ).rejects.toThrow(ImageDecodeError);
  });

  it('answers a batch in upload order, with per-file errors in the common shape', async () => {
    const result = await service.detectBatch(
      [
        { buffer: jpeg, originalname: 'one.jpg' },
        { buffer: pngDeclaringSize(50_000, 50_000), originalname: 'bomb.png' },
        { buffer: Buffer.alloc(0), originalname: 'empty.jpg' },
        { buffer: jpeg, originalname: 'two.jpg' },
      ],
      'whole',
    );
    expect(result).toMatchObject({ success: true, count: 4, failed: 2 });
    expect(result.results.map((entry) => [entry.filename, entry.success])).toEqual([
      ['one.jpg', true],
      ['bomb.png', false],
      ['empty.jpg', false],
      ['two.jpg', true],
    ]);
    expect(result.results[1]).toEqual({
      filename: 'bomb.png',
      success: false,
      error: { statusCode: 413, error: 'Payload Too Large', message: expect.stringContaining('50000x50000') },
    });
    expect(result.results[2]).toMatchObject({ error: { statusCode: 400, error: 'Bad Request' } });
    const [first, , , last] = result.results as Array<{ confidence?: number; prediction?: string }>;
    expect(first.prediction).toBe(last.prediction);
    expect(first.confidence).toBeCloseTo(last.confidence!, 5);
  });
});
