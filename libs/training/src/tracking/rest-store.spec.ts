import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MlflowRestError } from './rest-client';
import { MlflowTestServer } from './testing/mlflow-test-server';
import { createTracker, resolveTrackingUri, type TrackerOptions } from './tracker';

const API = '/api/2.0/mlflow';
const fastRetries = { retryDelayMs: 1, maxRetries: 3, timeoutMs: 5000 };

describe('MLflow REST tracking', () => {
  let server: MlflowTestServer;
  let url: string;
  let workDir: string;

  async function startServer(artifactRoot?: string) {
    server = new MlflowTestServer(artifactRoot);
    url = await server.start();
  }

  function tracker(options: Partial<TrackerOptions> = {}) {
    return createTracker({
      env: { MLFLOW_TRACKING_URI: url, MLFLOW_TRACKING_TOKEN: 'secret-token', USER: 'tester' },
      rest: fastRetries,
      ...options,
    });
  }

  beforeEach(async () => {
    workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'maskd-rest-'));
  });

  afterEach(async () => {
    await server?.stop();
    await fs.rm(workDir, { recursive: true, force: true });
  });

  it('creates the experiment, run, batches, artifact upload and end with the requests MLflow expects', async () => {
    await startServer();
    const figure = path.join(workDir, 'roc.png');
    await fs.writeFile(figure, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));

    const run = await tracker().startRun({
      experimentName: 'maskd-train',
      runName: 'alpha-1.0',
      standardTags: false,
      tags: { 'maskd.dataset.manifest_sha256': 'f'.repeat(64) },
    });
    await run.logParams({ epochs: 10, lr: 0.001 });
    await run.logMetrics({ val_loss: 0.12, auc: NaN }, 3);
    const artifact = await run.logArtifact(figure, 'figures');
    await run.end('FINISHED');

    expect(server.calls).toEqual([
      `GET ${API}/experiments/get-by-name`,
      `POST ${API}/experiments/create`,
      `GET ${API}/experiments/get-by-name`,
      `POST ${API}/runs/create`,
      `POST ${API}/runs/log-batch`,
      `POST ${API}/runs/log-batch`,
      `PUT /api/2.0/mlflow-artifacts/artifacts/1/${run.id}/artifacts/figures/roc.png`,
      `POST ${API}/runs/update`,
    ]);
    const [lookup, create, , createRun, params, metrics, upload, update] = server.requests;
    expect(lookup.query).toEqual({ experiment_name: 'maskd-train' });
    expect(create.body).toEqual({ name: 'maskd-train' });
    expect(createRun.body).toEqual({
      experiment_id: '1',
      user_id: 'tester',
      run_name: 'alpha-1.0',
      start_time: expect.any(Number),
      tags: [
        { key: 'maskd.dataset.manifest_sha256', value: 'f'.repeat(64) },
        { key: 'mlflow.runName', value: 'alpha-1.0' },
      ],
    });
    expect(params.body).toEqual({
      run_id: run.id,
      metrics: [],
      params: [
        { key: 'epochs', value: '10' },
        { key: 'lr', value: '0.001' },
      ],
      tags: [],
    });
    expect(metrics.body).toEqual({
      run_id: run.id,
      metrics: [
        { key: 'val_loss', value: 0.12, timestamp: expect.any(Number), step: 3 },
        // JSON has no NaN; protobuf's JSON mapping (MLflow's parser) takes the string.
        { key: 'auc', value: 'NaN', timestamp: expect.any(Number), step: 3 },
      ],
      params: [],
      tags: [],
    });
    expect(upload.body).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));
    expect(update.body).toEqual({
      run_id: run.id,
      run_uuid: run.id,
      status: 'FINISHED',
      end_time: expect.any(Number),
    });
    expect(server.requests.every((r) => r.headers.authorization === 'Bearer secret-token')).toBe(true);
    expect(artifact).toEqual({ localPath: figure, artifactPath: 'figures/roc.png', status: 'stored' });
    expect(server.artifacts.has(`1/${run.id}/artifacts/figures/roc.png`)).toBe(true);
    expect(server.runs.get(run.id)!.info.status).toBe('FINISHED');
  });

  it('reuses an existing experiment and sends standard tags with basic auth', async () => {
    await startServer();
    const options = {
      env: { MLFLOW_TRACKING_USERNAME: 'ml', MLFLOW_TRACKING_PASSWORD: 'pw' },
      trackingUri: url,
    };
    await tracker(options).startRun({ experimentName: 'maskd-evaluate', standardTags: false });
    const second = await tracker(options).startRun({ experimentName: 'maskd-evaluate' });
    expect(server.calls.slice(-2)).toEqual([`GET ${API}/experiments/get-by-name`, `POST ${API}/runs/create`]);
    const tags = (server.requests.at(-1)!.body as { tags: { key: string }[] }).tags.map((t) => t.key);
    expect(tags).toEqual(
      expect.arrayContaining(['mlflow.user', 'mlflow.source.name', 'mlflow.source.type', 'maskd.version']),
    );
    expect(server.requests[0].headers.authorization).toBe(`Basic ${Buffer.from('ml:pw').toString('base64')}`);
    expect(second.experimentId).toBe('1');
  });

  it("splits large batches within MLflow's log-batch limits", async () => {
    await startServer();
    const run = await tracker().startRun({ experimentName: 'big', standardTags: false });
    const params = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, i]));
    const metrics = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`m${i}`, i / 7]));
    const tags = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`t${i}`, 'x'.repeat(4000)]));
    await Promise.all([run.logParams(params), run.logMetrics(metrics, 1), run.setTags(tags)]);

    const batches = server.requests.filter((r) => r.path.endsWith('/runs/log-batch'));
    for (const batch of batches) {
      const body = batch.body as { params: unknown[]; tags: unknown[]; metrics: unknown[] };
      expect(body.params.length).toBeLessThanOrEqual(100);
      expect(body.tags.length).toBeLessThanOrEqual(100);
      expect(body.params.length + body.tags.length + body.metrics.length).toBeLessThanOrEqual(1000);
      expect(JSON.stringify(body).length).toBeLessThan(1_000_000);
    }
    const stored = server.runs.get(run.id)!;
    expect(stored.params.size).toBe(250);
    expect(stored.metrics).toHaveLength(1500);
    expect(stored.tags.size).toBe(151); // + mlflow.runName
  });

  it('retries 5xx and 429 a limited number of times, never 4xx', async () => {
    await startServer();
    const client = tracker();
    server.injectedFailures.push(503, 429);
    const run = await client.startRun({ experimentName: 'flaky', standardTags: false });
    expect(server.calls.slice(0, 3)).toEqual(Array(3).fill(`GET ${API}/experiments/get-by-name`));

    await run.logParam('seed', 42);
    const before = server.requests.length;
    const changed = run.logParam('seed', 7);
    await expect(changed).rejects.toThrow(MlflowRestError);
    await expect(changed).rejects.toThrow(/answered 400 .*INVALID_PARAMETER_VALUE.*Changing param values/);
    expect(server.requests.length - before).toBe(1);

    server.injectedFailures.push(500, 500, 500, 500);
    const failing = run.logMetric('loss', 1);
    await expect(failing).rejects.toThrow(/answered 500/);
    expect(server.requests.length - before).toBe(5);
  });

  it('fails with a clear message when the server is unreachable', async () => {
    await startServer();
    await server.stop();
    const attempt = tracker().startRun({ experimentName: 'offline' });
    await expect(attempt).rejects.toThrow(
      new RegExp(`Cannot reach the MLflow tracking server at ${url}.*ECONNREFUSED`),
    );
    server = new MlflowTestServer();
    await server.start();
  });

  it('skips artifacts for cloud artifact stores with a warning, and copies to file: roots', async () => {
    await startServer('s3://bucket/mlflow');
    const warnings: string[] = [];
    const figure = path.join(workDir, 'cm.png');
    await fs.writeFile(figure, 'png');
    const s3Run = await tracker({ onWarning: (m) => warnings.push(m) }).startRun({ experimentName: 's3' });
    const skipped = await s3Run.logArtifact(figure);
    expect(skipped.status).toBe('skipped');
    expect(warnings[0]).toMatch(/cm\.png was not stored: .*\(s3:\) .*--serve-artifacts/);
    expect(server.calls.some((c) => c.startsWith('PUT'))).toBe(false);
    await server.stop();

    const sharedRoot = path.join(workDir, 'artifact-root');
    await startServer(pathToFileURL(sharedRoot).href);
    const fileRun = await tracker().startRun({ experimentName: 'shared-fs' });
    await fileRun.logArtifact(figure, 'plots');
    expect(
      await fs.readFile(path.join(sharedRoot, '1', fileRun.id, 'artifacts', 'plots', 'cm.png'), 'utf8'),
    ).toBe('png');
  });
});

describe('resolveTrackingUri', () => {
  it('picks the store like MLflow and rejects stores maskd cannot write', () => {
    expect(resolveTrackingUri(undefined, {})).toEqual({ kind: 'file', root: path.resolve('mlruns') });
    expect(resolveTrackingUri(undefined, { MLFLOW_TRACKING_URI: 'https://mlflow.example:5000' })).toEqual({
      kind: 'rest',
      baseUrl: 'https://mlflow.example:5000',
    });
    expect(resolveTrackingUri('file:///srv/mlruns', {})).toEqual({ kind: 'file', root: '/srv/mlruns' });
    expect(resolveTrackingUri('/data/mlruns', { MLFLOW_TRACKING_URI: 'http://ignored' })).toEqual({
      kind: 'file',
      root: '/data/mlruns',
    });
    expect(() => resolveTrackingUri('sqlite:///mlflow.db', {})).toThrow(
      /'sqlite:' scheme, which maskd cannot write/,
    );
  });
});
