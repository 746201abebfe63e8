import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { readMlflowFileStore } from './testing/mlflow-file-reader';
import { createTracker, withRun } from './tracker';
import { MlflowValidationError } from './validation';

describe('file tracking store (MLflow FileStore layout)', () => {
  let root: string;

  beforeEach(async () => {
    root = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'maskd-mlruns-')), 'mlruns');
  });

  afterEach(async () => {
    await fs.rm(path.dirname(root), { recursive: true, force: true });
  });

  async function yamlOf(file: string): Promise<Record<string, unknown>> {
    return YAML.parse(await fs.readFile(file, 'utf8'), { version: '1.1' }) as Record<string, unknown>;
  }

  it('creates the Default experiment 0 and the trash folder as MLflow does', async () => {
    const tracker = createTracker({ trackingUri: root });
    const run = await tracker.startRun({ runName: 'in-default', standardTags: false });
    await run.end();

    expect((await fs.stat(path.join(root, '.trash'))).isDirectory()).toBe(true);
    const text = await fs.readFile(path.join(root, '0', 'meta.yaml'), 'utf8');
    // The id is a YAML string, as PyYAML writes Python's str '0'.
    expect(text).toContain("experiment_id: '0'\n");
    const meta = await yamlOf(path.join(root, '0', 'meta.yaml'));
    expect(Object.keys(meta)).toEqual([
      'artifact_location',
      'creation_time',
      'experiment_id',
      'last_update_time',
      'lifecycle_stage',
      'name',
    ]);
    expect(meta).toMatchObject({
      artifact_location: `${pathToFileURL(root).href}/0`,
      experiment_id: '0',
      lifecycle_stage: 'active',
      name: 'Default',
    });
    expect(meta.creation_time).toEqual(meta.last_update_time);
    expect(run.experimentId).toBe('0');
  });

  it('writes run meta, params, metrics, tags and artifacts field by field', async () => {
    const tracker = createTracker({ trackingUri: root });
    const before = Date.now();
    const run = await tracker.startRun({
      experimentName: 'maskd-train',
      runName: 'alpha-0.35',
      tags: { 'maskd.dataset.manifest_sha256': 'ab'.repeat(32) },
    });
    await run.logParams({
      batch_size: 32,
      learning_rate: 0.0001,
      augment: true,
      backbone: 'mobilenet_v2_0.35',
    });
    run.logMetrics({ loss: 0.7, 'val/loss': 0.69 }, 0);
    run.logMetrics({ loss: 0.25, 'val/loss': NaN }, 1);
    await run.logMetric('test_accuracy', 0.99);
    const artifactFile = path.join(path.dirname(root), 'report.md');
    await fs.writeFile(artifactFile, '# report\n');
    const modelDir = path.join(path.dirname(root), 'model');
    await fs.mkdir(path.join(modelDir, 'weights'), { recursive: true });
    await fs.writeFile(path.join(modelDir, 'model.json'), '{}');
    await fs.writeFile(path.join(modelDir, 'weights', 'group1.bin'), Buffer.from([1, 2, 3]));
    await run.logArtifact(artifactFile);
    const stored = await run.logArtifacts(modelDir, 'model');
    await run.end('FINISHED');

    expect(run.id).toMatch(/^[0-9a-f]{32}$/);
    expect(run.experimentId).toMatch(/^[1-9]\d*$/);
    const experimentDir = path.join(root, run.experimentId);
    expect(await yamlOf(path.join(experimentDir, 'meta.yaml'))).toMatchObject({
      experiment_id: run.experimentId,
      name: 'maskd-train',
      artifact_location: `${pathToFileURL(root).href}/${run.experimentId}`,
      lifecycle_stage: 'active',
    });

    const runDir = path.join(experimentDir, run.id);
    const meta = await yamlOf(path.join(runDir, 'meta.yaml'));
    expect(Object.keys(meta).sort()).toEqual(
      [
        'artifact_uri',
        'end_time',
        'entry_point_name',
        'experiment_id',
        'lifecycle_stage',
        'run_id',
        'run_name',
        'run_uuid',
        'source_name',
        'source_type',
        'source_version',
        'start_time',
        'status',
        'tags',
        'user_id',
      ].sort(),
    );
    expect(meta).toMatchObject({
      artifact_uri: `${pathToFileURL(root).href}/${run.experimentId}/${run.id}/artifacts`,
      entry_point_name: '',
      experiment_id: run.experimentId,
      lifecycle_stage: 'active',
      run_id: run.id,
      run_uuid: run.id,
      run_name: 'alpha-0.35',
      source_name: '',
      source_type: 4,
      source_version: '',
      status: 3,
      tags: [],
    });
    expect(meta.start_time).toBeGreaterThanOrEqual(before);
    expect(meta.end_time).toBeGreaterThanOrEqual(meta.start_time as number);
    expect(typeof meta.user_id).toBe('string');

    expect(await fs.readFile(path.join(runDir, 'params', 'batch_size'), 'utf8')).toBe('32');
    expect(await fs.readFile(path.join(runDir, 'params', 'augment'), 'utf8')).toBe('true');
    const loss = (await fs.readFile(path.join(runDir, 'metrics', 'loss'), 'utf8')).split('\n');
    expect(loss).toHaveLength(3);
    expect(loss[0]).toMatch(/^\d{13} 0\.7 0$/);
    expect(loss[1]).toMatch(/^\d{13} 0\.25 1$/);
    expect(loss[2]).toBe('');
    // Metric keys with '/' are nested files; NaN is spelled as Python's str(float('nan')).
    expect(await fs.readFile(path.join(runDir, 'metrics', 'val', 'loss'), 'utf8')).toMatch(/ nan 1\n$/);
    expect(await fs.readFile(path.join(runDir, 'tags', 'mlflow.runName'), 'utf8')).toBe('alpha-0.35');
    expect(await fs.readFile(path.join(runDir, 'tags', 'maskd.dataset.manifest_sha256'), 'utf8')).toBe(
      'ab'.repeat(32),
    );
    expect(await fs.readFile(path.join(runDir, 'tags', 'mlflow.source.type'), 'utf8')).toBe('LOCAL');
    expect(await fs.readFile(path.join(runDir, 'artifacts', 'report.md'), 'utf8')).toBe('# report\n');
    expect(await fs.readFile(path.join(runDir, 'artifacts', 'model', 'weights', 'group1.bin'))).toEqual(
      Buffer.from([1, 2, 3]),
    );
    expect(stored.map((s) => [s.artifactPath, s.status])).toEqual([
      ['model/model.json', 'stored'],
      ['model/weights/group1.bin', 'stored'],
    ]);
  });

  it('is read back by the MLflow FileStore rules', async () => {
    const tracker = createTracker({ trackingUri: `file://${root}` });
    const first = await tracker.startRun({ experimentName: 'maskd-evaluate', runName: 'yes' });
    await first.logParams({ split: 'test', threshold: 0.5 });
    for (let epoch = 0; epoch < 3; epoch++) first.logMetrics({ accuracy: 0.9 + epoch / 100 }, epoch);
    await first.end();
    const second = await tracker.startRun({ experimentName: 'maskd-evaluate', runName: 'second' });
    await second.end('KILLED');

    const experiments = await readMlflowFileStore(root);
    expect(experiments.map((e) => e.name).sort()).toEqual(['Default', 'maskd-evaluate']);
    const evaluate = experiments.find((e) => e.name === 'maskd-evaluate')!;
    expect(evaluate.runs).toHaveLength(2);
    const read = evaluate.runs.find((r) => r.info.runId === first.id)!;
    // 'yes' is a YAML 1.1 boolean unless quoted; PyYAML must read back the string.
    expect(read.info).toMatchObject({ runName: 'yes', status: 'FINISHED', lifecycleStage: 'active' });
    expect(read.params).toEqual({ split: 'test', threshold: '0.5' });
    expect(read.metricHistory.accuracy.map((m) => [m.value, m.step])).toEqual([
      [0.9, 0],
      [0.91, 1],
      [0.92, 2],
    ]);
    expect(read.latestMetrics.accuracy).toBe(0.92);
    expect(read.tags['mlflow.runName']).toBe('yes');
    expect(read.tags['mlflow.user']).toBe(read.info.userId);
    expect(evaluate.runs.find((r) => r.info.runId === second.id)!.info.status).toBe('KILLED');
  });

  it('keeps params immutable and validates keys as MLflow does', async () => {
    const run = await createTracker({ trackingUri: root }).startRun({ standardTags: false });
    await run.logParam('epochs', 10);
    await run.logParam('epochs', '10');
    await expect(run.logParam('epochs', 5)).rejects.toThrow(/Changing param values is not allowed/);
    for (const bad of ['../escape', 'a//b', 'bad*key', '/abs', '', 'x/.']) {
      await expect(run.logMetric(bad, 1)).rejects.toThrow(MlflowValidationError);
    }
    await expect(run.setTag('note', 'x'.repeat(5001))).rejects.toThrow(/exceeds the limit of 5000/);
    await expect(run.logMetric('loss', 1, 0.5)).rejects.toThrow(/step must be an integer/);
    await expect(run.logArtifact(__filename, '../outside')).rejects.toThrow(/Invalid artifact path/);
    await run.end();
    await expect(run.end()).rejects.toThrow(/already ended/);
    await expect(run.logMetric('late', 1)).rejects.toThrow(/already ended/);
  });

  it('marks a run FAILED when its body throws, and refuses a deleted experiment', async () => {
    const tracker = createTracker({ trackingUri: root });
    let runId = '';
    await expect(
      withRun(tracker, { experimentName: 'crashy', standardTags: false }, async (run) => {
        runId = run.id;
        throw new Error('out of memory');
      }),
    ).rejects.toThrow('out of memory');
    const crashy = (await readMlflowFileStore(root)).find((e) => e.name === 'crashy')!;
    expect(crashy.runs.find((r) => r.info.runId === runId)!.info.status).toBe('FAILED');

    // `mlflow experiments delete` moves the folder to .trash with lifecycle_stage deleted.
    const meta = await yamlOf(path.join(root, crashy.experimentId, 'meta.yaml'));
    await fs.rename(path.join(root, crashy.experimentId), path.join(root, '.trash', crashy.experimentId));
    await fs.writeFile(
      path.join(root, '.trash', crashy.experimentId, 'meta.yaml'),
      YAML.stringify({ ...meta, lifecycle_stage: 'deleted' }),
    );
    await expect(createTracker({ trackingUri: root }).startRun({ experimentName: 'crashy' })).rejects.toThrow(
      /is deleted/,
    );
  });
});
