import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeEvaluationFigures } from './figures';
import type { TrainingHistoryRow } from './history';
import { evaluateScoredSet } from './scored-set';
import { renderSvg } from './vega-render';
import { confusionMatrixSpec } from './charts';

const CLASSES = ['with_mask', 'without_mask'] as const;

function syntheticSet(count: number, separation: number, seed: number) {
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  const labels = Array.from({ length: count }, () => (random() < 0.45 ? 1 : 0));
  const scores = labels.map((y) => 1 / (1 + Math.exp(-(separation * (y - 0.5) + (random() - 0.5) * 6))));
  return { labels, scores };
}

const history: TrainingHistoryRow[] = [
  ...[1, 2, 3].map((epoch) => ({
    phase: 'head' as const,
    epoch,
    loss: 0.6 / epoch,
    accuracy: 0.8 + epoch * 0.04,
    val_loss: 0.5 / epoch,
    val_accuracy: 0.85 + epoch * 0.03,
    lr: 1e-3,
  })),
  { phase: 'fine_tune', epoch: 1, loss: 0.1, accuracy: 0.97, val_loss: null, val_accuracy: null, lr: 1e-5 },
];

describe('writeEvaluationFigures', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'maskd-figures-'))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('renders every figure as a readable PNG with content', async () => {
    const test = syntheticSet(300, 10, 3);
    const voc = syntheticSet(120, 3, 11);
    const options = { classNames: CLASSES, threshold: 0.5 };
    const sets = [
      { ...test, evaluation: evaluateScoredSet('test split', test.labels, test.scores, options) },
      { ...voc, evaluation: evaluateScoredSet('VOC face crops', voc.labels, voc.scores, options) },
    ];
    const figures = await writeEvaluationFigures(
      { prefix: 'classifier-test', classNames: CLASSES, sets, history },
      dir,
    );

    expect(figures.map((f) => f.id)).toEqual([
      'confusion-matrix-test-split',
      'confusion-matrix-voc-face-crops',
      'roc-curve',
      'precision-recall',
      'score-histogram',
      'training-curves',
    ]);
    for (const figure of figures) {
      expect(figure.file).toBe(join(dir, `classifier-test-${figure.id}.png`));
      const image = sharp(figure.file);
      const { format, width, height } = await image.metadata();
      expect(format).toBe('png');
      expect(width).toBeGreaterThan(500);
      expect(height).toBeGreaterThan(400);
      // Not a blank canvas: dark pixels (text, lines) exist next to the white background.
      const { channels } = await image.stats();
      expect(channels[0].min).toBeLessThan(80);
      expect(channels[0].max).toBe(255);
    }
  });

  it('skips the curves when a set has only one class and the training curves without a history', async () => {
    const labels = [0, 0, 0];
    const scores = [0.1, 0.2, 0.7];
    const evaluation = evaluateScoredSet('one class', labels, scores, {
      classNames: CLASSES,
      threshold: 0.5,
    });
    const figures = await writeEvaluationFigures(
      { prefix: 'p', classNames: CLASSES, sets: [{ evaluation, labels, scores }] },
      dir,
    );
    expect(figures.map((f) => f.id)).toEqual(['confusion-matrix-one-class', 'score-histogram']);
  });
});

describe('renderSvg', () => {
  it('draws the counts and class names as text in the configured font', async () => {
    const svg = await renderSvg(
      confusionMatrixSpec(
        [
          [12, 3],
          [4, 21],
        ],
        CLASSES,
        'title',
      ),
    );
    for (const text of ['>12<', '>21<', '>with_mask<', '>without_mask<', '>80.0%<', 'DejaVu Sans']) {
      expect(svg).toContain(text);
    }
  });
});
