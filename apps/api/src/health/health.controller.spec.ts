import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TerminusModule } from '@nestjs/terminus';
import request from 'supertest';
import { ModelRecord, ModelRegistryService } from '../model-registry/model-registry.service';
import { HealthController } from './health.controller';
import { ModelsHealthIndicator } from './models.health';

/** The registry's state, as the health endpoints read it. */
const state = { ready: false, loaded: false, records: [] as Partial<ModelRecord>[] };
const registry = {
  isReady: () => state.ready,
  isMaskModelLoaded: () => state.loaded,
  list: () => state.records,
};

describe('HealthController', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [ModelsHealthIndicator, { provide: ModelRegistryService, useValue: registry }],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(() => app.close());

  it('is healthy and ready when the models are', async () => {
    Object.assign(state, {
      ready: true,
      loaded: true,
      records: [{ name: 'mask_detector', status: 'ready' }],
    });
    const http = request(app.getHttpServer());
    await http.get('/health').expect(200, { status: 'healthy', model_loaded: true });
    await http.get('/health/ready').expect(200, {
      status: 'ok',
      info: { models: { status: 'up', mask_detector: 'ready' } },
      error: {},
      details: { models: { status: 'up', mask_detector: 'ready' } },
    });
  });

  it('is live but unhealthy and not ready while the model is loading or failed', async () => {
    Object.assign(state, {
      ready: false,
      loaded: false,
      records: [{ name: 'mask_detector', status: 'failed', error: 'model file not found: /m.onnx' }],
    });
    const http = request(app.getHttpServer());
    await http.get('/health/live').expect(200);
    await http.get('/health').expect(503, { status: 'unhealthy', model_loaded: false });
    const { body } = await http.get('/health/ready').expect(503);
    expect(body.error).toEqual({
      models: { status: 'down', mask_detector: 'failed: model file not found: /m.onnx' },
    });
  });

  it('reports unhealthy while shutting down although the model is still loaded', async () => {
    Object.assign(state, {
      ready: false,
      loaded: true,
      records: [{ name: 'mask_detector', status: 'ready' }],
    });
    await request(app.getHttpServer())
      .get('/health')
      .expect(503, { status: 'unhealthy', model_loaded: true });
  });
});
