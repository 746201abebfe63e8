import { AddressInfo } from 'node:net';
import request from 'supertest';
import { DetectionService } from '../src/detection/detection.service';
import { ModelRegistryService } from '../src/model-registry/model-registry.service';
import { faceJpeg, startApp } from './fixtures';

describe('graceful shutdown (e2e, real app and model)', () => {
  it('lets in-flight requests finish, reports not ready, then stops the inference workers', async () => {
    const app = await startApp();
    await app.listen(0, '127.0.0.1');
    const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const registry = app.get(ModelRegistryService);
    const detection = app.get(DetectionService);
    const face = await faceJpeg();

    // Hold every request inside the service until all have arrived and the shutdown has begun.
    const inFlight = 6;
    let arrived = 0;
    let allIn!: () => void;
    let release!: () => void;
    const allArrived = new Promise<void>((resolve) => (allIn = resolve));
    const shutdownBegun = new Promise<void>((resolve) => (release = resolve));
    const detect = detection.detect.bind(detection);
    jest.spyOn(detection, 'detect').mockImplementation(async (file, mode) => {
      if (++arrived === inFlight) allIn();
      await shutdownBegun;
      return detect(file, mode);
    });

    const responses = Array.from({ length: inFlight }, () =>
      request(url).post('/detect').attach('file', face, 'face.jpg'),
    );
    const settled = Promise.all(responses.map((call) => call.then((response) => response)));
    await allArrived;
    const closed = app.close();
    while (registry.isReady()) await new Promise((resolve) => setImmediate(resolve));
    release();

    const results = await settled;
    expect(results.map((response) => response.status)).toEqual(Array(inFlight).fill(200));
    for (const response of results) expect(response.body.success).toBe(true);
    await closed;
    expect(registry.maskClassifier().classifier.status.workers).toBe(0);
    await expect(request(url).get('/health/live')).rejects.toThrow(/ECONNREFUSED/);
  });
});
