import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { repoRoot } from '@maskd/imaging';
import { startApp } from './fixtures';

/** The shipped mask model's card: what the registry must serve. */
const card = JSON.parse(readFileSync(join(repoRoot(), 'models', 'mask_detector.json'), 'utf8'));

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
      models: [
        { name: 'mask_detector', version: card.version, status: 'ready' },
        { name: 'blazeface', version: '1.2.0', status: 'ready' },
      ],
      docs: '/docs',
    });
    const endpoints = body.endpoints.map(
      (endpoint: { method: string; path: string }) => `${endpoint.method} ${endpoint.path}`,
    );
    expect(endpoints).toEqual(
      expect.arrayContaining([
        'POST /detect',
        'POST /detect/annotated',
        'POST /detect-batch',
        'GET /ui',
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
      info: { models: { status: 'up', mask_detector: 'ready', blazeface: 'ready' } },
      error: {},
      details: { models: { status: 'up', mask_detector: 'ready', blazeface: 'ready' } },
    });
  });

  it('GET /models lists the registry with the checked model files', async () => {
    const { body } = await http.get('/models').expect(200);
    expect(body.models).toHaveLength(2);
    const [model, detector] = body.models;
    expect(model).toMatchObject({
      name: 'mask_detector',
      task: 'mask-classification',
      status: 'ready',
      file: 'mask_detector.onnx',
      version: card.version,
      sha256: card.sha256,
      size_bytes: card.size_bytes,
      inputs: [{ name: 'input', type: 'float32', shape: [expect.any(String), 224, 224, 3] }],
      outputs: [{ name: 'probability', type: 'float32', shape: [expect.any(String), 1] }],
      class_names: ['with_mask', 'without_mask'],
      threshold: card.threshold,
      metrics: card.metrics,
      loaded_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    // The trained release, with the evaluation its card carries (not the untrained bootstrap).
    expect(model.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(model.metrics.test_split).toMatchObject({
      count: expect.any(Number),
      accuracy: expect.any(Number),
    });
    expect(Object.keys(model.metrics.face_crops)).toContain('andrewmvd_scenes_dev');
    expect(model.error).toBeUndefined();
    const { body: one } = await http.get('/models/mask_detector').expect(200);
    expect(one).toEqual(model);
    expect(detector).toMatchObject({
      name: 'blazeface',
      task: 'face-detection',
      status: 'ready',
      version: '1.2.0',
      file: 'blazeface_front_128.onnx, blazeface_back_256.onnx',
      files: [
        {
          file: 'blazeface_front_128.onnx',
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          size_bytes: 442005,
        },
        {
          file: 'blazeface_back_256.onnx',
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          size_bytes: 603432,
        },
      ],
      inputs: [
        { name: 'front/input:0', type: 'float32', shape: [1, 128, 128, 3] },
        { name: 'back/input:0', type: 'float32', shape: [1, 256, 256, 3] },
      ],
      metrics: { andrewmvd_scenes_dev: { recall: expect.any(Object), precision: expect.any(Object) } },
      loaded_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(detector.outputs).toHaveLength(8);
    await http.get('/models/blazeface').expect(200, detector);
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
        'FaceResultDto',
        'FaceBoxDto',
        'ModelFileDto',
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

    // Confidence is bounded by the served threshold (0.24 for the shipped model), not by 0.5.
    const { schemas: components } = document.components;
    for (const description of [
      components.FaceResultDto.properties.confidence.description,
      components.DetectionResponseDto.properties.confidence.description,
    ]) {
      expect(description).not.toMatch(/0\.5 to 1/);
      expect(description).toContain(
        "at or above the model's threshold (GET /models/mask_detector: threshold)",
      );
    }

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

    // The mode option, as a query parameter and a form field; the annotated endpoint's JPEG.
    for (const path of ['/detect', '/detect/annotated', '/detect-batch']) {
      const mode = document.paths[path].post.parameters.find((p: { name: string }) => p.name === 'mode');
      expect(mode).toMatchObject({
        in: 'query',
        required: false,
        schema: { enum: ['auto', 'faces', 'whole'] },
      });
    }
    expect(document.components.schemas.DetectUploadDto.properties.mode).toMatchObject({
      enum: ['auto', 'faces', 'whole'],
      default: 'auto',
    });
    const annotated = document.paths['/detect/annotated'].post;
    expect(annotated.responses['200'].content['image/jpeg'].schema).toEqual({
      type: 'string',
      format: 'binary',
    });
    expect(Object.keys(annotated.responses).sort()).toEqual(['200', '400', '413', '415', '422', '503']);
    expect(annotated.requestBody.content['multipart/form-data'].schema.$ref).toBe(
      '#/components/schemas/DetectUploadDto',
    );
    const faces = document.components.schemas.DetectionResponseDto.properties.faces;
    expect(faces).toMatchObject({ type: 'array', items: { $ref: '#/components/schemas/FaceResultDto' } });
    expect(document.components.schemas.DetectionResponseDto.properties.prediction).toMatchObject({
      nullable: true,
    });
  });
});
