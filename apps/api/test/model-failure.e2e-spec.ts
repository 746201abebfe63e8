import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
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
    expect(info.models).toEqual([{ name: 'mask_detector', version: null, status: 'failed' }]);
  });
});
