import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '@maskd/imaging';
import { parseModelCard } from '@maskd/inference';
import { MetricsMismatchError } from './card-metrics';
import { renderModelCardMarkdown } from './card-markdown';
import { installModel } from './install-model';
import { RunArtifactsError } from './run-artifacts';
import { FAKE_COMMIT, FAKE_RUN_ID, writeFakeRun } from './testing/fake-run';

const NOTES = path.join(repoRoot(), 'training', 'release', 'mask_detector.yaml');

describe('installModel (a made-up run folder)', () => {
  let root: string;
  let runDir: string;
  let models: string;
  const install = (threshold: 'val' | number = 'val') =>
    installModel({
      runDir,
      modelsDir: models,
      releaseNotes: NOTES,
      threshold,
      command: 'npm run model:install (spec)',
    });

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'maskd-install-'));
    runDir = await writeFakeRun(root);
    models = path.join(root, 'models');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('copies the ONNX file and writes cards the service accepts, at the threshold tuned on validation', async () => {
    const { card, files, verified } = await install();

    expect(verified.card.sha256).toBe(card.sha256);
    expect(parseModelCard(JSON.parse(await readFile(files.json, 'utf8')))).toEqual(card);
    expect(card).toMatchObject({
      name: 'mask_detector',
      version: '1.0.0',
      status: 'trained',
      threshold: 0.25,
      training_run_id: FAKE_RUN_ID,
      threshold_selection: {
        value: 0.25,
        source: 'validation split',
        tuned: { split: 'val', threshold: 0.2492 },
      },
      training: { run_id: FAKE_RUN_ID, git_commit: FAKE_COMMIT, git_dirty: false },
      dataset: {
        name: 'chandrikadeb7',
        manifest_sha256: 'f'.repeat(64),
        licence: expect.stringMatching(/^MIT/),
      },
      licenses: { code: 'MIT', weights: 'Apache-2.0', data: { andrewmvd_scenes_dev: 'CC0' } },
      input: { resize_mode: 'squash', normalization: 'x/127.5-1' },
    });
    expect(card.training.mlflow.tracking_uri).not.toMatch(/^\//);
    expect(card.provenance.onnx_metadata).toEqual({ model_version: '1.0.0', training_run_id: FAKE_RUN_ID });
  });

  it('recomputes every metric at the shipped threshold from the per-sample scores', async () => {
    const { card } = await install();
    // Test split at 0.25: the unmasked image at 0.3 is now caught; the masked one at 0.6 stays a false alarm.
    expect(card.metrics.test_split).toMatchObject({
      threshold: 0.25,
      count: 12,
      accuracy: 11 / 12,
      confusion_matrix: {
        labels: ['with_mask', 'without_mask'],
        counts: [
          [5, 1],
          [0, 6],
        ],
      },
      recall: { with_mask: 5 / 6, without_mask: 1 },
      roc_auc: expect.any(Number),
    });
    const crops = card.metrics.face_crops.scenes;
    // p >= threshold is without_mask: the unmasked face at exactly 0.25 counts as caught.
    expect(crops.confusion_matrix.counts).toEqual([
      [2, 1],
      [0, 3],
    ]);
    expect(crops.by_face_size).toEqual([
      {
        face_size_px: '32-64',
        count: 3,
        class_counts: { with_mask: 2, without_mask: 1 },
        accuracy: 2 / 3,
        recall: { with_mask: 0.5, without_mask: 1 },
      },
      {
        face_size_px: '>64',
        count: 3,
        class_counts: { with_mask: 1, without_mask: 2 },
        accuracy: 1,
        recall: { with_mask: 1, without_mask: 1 },
      },
    ]);
    expect(crops.mask_weared_incorrect).toMatchObject({
      count: 2,
      predicted: { with_mask: 1, without_mask: 1 },
    });
    expect(crops.crops).toEqual({ photos: 5, margin: 0.2, min_face_size_px: 32, faces_too_small: 2 });
    // Each set at 0.5 and at the shipped threshold, side by side.
    expect(card.threshold_selection.comparison.map((p) => [p.set, p.threshold, p.errors])).toEqual([
      ['test split', 0.5, { with_mask: 1, without_mask: 1 }],
      ['test split', 0.25, { with_mask: 1, without_mask: 0 }],
      ['VOC face crops (scenes)', 0.5, { with_mask: 0, without_mask: 2 }],
      ['VOC face crops (scenes)', 0.25, { with_mask: 1, without_mask: 0 }],
    ]);
    expect(card.limitations).toEqual(
      expect.arrayContaining([
        'Face crops of scenes: 1 of 2 faces labelled mask_weared_incorrect were called with_mask.',
        expect.stringMatching(
          /^With the threshold at 0.25, a without_mask answer can come with a confidence/,
        ),
      ]),
    );
  });

  it('writes the Markdown card from the same data', async () => {
    const { card, files } = await install(0.4);
    const markdown = await readFile(files.markdown, 'utf8');
    expect(markdown).toBe(renderModelCardMarkdown(card, 'npm run model:install (spec)'));
    expect(card.threshold_selection).toMatchObject({
      value: 0.4,
      source: 'option',
      tuned: { threshold: 0.2492 },
    });
    for (const text of [
      card.sha256,
      FAKE_RUN_ID,
      'without_mask if P(without_mask) >= **0.4**',
      '| test split | 12 |',
    ]) {
      expect(markdown).toContain(text);
    }
  });

  it('refuses a run whose ONNX file changed after training', async () => {
    await writeFile(path.join(runDir, 'mask_detector.onnx'), 'something else');
    await expect(install()).rejects.toThrow(RunArtifactsError);
    await expect(install()).rejects.toThrow(/has changed since training/);
  });

  it('refuses scores that do not reproduce the evaluation report', async () => {
    const csv = path.join(runDir, 'evaluation', 'predictions.csv');
    await writeFile(csv, (await readFile(csv, 'utf8')).replace(',0.6\n', ',0.4\n'));
    await expect(install()).rejects.toThrow(MetricsMismatchError);
  });

  it('needs a threshold when the evaluation tuned none on the validation split', async () => {
    const file = path.join(runDir, 'evaluation', 'evaluation.json');
    const evaluation = JSON.parse(await readFile(file, 'utf8'));
    delete evaluation.threshold.tuned;
    await writeFile(file, JSON.stringify(evaluation));
    await expect(install()).rejects.toThrow(/no threshold tuned on the validation split/);
    await expect(install(0.5)).resolves.toMatchObject({ card: { threshold: 0.5 } });
  });
});
