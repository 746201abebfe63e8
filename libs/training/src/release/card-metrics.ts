// A run's evaluation re-read at the shipped threshold, from its per-sample scores (no model run needed).
import { thresholdMetrics, scoreSummary, type ThresholdMetrics } from '../evaluation/metrics';
import type { EvaluationReport, FaceSizeBreakdown, SetEvaluation, VocEvaluation } from '../evaluation/types';
import { faceSizeBreakdown, INCORRECTLY_WORN_LABEL } from '../evaluation/voc-crops';
import type { ScoredSample } from './run-artifacts';

type ByClass<T> = Record<string, T>;

export interface CardSetMetrics {
  /** The set's name, as in the evaluation report. */
  set: string;
  count: number;
  class_counts: ByClass<number>;
  threshold: number;
  accuracy: number;
  accuracy_95ci: [number, number];
  balanced_accuracy: number;
  precision: ByClass<number> & { macro: number };
  recall: ByClass<number> & { macro: number };
  f1: ByClass<number> & { macro: number };
  roc_auc: number | null;
  average_precision: number | null;
  brier_score: number;
  confusion_matrix: { rows: 'actual'; columns: 'predicted'; labels: string[]; counts: number[][] };
}

export interface CardFaceCropMetrics extends CardSetMetrics {
  crops: { photos: number; margin: number; min_face_size_px: number; faces_too_small: number };
  by_face_size: {
    face_size_px: string;
    count: number;
    class_counts: ByClass<number>;
    accuracy: number;
    recall: ByClass<number | null>;
  }[];
  mask_weared_incorrect: {
    count: number;
    predicted: ByClass<number>;
    mean_p_positive: number | null;
  };
}

/** The headline numbers of one set at one threshold, for comparing thresholds. */
export interface OperatingPoint {
  set: string;
  threshold: number;
  accuracy: number;
  balanced_accuracy: number;
  recall: ByClass<number>;
  errors: ByClass<number>;
}

export class MetricsMismatchError extends Error {
  override readonly name = 'MetricsMismatchError';
}

const perClass = (m: ThresholdMetrics, pick: 'precision' | 'recall' | 'f1') => ({
  ...Object.fromEntries(m.perClass.map((c) => [c.className, c[pick]])),
  macro: m.macro[pick],
});

function samplesOf(predictions: readonly ScoredSample[], set: SetEvaluation, classNames: readonly string[]) {
  const rows = predictions.filter((row) => row.set === set.name);
  const binary = rows.filter((row) => classNames.includes(row.label));
  if (binary.length !== set.count) {
    throw new MetricsMismatchError(
      `predictions.csv has ${binary.length} scored samples of '${set.name}', evaluation.json ${set.count}`,
    );
  }
  return {
    rows,
    binary,
    labels: binary.map((row) => classNames.indexOf(row.label)),
    scores: binary.map((row) => row.score),
  };
}

function setMetrics(
  set: SetEvaluation,
  labels: number[],
  scores: number[],
  threshold: number,
  classNames: readonly [string, string],
): CardSetMetrics {
  const m = thresholdMetrics(labels, scores, threshold, classNames);
  const summary = scoreSummary(labels, scores);
  return {
    set: set.name,
    count: m.count,
    class_counts: Object.fromEntries(m.perClass.map((c) => [c.className, c.support])),
    threshold,
    accuracy: m.accuracy,
    accuracy_95ci: m.accuracyInterval95,
    balanced_accuracy: m.balancedAccuracy,
    precision: perClass(m, 'precision'),
    recall: perClass(m, 'recall'),
    f1: perClass(m, 'f1'),
    roc_auc: summary.rocAuc,
    average_precision: summary.averagePrecision,
    brier_score: summary.brierScore,
    confusion_matrix: {
      rows: 'actual',
      columns: 'predicted',
      labels: [...classNames],
      counts: m.confusionMatrix,
    },
  };
}

const sizeRows = (breakdown: FaceSizeBreakdown[], classNames: readonly [string, string]) =>
  breakdown.map((b) => ({
    face_size_px: b.bucket,
    count: b.count,
    class_counts: { [classNames[0]]: b.classCounts[0], [classNames[1]]: b.classCounts[1] },
    accuracy: b.accuracy,
    recall: { [classNames[0]]: b.recall[0], [classNames[1]]: b.recall[1] },
  }));

function faceCropMetrics(
  voc: VocEvaluation,
  predictions: readonly ScoredSample[],
  threshold: number,
  classNames: readonly [string, string],
): CardFaceCropMetrics {
  const { rows, binary, labels, scores } = samplesOf(predictions, voc.binary, classNames);
  const sizes = binary.map((row) => row.faceSizePx ?? Number.NaN);
  const bySize = faceSizeBreakdown(labels, scores, sizes, threshold, classNames);
  const incorrect = rows.filter((row) => row.label === INCORRECTLY_WORN_LABEL).map((row) => row.score);
  const positives = incorrect.filter((score) => score >= threshold).length;
  return {
    ...setMetrics(voc.binary, labels, scores, threshold, classNames),
    crops: {
      photos: voc.images,
      margin: voc.margin,
      min_face_size_px: voc.minFaceSize,
      faces_too_small: voc.faces.tooSmall,
    },
    by_face_size: sizeRows(bySize, classNames),
    mask_weared_incorrect: {
      count: incorrect.length,
      predicted: { [classNames[0]]: incorrect.length - positives, [classNames[1]]: positives },
      mean_p_positive:
        incorrect.length === 0 ? null : incorrect.reduce((sum, score) => sum + score, 0) / incorrect.length,
    },
  };
}

/**
 * Checks that predictions.csv and evaluation.json describe the same samples: the evaluation's own threshold,
 * applied to the per-sample scores, must reproduce its confusion matrices and face-size tables exactly.
 */
export function checkPredictions(evaluation: EvaluationReport, predictions: readonly ScoredSample[]): void {
  const classNames = evaluation.model.classNames;
  const threshold = evaluation.threshold.value;
  const check = (what: string, recomputed: unknown, reported: unknown) => {
    if (JSON.stringify(recomputed) !== JSON.stringify(reported)) {
      throw new MetricsMismatchError(`predictions.csv does not reproduce evaluation.json: ${what}`);
    }
  };
  const split = samplesOf(predictions, evaluation.split, classNames);
  check(
    `${evaluation.split.name} confusion matrix`,
    thresholdMetrics(split.labels, split.scores, threshold, classNames).confusionMatrix,
    evaluation.split.atThreshold.confusionMatrix,
  );
  for (const voc of evaluation.voc) {
    const metrics = faceCropMetrics(voc, predictions, threshold, classNames);
    check(
      `${voc.binary.name} confusion matrix`,
      metrics.confusion_matrix.counts,
      voc.binary.atThreshold.confusionMatrix,
    );
    check(`${voc.binary.name} by face size`, metrics.by_face_size, sizeRows(voc.bySize, classNames));
  }
}

/**
 * Every set of a run's evaluation (the test split and each set of face crops) at `threshold`, recomputed from
 * predictions.csv (which `checkPredictions` has matched against evaluation.json).
 */
export function metricsAtThreshold(
  evaluation: EvaluationReport,
  predictions: readonly ScoredSample[],
  threshold: number,
): { testSplit: CardSetMetrics; faceCrops: Record<string, CardFaceCropMetrics> } {
  const classNames = evaluation.model.classNames;
  const split = samplesOf(predictions, evaluation.split, classNames);
  const faceCrops: Record<string, CardFaceCropMetrics> = {};
  for (const voc of evaluation.voc) {
    faceCrops[voc.dataset] = faceCropMetrics(voc, predictions, threshold, classNames);
  }
  return {
    testSplit: setMetrics(evaluation.split, split.labels, split.scores, threshold, classNames),
    faceCrops,
  };
}

export function operatingPoint(metrics: CardSetMetrics): OperatingPoint {
  const [labelA, labelB] = metrics.confusion_matrix.labels;
  const [[, falsePositives], [falseNegatives]] = metrics.confusion_matrix.counts;
  return {
    set: metrics.set,
    threshold: metrics.threshold,
    accuracy: metrics.accuracy,
    balanced_accuracy: metrics.balanced_accuracy,
    recall: { [labelA]: metrics.recall[labelA], [labelB]: metrics.recall[labelB] },
    // Errors by true class: a labelA sample called labelB, and the other way round.
    errors: { [labelA]: falsePositives, [labelB]: falseNegatives },
  };
}
