import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { MASK_INPUT_LENGTH } from '@maskd/inference';
import { ModelRegistryService } from '../src/model-registry/model-registry.service';
import { faceJpeg, startApp } from './fixtures';

describe('back-pressure (e2e, real app and model)', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp({
      MAX_BATCH: '16',
      INFERENCE_RUN_BATCH: '16',
      INFERENCE_MAX_QUEUE: '16',
      INFERENCE_WORKERS: '1',
      ORT_INTRA_OP_THREADS: '1',
    });
  });
  afterAll(() => app.close());

  it('answers 503 with Retry-After while the inference queue is full, and recovers', async () => {
    const { classifier } = app.get(ModelRegistryService).maskClassifier();
    const batch = Array.from({ length: 16 }, () => new Float32Array(MASK_INPUT_LENGTH));
    // One full batch runs, one waits: the queue (16 images) is full until the first run ends.
    const busy = [classifier.predict(batch), classifier.predict(batch)];
    const http = request(app.getHttpServer());
    const face = await faceJpeg();

    // mode=whole: straight to the full classification queue (auto would first wait for face detection).
    const refused = await http.post('/detect?mode=whole').attach('file', face, 'face.jpg');
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The service is at capacity (inference queue is full (16 of 16 images waiting)); retry in 1 s',
    });
    expect(refused.headers['retry-after']).toBe('1');

    await Promise.all(busy);
    await http.post('/detect').attach('file', face, 'face.jpg').expect(200);
    await http.get('/health').expect(200);
  });
});
