import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { startApp } from './fixtures';

describe('service endpoints (e2e, real app and model)', () => {
  let app: INestApplication;
  let http: ReturnType<typeof request>;

  beforeAll(async () => {
    app = await startApp();
    http = request(app.getHttpServer());
  });
  afterAll(() => app.close());

  it('GET / names the service, its model and its endpoints', async () => {
    const { body } = await http.get('/').expect(200);
    expect(body).toMatchObject({
      name: 'maskd',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      models: [{ name: 'mask_detector', version: expect.any(String), status: 'ready' }],
      docs: '/docs',
    });
    const endpoints = body.endpoints.map(
      (endpoint: { method: string; path: string }) => `${endpoint.method} ${endpoint.path}`,
    );
    expect(endpoints).toEqual(
      expect.arrayContaining([
        'POST /detect',
        'POST /detect-batch',
        'GET /health',
        'GET /health/live',
        'GET /health/ready',
        'GET /models',
      ]),
    );
  });

  it('GET /health answers the reference contract', async () => {
    await http.get('/health').expect(200, { status: 'healthy', model_loaded: true });
  });

  it('GET /health/live and /health/ready answer the Kubernetes probes', async () => {
    await http.get('/health/live').expect(200, { status: 'ok', info: {}, error: {}, details: {} });
    const { body } = await http.get('/health/ready').expect(200);
    expect(body).toEqual({
      status: 'ok',
      info: { models: { status: 'up', mask_detector: 'ready' } },
      error: {},
      details: { models: { status: 'up', mask_detector: 'ready' } },
    });
  });

  it('GET /models lists the registry with the checked model file', async () => {
    const { body } = await http.get('/models').expect(200);
    expect(body.models).toHaveLength(1);
    const [model] = body.models;
    expect(model).toMatchObject({
      name: 'mask_detector',
      task: 'mask-classification',
      status: 'ready',
      file: 'mask_detector.onnx',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      size_bytes: expect.any(Number),
      inputs: [{ name: 'input', type: 'float32', shape: [expect.any(String), 224, 224, 3] }],
      outputs: [{ name: 'probability', type: 'float32', shape: [expect.any(String), 1] }],
      class_names: ['with_mask', 'without_mask'],
      threshold: expect.any(Number),
      loaded_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(model.error).toBeUndefined();
    const { body: one } = await http.get('/models/mask_detector').expect(200);
    expect(one).toEqual(model);
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const echoed = await http.get('/health/live').set('X-Request-Id', 'trace-123');
    expect(echoed.headers['x-request-id']).toBe('trace-123');
    const created = await http.get('/health/live').set('X-Request-Id', 'bad id with spaces');
    expect(created.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await http.get('/docs').expect(200);
    expect(response.text).toContain('swagger-ui');
  });

  it('documents every endpoint, response schema, error and example at /docs-json', async () => {
    const { body: document } = await http.get('/docs-json').expect(200);
    const schemas = Object.keys(document.components.schemas);
    expect(schemas).toEqual(
      expect.arrayContaining([
        'ServiceInfoDto',
        'EndpointDto',
        'LoadedModelDto',
        'HealthStatusDto',
        'ModelListDto',
        'ModelInfoDto',
        'TensorInfoDto',
        'DetectUploadDto',
        'DetectBatchUploadDto',
        'DetectionResponseDto',
        'ModelRefDto',
        'DetectBatchResponseDto',
        'BatchPredictionDto',
        'BatchFileErrorDto',
        'ErrorResponseDto',
      ]),
    );
    const responses = (path: string, method: string) => document.paths[path][method].responses;
    expect(Object.keys(responses('/detect', 'post')).sort()).toEqual([
      '200',
      '400',
      '413',
      '415',
      '422',
      '503',
    ]);
    expect(Object.keys(responses('/detect-batch', 'post')).sort()).toEqual([
      '200',
      '400',
      '413',
      '415',
      '503',
    ]);
    expect(Object.keys(responses('/health', 'get')).sort()).toEqual(['200', '503']);
    expect(Object.keys(responses('/health/ready', 'get')).sort()).toEqual(['200', '503']);
    expect(Object.keys(responses('/models/{name}', 'get')).sort()).toEqual(['200', '404']);
    expect(document.paths['/'].get).toBeDefined();
    expect(document.paths['/health/live'].get).toBeDefined();
    expect(document.paths['/models'].get).toBeDefined();

    const detect = document.paths['/detect'].post;
    expect(detect.requestBody.content['multipart/form-data'].schema.$ref).toBe(
      '#/components/schemas/DetectUploadDto',
    );
    expect(document.components.schemas.DetectUploadDto.properties.file).toMatchObject({
      type: 'string',
      format: 'binary',
    });
    expect(document.components.schemas.DetectBatchUploadDto.properties.files).toMatchObject({
      type: 'array',
      items: { type: 'string', format: 'binary' },
    });
    for (const status of ['400', '413', '415', '422', '503']) {
      const content = detect.responses[status].content['application/json'];
      expect(content.schema.$ref).toBe('#/components/schemas/ErrorResponseDto');
      expect(content.example).toMatchObject({
        statusCode: Number(status),
        error: expect.any(String),
        message: expect.any(String),
      });
    }
    const results = document.components.schemas.DetectBatchResponseDto.properties.results;
    expect(results.items.oneOf).toEqual([
      { $ref: '#/components/schemas/BatchPredictionDto' },
      { $ref: '#/components/schemas/BatchFileErrorDto' },
    ]);
    expect(document.components.schemas.DetectionResponseDto.properties.prediction.example).toBe('with_mask');
  });
});
