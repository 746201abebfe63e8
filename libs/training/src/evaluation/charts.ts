import type { TopLevelSpec } from 'vega-lite/build/index';
import type { TrainingHistoryRow } from './history';
import type { PrPoint, RocPoint } from './metrics';
import { CHART_FONT } from './vega-render';

/*
 * Vega-Lite specs of the evaluation figures. Several evaluation sets (test split, VOC face crops) share one
 * ROC / PR / histogram chart so the gap between the training distribution and real photos is visible at once.
 */

export interface CurveSeries<P> {
  /** Legend label, e.g. "test split (AUC 0.998)". */
  name: string;
  points: P[];
  /** The operating point at the decision threshold, drawn as a dot. */
  operatingPoint?: P;
}

export interface ScoreSeries {
  name: string;
  labels: ArrayLike<number>;
  scores: ArrayLike<number>;
}

const CONFIG = {
  font: CHART_FONT,
  title: { fontSize: 15, anchor: 'start', offset: 12 },
  axis: { labelFontSize: 12, titleFontSize: 13, grid: true, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 12, titleFontSize: 12, labelLimit: 0, orient: 'bottom', direction: 'vertical' },
  header: { labelFontSize: 13, titleFontSize: 13 },
  view: { stroke: '#bbbbbb' },
  background: 'white',
  padding: 12,
} as const;

const MATRIX_AXIS = { labelAngle: 0, grid: false, ticks: false, domain: false, labelPadding: 6 } as const;

/** A title, or a title and subtitle lines. */
function titleBlock(title: string | string[]) {
  const [text, ...subtitle] = typeof title === 'string' ? [title] : title;
  return { text, subtitle, subtitleFontSize: 13, subtitleColor: '#555555' };
}

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

/** Counts with the row share (recall of the actual class) in each cell; darker = larger share. */
export function confusionMatrixSpec(
  matrix: number[][],
  classNames: readonly string[],
  title: string | string[],
): TopLevelSpec {
  const values = matrix.flatMap((row, actual) => {
    const total = row.reduce((sum, count) => sum + count, 0);
    return row.map((count, predicted) => {
      const share = total === 0 ? 0 : count / total;
      return {
        actual: classNames[actual],
        predicted: classNames[predicted],
        count,
        share,
        label: [String(count), percent(share)],
      };
    });
  });
  const axisOrder = [...classNames];
  return {
    title: titleBlock(title),
    config: CONFIG,
    width: 150 * classNames.length,
    height: 110 * classNames.length,
    data: { values },
    encoding: {
      x: {
        field: 'predicted',
        type: 'nominal',
        sort: axisOrder,
        title: 'Predicted',
        axis: { ...MATRIX_AXIS, orient: 'top' },
      },
      y: { field: 'actual', type: 'nominal', sort: axisOrder, title: 'Actual', axis: MATRIX_AXIS },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
        encoding: {
          color: {
            field: 'share',
            type: 'quantitative',
            scale: { scheme: 'blues', domain: [0, 1] },
            legend: null,
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 16, lineHeight: 20, baseline: 'middle' },
        encoding: {
          text: { field: 'label' },
          color: { condition: { test: 'datum.share > 0.55', value: 'white' }, value: '#222222' },
        },
      },
    ],
  };
}

function curveSpec<P extends object>(
  title: string | string[],
  series: CurveSeries<P>[],
  axes: { x: keyof P & string; y: keyof P & string; xTitle: string; yTitle: string },
  interpolate: 'linear' | 'step-before',
  reference: { x: number; y: number }[] | undefined,
): TopLevelSpec {
  const names = series.map((s) => s.name);
  const lines = series.flatMap((s) => s.points.map((p, order) => ({ ...p, series: s.name, order })));
  const dots = series.flatMap((s) => (s.operatingPoint ? [{ ...s.operatingPoint, series: s.name }] : []));
  const scale = { domain: [0, 1], nice: false, zero: true };
  const x = { field: axes.x, type: 'quantitative', scale, title: axes.xTitle } as const;
  const y = { field: axes.y, type: 'quantitative', scale, title: axes.yTitle } as const;
  const color = { field: 'series', type: 'nominal', title: null, scale: { domain: names } } as const;
  return {
    title: titleBlock(title),
    config: CONFIG,
    width: 380,
    height: 380,
    layer: [
      ...(reference
        ? [
            {
              data: { values: reference },
              mark: { type: 'line', color: '#999999', strokeDash: [4, 4], strokeWidth: 1 },
              encoding: { x: { ...x, field: 'x' }, y: { ...y, field: 'y' } },
            } as const,
          ]
        : []),
      {
        data: { values: lines },
        mark: { type: 'line', strokeWidth: 2.2, interpolate, clip: true },
        encoding: { x, y, color, order: { field: 'order', type: 'quantitative' } },
      },
      {
        data: { values: dots },
        mark: { type: 'point', filled: true, size: 70, stroke: 'black', strokeWidth: 1, opacity: 1 },
        encoding: { x, y, color },
      },
    ],
  } as TopLevelSpec;
}

export function rocCurveSpec(
  series: CurveSeries<RocPoint>[],
  title: string | string[] = ['ROC curve', 'positive class: without_mask; dots: decision threshold'],
): TopLevelSpec {
  return curveSpec(
    title,
    series.map((s) => ({ ...s, points: s.points.map(({ fpr, tpr }) => ({ fpr, tpr }) as RocPoint) })),
    { x: 'fpr', y: 'tpr', xTitle: 'False positive rate', yTitle: 'True positive rate' },
    'linear',
    [
      { x: 0, y: 0 },
      { x: 1, y: 1 },
    ],
  );
}

export function precisionRecallSpec(
  series: CurveSeries<PrPoint>[],
  title: string | string[] = [
    'Precision-recall curve',
    'positive class: without_mask; dots: decision threshold',
  ],
): TopLevelSpec {
  return curveSpec(
    title,
    series.map((s) => ({
      ...s,
      points: s.points.map(({ precision, recall }) => ({ precision, recall }) as PrPoint),
    })),
    { x: 'recall', y: 'precision', xTitle: 'Recall', yTitle: 'Precision' },
    'step-before',
    undefined,
  );
}

/** Loss and accuracy per epoch, training and validation, with the start of fine-tuning marked. */
export function trainingCurvesSpec(history: TrainingHistoryRow[], title = 'Training curves'): TopLevelSpec {
  const values = history.flatMap((row, index) => {
    const epoch = index + 1;
    const base = { epoch, phase: row.phase === 'head' ? 'head (frozen backbone)' : 'fine-tuning' };
    return [
      { ...base, metric: 'loss', split: 'training', value: row.loss },
      { ...base, metric: 'accuracy', split: 'training', value: row.accuracy },
      { ...base, metric: 'loss', split: 'validation', value: row.val_loss },
      { ...base, metric: 'accuracy', split: 'validation', value: row.val_accuracy },
    ].filter((v) => v.value !== null);
  });
  const firstFineTune = history.findIndex((row) => row.phase === 'fine_tune');
  const boundary = firstFineTune > 0 ? [{ epoch: firstFineTune + 0.5, label: 'fine-tuning starts' }] : [];
  const panel = (metric: 'loss' | 'accuracy') => ({
    width: 360,
    height: 260,
    title: { text: metric === 'loss' ? 'Loss (binary cross-entropy)' : 'Accuracy', fontSize: 13 },
    layer: [
      {
        data: { values: values.filter((v) => v.metric === metric) },
        mark: { type: 'line', point: true, strokeWidth: 2 },
        encoding: {
          x: {
            field: 'epoch',
            type: 'quantitative',
            title: 'Epoch (both phases)',
            axis: { tickMinStep: 1, format: 'd' },
          },
          y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
          color: {
            field: 'split',
            type: 'nominal',
            title: null,
            scale: { domain: ['training', 'validation'] },
          },
        },
      },
      {
        data: { values: boundary },
        mark: { type: 'rule', color: '#777777', strokeDash: [5, 4] },
        encoding: { x: { field: 'epoch', type: 'quantitative' } },
      },
      {
        data: { values: boundary },
        mark: { type: 'text', align: 'left', dx: 4, baseline: 'top', color: '#555555', fontSize: 11 },
        encoding: { x: { field: 'epoch', type: 'quantitative' }, y: { value: 4 }, text: { field: 'label' } },
      },
    ],
  });
  return {
    title,
    config: CONFIG,
    hconcat: [panel('loss'), panel('accuracy')],
    resolve: { scale: { color: 'shared' } },
  } as TopLevelSpec;
}

/**
 * Distribution of P(without_mask) by true class, one row per evaluation set, drawn as step outlines so the two
 * classes stay readable where they overlap; square-root counts keep the sparse middle bins visible.
 */
export function scoreHistogramSpec(
  series: ScoreSeries[],
  classNames: readonly string[],
  title = 'P(without_mask) by true class (square-root count scale)',
): TopLevelSpec {
  const bins = 20;
  const values = series.flatMap((s) =>
    classNames.flatMap((actual, label) => {
      const counts = new Array<number>(bins).fill(0);
      for (let i = 0; i < s.scores.length; i++) {
        if (s.labels[i] === label)
          counts[Math.min(bins - 1, Math.max(0, Math.floor(s.scores[i] * bins)))] += 1;
      }
      // step-after: each point holds its bin's count up to the next point; the last one closes the final bin.
      return [...counts, counts[bins - 1]].map((count, bin) => ({
        set: s.name,
        actual,
        score: bin / bins,
        count,
      }));
    }),
  );
  return {
    title,
    config: CONFIG,
    data: { values },
    facet: {
      row: {
        field: 'set',
        type: 'nominal',
        title: null,
        sort: series.map((s) => s.name),
        header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top' },
      },
    },
    spec: {
      width: 420,
      height: 160,
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2 },
      encoding: {
        x: {
          field: 'score',
          type: 'quantitative',
          scale: { domain: [0, 1], nice: false },
          title: 'P(without_mask)',
        },
        y: { field: 'count', type: 'quantitative', scale: { type: 'sqrt' }, title: 'samples' },
        color: { field: 'actual', type: 'nominal', title: 'true class', scale: { domain: [...classNames] } },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}
