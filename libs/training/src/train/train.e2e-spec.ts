import { copyFile, mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { repoRoot, sharedDataPath } from '@maskd/imaging';
import { describeWithSharedData } from '@maskd/imaging/testing';
import { verifyModel } from '@maskd/inference';
import { prepareDataset } from '../data/prepare-dataset';
import { readTrainingHistory } from '../evaluation/history';
import { readOnnxMetadata } from '../onnx/export';
import { installModel } from '../release';
import { gitInfo } from '../tracking';
import { readMlflowFileStore } from '../tracking/testing/mlflow-file-reader';
import { parseTrainingConfig } from './config';
import { trainModel } from './train-model';
import type { TrainingResult } from './training-result';

/** Images per class copied from the shared dataset: a few dozen in all, enough for every split. */
const PER_CLASS = 24;

/**
 * The whole pipeline on a few dozen real images with the small backbone, one epoch per phase:
 * prepare -> train -> export (ONNX parity on real images) -> evaluate (test split + VOC face crops), tracked in MLflow.
 */
describeWithSharedData('npm run train pipeline (alpha 0.35, one epoch per phase)', () => {
  let work: string;
  let result: TrainingResult;
  const lines: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'maskd-train-e2e-'));
    const source = path.join(work, 'source');
    for (const className of ['with_mask', 'without_mask']) {
      const from = sharedDataPath('datasets', 'chandrikadeb7', className);
      await mkdir(path.join(source, className), { recursive: true });
      const files = (await readdir(from)).sort().slice(0, PER_CLASS);
      await Promise.all(
        files.map((file) => copyFile(path.join(from, file), path.join(source, className, file))),
      );
    }
    const dataset = await prepareDataset({ sourceDir: source, outDir: path.join(work, 'prepared') });
    const config = parseTrainingConfig({
      model: { weights: '{shared}/weights/mobilenet_v2_0.35_224_no_top' },
      head: { epochs: 1 },
      fineTune: { epochs: 1 },
      evaluation: { voc: ['{shared}/datasets/formatcom_scenes'] },
      export: { parityImages: 16 },
      output: { runsDir: path.join(work, 'runs'), trackingUri: path.join(work, 'mlruns') },
    });
    result = await trainModel(config, dataset, { log: (line) => lines.push(line) });
  }, 600_000);

  it('runs one epoch of each phase, fine-tuning the unfrozen layers only', async () => {
    const history = await readTrainingHistory(path.join(result.runDir, 'history.json'));
    expect(history.map((row) => [row.phase, row.epoch])).toEqual([
      ['head', 1],
      ['fine_tune', 1],
    ]);
    expect(result.phases.map((phase) => phase.cutLayer)).toEqual(['head_pool', 'block_13_project_BN']);
    expect(result.valLossBeforeFineTune).toBeCloseTo(history[0].val_loss ?? NaN, 4);
    expect(result.valLossAfterFineTune).not.toBeNull();
    expect(result.frozenWeightsUnchanged).toBe(true);
    const kernels = result.fineTunedWeights.filter((change) => /kernel$/.test(change.weight));
    expect(kernels.map((change) => change.weight)).toEqual([
      ...[14, 15, 16].flatMap((block) => [
        `block_${block}_expand/kernel`,
        `block_${block}_depthwise/depthwise_kernel`,
        `block_${block}_project/kernel`,
      ]),
      'Conv_1/kernel',
      'head_dense/kernel',
      'head_output/kernel',
    ]);
    for (const change of kernels) expect(change.relativeChange).toBeGreaterThan(0);
    expect(lines.some((line) => line.startsWith('fine-tune epoch 1/1: loss'))).toBe(true);
  });

  it('writes the run folder: resolved config, history, tfjs checkpoint, ONNX with its card, summary', async () => {
    const files = await readdir(result.runDir);
    expect(files).toEqual(
      expect.arrayContaining([
        'config.yaml',
        'history.json',
        'model',
        'mask_detector.onnx',
        'mask_detector.json',
        'summary.json',
        'evaluation',
      ]),
    );
    expect(await readdir(path.join(result.runDir, 'model'))).toEqual(['model.json', 'weights.bin']);
    const summary = JSON.parse(
      await readFile(path.join(result.runDir, 'summary.json'), 'utf8'),
    ) as TrainingResult;
    expect(summary.runId).toBe(result.runId);
    const card = JSON.parse(await readFile(path.join(result.runDir, 'mask_detector.json'), 'utf8'));
    expect(card).toMatchObject({
      status: 'trained',
      training_run_id: result.runId,
      sha256: result.onnx?.sha256,
    });
  });

  it('exports an ONNX model that agrees with tfjs on real images and carries the run id', async () => {
    expect(result.onnx?.parity.images).toBe(16);
    expect(result.onnx?.parity.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(result.onnx?.parity.labelsAgree).toBe(true);
    const bytes = await readFile(path.join(result.runDir, 'mask_detector.onnx'));
    expect(readOnnxMetadata(bytes)).toMatchObject({
      class_names: '["with_mask","without_mask"]',
      training_run_id: result.runId,
      normalization: 'x/127.5-1',
    });
    const session = await ort.InferenceSession.create(bytes);
    const output = await session.run({
      input: new ort.Tensor('float32', new Float32Array(224 * 224 * 3), [1, 224, 224, 3]),
    });
    expect(output.probability.dims).toEqual([1, 1]);
    await session.release();
  });

  it('evaluates the exported model on the test split and on VOC face crops', () => {
    expect(result.evaluation?.sets.map((set) => set.name)).toEqual([
      'test split',
      'VOC face crops (formatcom_scenes)',
    ]);
    for (const set of result.evaluation?.sets ?? []) {
      expect(set.count).toBeGreaterThan(0);
      expect(set.accuracy).toBeGreaterThanOrEqual(0);
    }
  });

  it('tracks the run in the MLflow file store: params, per-epoch metrics, tags and artifacts', async () => {
    const experiments = await readMlflowFileStore(path.join(work, 'mlruns'));
    const experiment = experiments.find((candidate) => candidate.name === 'maskd-mask-classifier');
    const run = experiment?.runs.find((candidate) => candidate.info.runId === result.runId);
    expect(run?.info.status).toBe('FINISHED');
    expect(run?.params).toMatchObject({
      'head.epochs': '1',
      'fineTune.unfreezeBlocks': '3',
      batchSize: '32',
    });
    expect(run?.metricHistory.val_loss?.map((metric) => metric.step)).toEqual([1, 2]);
    expect(run?.latestMetrics).toHaveProperty('val_loss_after_fine_tune');
    expect(run?.tags['maskd.dataset.manifest_sha256']).toBe(result.dataset.manifestSha256);
    // Other commits may land while the run trains; the tag is the commit the run started from.
    if (gitInfo().commit) expect(run?.tags['mlflow.source.git.commit']).toMatch(/^[0-9a-f]{40}$/);
    const artifacts = new URL(run?.info.artifactUri ?? '').pathname;
    expect(await readdir(artifacts)).toEqual(
      expect.arrayContaining(['config.yaml', 'history.json', 'summary.json', 'model']),
    );
  });

  it('ships as npm run model:install does: the ONNX file and cards the service accepts', async () => {
    const models = path.join(work, 'models');
    const { card, files } = await installModel({
      runDir: result.runDir,
      modelsDir: models,
      releaseNotes: path.join(repoRoot(), 'training', 'release', 'mask_detector.yaml'),
      threshold: 'val',
      command: 'npm run model:install (e2e)',
    });
    const verified = await verifyModel(files.onnx);
    expect(verified.card.sha256).toBe(result.onnx?.sha256);
    expect(card.threshold_selection).toMatchObject({ source: 'validation split', tuned: { split: 'val' } });
    expect(card.metrics.test_split.count).toBe(result.evaluation?.sets[0].count);
    expect(Object.keys(card.metrics.face_crops)).toEqual(['formatcom_scenes']);
    expect(card.training).toMatchObject({ run_id: result.runId, git_commit: result.source?.commit ?? null });
    expect(await readdir(models)).toEqual(['mask_detector.json', 'mask_detector.md', 'mask_detector.onnx']);
  });
});
