import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { repoRoot } from '@maskd/imaging';
import { faceJpeg, startApp } from './fixtures';

const card = (bytes: Buffer) => ({
  name: 'mask_detector',
  version: '9.9.9',
  sha256: createHash('sha256').update(bytes).digest('hex'),
  class_names: ['with_mask', 'without_mask'],
  threshold: 0.5,
});

/**
 * A model that cannot be used never stops the process: it stays live (200), is not ready (503),
 * /health says unhealthy, /detect answers 503 in the error shape, and the registry says why.
 */
describe.each<[string, (dir: string) => string, RegExp]>([
  [
    'a missing model file',
    (dir) => join(dir, 'mask_detector.onnx'),
    /model file not found: .*mask_detector\.onnx/,
  ],
  [
    'a corrupt model file',
    (dir) => {
      const bytes = Buffer.from('this is not an ONNX protobuf');
      writeFileSync(join(dir, 'mask_detector.onnx'), bytes);
      writeFileSync(join(dir, 'mask_detector.json'), JSON.stringify(card(bytes)));
      return join(dir, 'mask_detector.onnx');
    },
    /protobuf parsing failed|Load model .* failed/i,
  ],
  [
    'a model that does not match its card',
    (dir) => {
      writeFileSync(join(dir, 'mask_detector.onnx'), Buffer.from('replaced after the card was written'));
      writeFileSync(join(dir, 'mask_detector.json'), JSON.stringify(card(Buffer.from('the original'))));
      return join(dir, 'mask_detector.onnx');
    },
    /does not match its model card: sha256 is [0-9a-f]{64}, the card says [0-9a-f]{64}/,
  ],
])('with %s (e2e)', (_case, makeModel, reason) => {
  let dir: string;
  let app: INestApplication;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'maskd-model-'));
    app = await startApp({ MODEL_PATH: makeModel(dir) });
    http = request(app.getHttpServer());
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stays live but not ready', async () => {
    await http.get('/health/live').expect(200);
    const { body } = await http.get('/health/ready').expect(503);
    expect(body).toMatchObject({ status: 'error', error: { models: { status: 'down' } } });
    expect(body.error.models.mask_detector).toMatch(/^failed: /);
    await http.get('/health').expect(503, { status: 'unhealthy', model_loaded: false });
  });

  it('answers /detect and /detect-batch with 503 saying why', async () => {
    const face = await faceJpeg();
    for (const call of [
      http.post('/detect').attach('file', face, 'face.jpg'),
      http.post('/detect-batch').attach('files', face, 'face.jpg'),
    ]) {
      const response = await call.expect(503);
      expect(response.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: expect.stringMatching(
          /^The mask classification model is not available: it failed to load: /,
        ),
      });
      expect(response.body.message).toMatch(reason);
      expect(response.headers['retry-after']).toBe('5');
    }
  });

  it('reports the failure in the registry and on GET /', async () => {
    const { body } = await http.get('/models/mask_detector').expect(200);
    expect(body).toMatchObject({ name: 'mask_detector', status: 'failed', inputs: [], outputs: [] });
    expect(body.error).toMatch(reason);
    const { body: info } = await http.get('/').expect(200);
    expect(info.models).toEqual([
      // The card's version is known when the card itself is fine.
      { name: 'mask_detector', version: body.version ?? null, status: 'failed' },
      { name: 'blazeface', version: '1.2.0', status: 'failed' },
    ]);
    const { body: detector } = await http.get('/models/blazeface').expect(200);
    expect(detector.error).toBe('not started: it runs beside the mask model, which failed');
  });
});

/**
 * Without the face detector (its files missing from MODEL_DIR) the service still serves whole images: ready,
 * 'faces' mode answers 503, 'auto' classifies the whole image and says why.
 */
describe('without the face detector model (e2e)', () => {
  let dir: string;
  let app: INestApplication;
  let http: ReturnType<typeof request>;
  let why: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'maskd-models-'));
    for (const file of ['mask_detector.onnx', 'mask_detector.json']) {
      symlinkSync(join(repoRoot(), 'models', file), join(dir, file));
    }
    why = `it failed to load: model card not found: ${join(dir, 'blazeface.json')}`;
    app = await startApp({ MODEL_DIR: dir });
    http = request(app.getHttpServer());
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is healthy and ready, reporting the detector as failed', async () => {
    await http.get('/health').expect(200, { status: 'healthy', model_loaded: true });
    const { body } = await http.get('/health/ready').expect(200);
    expect(body.details.models).toEqual({
      status: 'up',
      mask_detector: 'ready',
      blazeface: `failed: model card not found: ${join(dir, 'blazeface.json')}`,
    });
  });

  it("answers mode 'faces' with 503 and 'auto' with the whole image, saying why", async () => {
    const face = await faceJpeg();
    const refused = await http.post('/detect?mode=faces').attach('file', face, 'face.jpg').expect(503);
    expect(refused.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: `The face detection model is not available: ${why}`,
    });
    const { body } = await http.post('/detect').attach('file', face, 'face.jpg').expect(200);
    expect(body).toMatchObject({ mode: 'auto', faces: [], prediction: expect.any(String) });
    expect(body.message).toContain(
      `Face detection is not available (${why}), so the whole image was classified: `,
    );
    await http.post('/detect?mode=whole').attach('file', face, 'face.jpg').expect(200);
  });
});
