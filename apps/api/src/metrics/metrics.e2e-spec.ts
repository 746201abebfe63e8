import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { badFiles, faceJpeg, startApp, validImages } from '../../test/fixtures';
import { ModelRegistryService } from '../model-registry/model-registry.service';
import { UI_PATH } from '../ui/ui.module';
import { UNMATCHED_ROUTE } from './http-metrics.middleware';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (one sample per line; # HELP and # TYPE lines skipped). */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([key, wanted]) => s.labels[key] === wanted),
  );
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} series`);
  return found[0]?.value;
}

async function scrape(app: INestApplication): Promise<{ samples: Sample[]; text: string }> {
  const response = await request(app.getHttpServer()).get('/metrics').expect(200);
  const [mediaType, ...parameters] = response.headers['content-type'].split(/;\s*/);
  expect(mediaType).toBe('text/plain');
  expect(parameters).toContain('version=0.0.4');
  return { samples: parseExposition(response.text), text: response.text };
}

describe('GET /metrics (e2e, real app and model)', () => {
  let app: INestApplication;
  let samples: Sample[];
  let text: string;

  beforeAll(async () => {
    app = await startApp();
    const server = app.getHttpServer();
    const face = await faceJpeg();
    const images = Object.values(await validImages()).slice(0, 3);
    await request(server).get('/health').expect(200);
    await request(server).post('/detect').attach('file', face, 'face.jpg').expect(200);
    await request(server).post('/detect').attach('file', face, 'again.jpg').expect(200);
    const batch = request(server).post('/detect-batch');
    images.forEach((image, index) => batch.attach('files', image, `image-${index}`));
    await batch.expect(200);
    await request(server)
      .post('/detect')
      .attach('file', (await badFiles())['notes.jpg'], 'notes.jpg')
      .expect(415);
    await request(server).get('/models/mask_detector').expect(200);
    await request(server).get('/models/no-such-model-7f3a').expect(404);
    await request(server).get('/no/such/page-91c2').expect(404);
    await request(server).get(`${UI_PATH}/`).expect(200);
    await request(server).get(`${UI_PATH}/styles.css`).expect(200);
    await request(server).get(`${UI_PATH}/no-such-file-5d1e.js`).expect(404);
    ({ samples, text } = await scrape(app));
  });

  afterAll(() => app?.close());

  const requests = (method: string, route: string, status: number) =>
    value(samples, 'maskd_http_requests_total', { method, route, status_code: String(status) });

  it('counts requests by method, route template and status code, errors included', () => {
    expect(requests('GET', '/health', 200)).toBe(1);
    expect(requests('POST', '/detect', 200)).toBe(2);
    expect(requests('POST', '/detect', 415)).toBe(1);
    expect(requests('POST', '/detect-batch', 200)).toBe(1);
    expect(requests('GET', '/models/:name', 200)).toBe(1);
    expect(requests('GET', '/models/:name', 404)).toBe(1);
    expect(requests('GET', UNMATCHED_ROUTE, 404)).toBe(2);
    expect(requests('GET', `${UI_PATH}/*`, 200)).toBe(2); // static files: labelled by their mount path
  });

  it('never puts a raw URL in a label (bounded cardinality)', () => {
    expect(text).not.toContain('no-such-model-7f3a');
    expect(text).not.toContain('page-91c2');
    expect(text).not.toContain('no-such-file-5d1e');
    expect(text).not.toContain('styles.css');
  });

  it('has a latency histogram per route and status with consistent buckets', () => {
    const labels = { method: 'POST', route: '/detect', status_code: '200' };
    const buckets = samples
      .filter((s) => s.name === 'maskd_http_request_duration_seconds_bucket')
      .filter((s) => Object.entries(labels).every(([key, wanted]) => s.labels[key] === wanted));
    const counts = buckets.map((b) => b.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b)); // cumulative
    expect(buckets.at(-1)?.labels.le).toBe('+Inf');
    expect(counts.at(-1)).toBe(2);
    expect(value(samples, 'maskd_http_request_duration_seconds_count', labels)).toBe(2);
    expect(value(samples, 'maskd_http_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
  });

  it('records every onnxruntime run: its duration and batch size', () => {
    const model = { model: 'mask_detector' };
    const runs = value(samples, 'maskd_inference_batch_size_count', model)!;
    // 2 single-image requests, then 3 files whose inputs go to the workers as each is ready (some may share a run).
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(runs).toBeLessThanOrEqual(5);
    expect(value(samples, 'maskd_inference_batch_size_sum', model)).toBe(5);
    expect(value(samples, 'maskd_inference_duration_seconds_count', model)).toBe(runs);
    expect(value(samples, 'maskd_inference_duration_seconds_sum', model)).toBeGreaterThan(0);
    expect(value(samples, 'maskd_inference_queue_wait_seconds_count', model)).toBe(runs);
  });

  it('describes the loaded model with its name, version and sha256', () => {
    const record = app.get(ModelRegistryService).find('mask_detector')!;
    expect(record.status).toBe('ready');
    expect(
      value(samples, 'maskd_model_info', {
        name: record.name,
        version: record.version!,
        sha256: record.sha256!,
      }),
    ).toBe(1);
  });

  it('includes the default process and Node.js metrics', () => {
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(value(samples, name)).toBeGreaterThan(0);
    }
    expect(value(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });
});

describe('GET /metrics without a usable model (e2e)', () => {
  it('still answers, with no model_info series and the 503s counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maskd-metrics-'));
    const app = await startApp({ MODEL_PATH: join(dir, 'mask_detector.onnx') });
    try {
      await request(app.getHttpServer()).get('/health/ready').expect(503);
      const { samples } = await scrape(app);
      expect(samples.filter((s) => s.name === 'maskd_model_info')).toEqual([]);
      expect(
        value(samples, 'maskd_http_requests_total', {
          method: 'GET',
          route: '/health/ready',
          status_code: '503',
        }),
      ).toBe(1);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
