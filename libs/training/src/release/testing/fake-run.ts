// A finished training run's folder, made up but self-consistent, for the release specs (no training needed).
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { evaluateScoredSet } from '../../evaluation/scored-set';
import {
  EVALUATION_FILE,
  PREDICTIONS_COLUMNS,
  PREDICTIONS_FILE,
  type EvaluationReport,
  type VocEvaluation,
} from '../../evaluation/types';
import { faceSizeBreakdown } from '../../evaluation/voc-crops';
import { onnx } from '../../onnx/proto/onnx';
import type { TrainingResult } from '../../train/training-result';

export const FAKE_RUN_ID = '0123456789abcdef0123456789abcdef';
export const FAKE_COMMIT = 'c0ffee0000000000000000000000000000000000';
const CLASSES = ['with_mask', 'without_mask'] as const;

/** Test split: 6 per class; one unmasked image scored 0.3 (right at a low threshold, wrong at 0.5). */
export const SPLIT = {
  labels: [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1],
  scores: [0.01, 0.02, 0.05, 0.1, 0.2, 0.6, 0.3, 0.7, 0.8, 0.9, 0.95, 0.99],
};
/** Face crops: sizes around the 64 px bucket edge; 2 incorrectly worn masks. */
export const FACES = [
  { label: 'with_mask', size: 40, score: 0.1 },
  { label: 'with_mask', size: 50, score: 0.35 },
  { label: 'with_mask', size: 90, score: 0.05 },
  { label: 'without_mask', size: 45, score: 0.25 },
  { label: 'without_mask', size: 70, score: 0.9 },
  { label: 'without_mask', size: 120, score: 0.45 },
  { label: 'mask_weared_incorrect', size: 60, score: 0.3 },
  { label: 'mask_weared_incorrect', size: 80, score: 0.02 },
];

function onnxWithMetadata(metadata: Record<string, string>): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 7,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  }).finish();
}

/** The fake evaluation's threshold tuned on "val": rounds to 0.25, which moves the test split and face crops. */
export const TUNED = 0.2492;

function evaluation(onnxPath: string, sha256: string, vocDir: string): EvaluationReport {
  const options = { classNames: CLASSES, threshold: 0.5, tunedThreshold: TUNED };
  const split = evaluateScoredSet('test split', SPLIT.labels, SPLIT.scores, options);
  const binary = FACES.filter((face) => CLASSES.includes(face.label as (typeof CLASSES)[number]));
  const labels = binary.map((face) => CLASSES.indexOf(face.label as (typeof CLASSES)[number]));
  const scores = binary.map((face) => face.score);
  const incorrect = FACES.filter((face) => face.label === 'mask_weared_incorrect');
  const voc: VocEvaluation = {
    dataset: 'scenes',
    dir: vocDir,
    images: 5,
    margin: 0.2,
    minFaceSize: 32,
    faces: { total: 10, evaluated: FACES.length, tooSmall: 2, byLabel: {} },
    binary: evaluateScoredSet('VOC face crops (scenes)', labels, scores, options),
    bySize: faceSizeBreakdown(
      labels,
      scores,
      binary.map((face) => face.size),
      0.5,
      CLASSES,
    ),
    incorrectlyWorn: {
      count: incorrect.length,
      predictedWithoutMask: 0,
      predictedWithMask: incorrect.length,
      meanScore: 0.16,
    },
    marginSweep: [],
  };
  return {
    schemaVersion: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    model: {
      kind: 'onnx',
      path: onnxPath,
      name: 'mask_detector',
      version: '1.0.0',
      sha256,
      classNames: [...CLASSES],
    },
    dataset: { dir: '', manifestSha256: 'f'.repeat(64), splitSizes: { test: 12 }, split: 'test' },
    threshold: {
      value: 0.5,
      source: 'default',
      tuned: { criterion: 'youden', threshold: TUNED, value: 0.83, split: 'val', count: 12 },
    },
    split,
    voc: [voc],
    figures: [],
    durationSeconds: 1,
  };
}

/**
 * Writes `<root>/runs/<FAKE_RUN_ID>/` (summary.json, mask_detector.onnx, evaluation/), the prepared dataset's
 * dataset.json and an MLflow file store holding the run's git tags. Returns the run folder.
 */
export async function writeFakeRun(root: string): Promise<string> {
  const runDir = path.join(root, 'runs', FAKE_RUN_ID);
  const datasetDir = path.join(root, 'prepared', 'chandrikadeb7');
  const tags = path.join(root, 'mlruns', '123', FAKE_RUN_ID, 'tags');
  await Promise.all(
    [runDir, datasetDir, tags, path.join(runDir, 'evaluation')].map((dir) => mkdir(dir, { recursive: true })),
  );
  const onnxFile = path.join(runDir, 'mask_detector.onnx');
  const bytes = onnxWithMetadata({ model_version: '1.0.0', training_run_id: FAKE_RUN_ID });
  await writeFile(onnxFile, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const manifestSha256 = 'f'.repeat(64);
  await writeFile(path.join(tags, 'mlflow.source.git.commit'), FAKE_COMMIT);
  await writeFile(path.join(tags, 'maskd.source.git.dirty'), 'false');
  await writeFile(
    path.join(datasetDir, 'dataset.json'),
    JSON.stringify({
      name: 'chandrikadeb7',
      source: { dir: '', relativeDir: '', files: [] },
      counts: { byClass: { with_mask: { train: 4, val: 1, test: 6 } } },
      droppedByReason: { exact_duplicate: 2 },
      manifest: { file: 'manifest.csv', sha256: manifestSha256, rows: 30 },
    }),
  );
  const phase = {
    epochs: 2,
    learningRate: 0.001,
    schedule: { type: 'cosine' },
    earlyStopping: { patience: 3 },
  };
  const summary = {
    runId: FAKE_RUN_ID,
    runDir,
    experiment: 'maskd-mask-classifier',
    trackingUri: path.join(root, 'mlruns'),
    config: {
      seed: 42,
      batchSize: 32,
      model: { weights: '{shared}/weights/mobilenet_v2_1.0_224_no_top', headUnits: 128, dropout: 0.5 },
      augmentation: { enabled: true },
      head: phase,
      fineTune: { ...phase, unfreezeBlocks: 3 },
      export: { modelVersion: '1.0.0' },
    },
    dataset: { dir: datasetDir, manifestSha256, splits: { train: 10, val: 12, test: 12 } },
    backend: 'wasm',
    model: { alpha: 1, inputSize: 224, checkpointDir: path.join(runDir, 'model') },
    phases: [
      {
        phase: 'head',
        epochsRun: 2,
        bestEpoch: 2,
        bestValLoss: 0.1,
        stoppedEarly: false,
        seconds: 60,
        cutLayer: 'head_pool',
        trainableParameters: 10,
      },
      {
        phase: 'fine_tune',
        epochsRun: 2,
        bestEpoch: 1,
        bestValLoss: 0.05,
        stoppedEarly: false,
        seconds: 120,
        cutLayer: 'block_13_project_BN',
        trainableParameters: 20,
      },
    ],
    valLossBeforeFineTune: 0.1,
    valLossAfterFineTune: 0.05,
    fineTunedWeights: [],
    frozenWeightsUnchanged: true,
    featureWorker: { images: 1, prepareMsPerImage: 1, inferMsPerImage: 1 },
    seconds: { decode: 1, head: 60, fineTune: 120, export: 2, evaluation: 5, total: 188 },
    onnx: {
      file: onnxFile,
      bytes: bytes.byteLength,
      sha256,
      parity: { images: 4, maxAbsDiff: 1e-7, labelsAgree: true },
    },
  } as unknown as TrainingResult;
  await writeFile(path.join(runDir, 'summary.json'), JSON.stringify(summary));
  await writeFile(
    path.join(runDir, 'evaluation', EVALUATION_FILE),
    JSON.stringify(evaluation(onnxFile, sha256, path.join(root, 'scenes'))),
  );
  const rows = [
    ...SPLIT.labels.map((label, i) => ['test split', `img${i}.jpg`, CLASSES[label], '', SPLIT.scores[i]]),
    ...FACES.map((face, i) => [
      'VOC face crops (scenes)',
      `photo#${i}`,
      face.label,
      face.size.toFixed(1),
      face.score,
    ]),
  ];
  await writeFile(
    path.join(runDir, 'evaluation', PREDICTIONS_FILE),
    stringify(rows, { header: true, columns: PREDICTIONS_COLUMNS }),
  );
  return runDir;
}
