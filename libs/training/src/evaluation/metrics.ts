/**
 * Binary classification metrics for the mask classifier: labels are class indices (1 = the positive class,
 * `without_mask`), scores are P(positive). A sample is predicted positive when `score >= threshold`.
 *
 * Conventions follow scikit-learn so numbers can be cross-checked: precision/recall/F1 that divide by zero are 0
 * (the support and prediction counts are reported next to them), ROC-AUC is the Mann-Whitney statistic with ties
 * counted as one half, average precision is the step-wise sum over distinct thresholds (no interpolation).
 * Undefined curve statistics (one class absent) are `null`, never a misleading 0 or 1.
 */

export interface ClassMetrics {
  className: string;
  precision: number;
  recall: number;
  f1: number;
  /** Samples whose true label is this class. */
  support: number;
  /** Samples predicted as this class. */
  predicted: number;
}

export interface ThresholdMetrics {
  threshold: number;
  count: number;
  accuracy: number;
  /** Wilson score 95% interval of the accuracy: how far the split size lets one trust it. */
  accuracyInterval95: [number, number];
  /** Mean of the per-class recalls; equals (1 + Youden's J) / 2. Insensitive to the class ratio. */
  balancedAccuracy: number;
  perClass: ClassMetrics[];
  macro: { precision: number; recall: number; f1: number };
  /** `confusionMatrix[actual][predicted]`, indices as in the class names. */
  confusionMatrix: number[][];
}

export interface RocPoint {
  threshold: number;
  fpr: number;
  tpr: number;
}

export interface PrPoint {
  threshold: number;
  precision: number;
  recall: number;
}

export type ThresholdCriterion = 'youden' | 'f1';

export interface ThresholdChoice {
  criterion: ThresholdCriterion;
  threshold: number;
  /** Youden's J (TPR - FPR) or the positive-class F1 at the chosen threshold. */
  value: number;
}

export interface ScoreSummary {
  rocAuc: number | null;
  averagePrecision: number | null;
  /** Mean squared error of the probability against the 0/1 label. */
  brierScore: number;
  /** Mean binary cross-entropy, probabilities clipped to [1e-7, 1 - 1e-7] as Keras does. */
  logLoss: number;
  /** Expected calibration error over equal-width probability bins. */
  expectedCalibrationError: number;
}

function assertSameLength(labels: ArrayLike<number>, scores: ArrayLike<number>): void {
  if (labels.length !== scores.length) {
    throw new RangeError(`labels (${labels.length}) and scores (${scores.length}) differ in length`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new RangeError(`label ${labels[i]} at ${i} is not 0 or 1`);
    if (!Number.isFinite(scores[i])) throw new RangeError(`score ${scores[i]} at ${i} is not finite`);
  }
}

const safeDivide = (numerator: number, denominator: number): number =>
  denominator === 0 ? 0 : numerator / denominator;

/**
 * Wilson score interval (z = 1.96) for `successes` out of `n`. The bounds are clamped around p because at
 * p = 0 or 1 the exact bound equals p but floating point can land a hair inside (0.9999999999999999).
 */
export function wilsonInterval(successes: number, n: number, z = 1.959964): [number, number] {
  if (n === 0) return [0, 1];
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const halfWidth = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, Math.min(p, centre - halfWidth)), Math.min(1, Math.max(p, centre + halfWidth))];
}

/** Accuracy, per-class and macro precision/recall/F1 and the confusion matrix at one threshold. */
export function thresholdMetrics(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold: number,
  classNames: readonly [string, string],
): ThresholdMetrics {
  assertSameLength(labels, scores);
  const matrix = [
    [0, 0],
    [0, 0],
  ];
  for (let i = 0; i < labels.length; i++) matrix[labels[i]][scores[i] >= threshold ? 1 : 0] += 1;
  const count = labels.length;
  const correct = matrix[0][0] + matrix[1][1];
  const perClass = classNames.map((className, c): ClassMetrics => {
    const support = matrix[c][0] + matrix[c][1];
    const predicted = matrix[0][c] + matrix[1][c];
    const precision = safeDivide(matrix[c][c], predicted);
    const recall = safeDivide(matrix[c][c], support);
    return {
      className,
      precision,
      recall,
      f1: safeDivide(2 * precision * recall, precision + recall),
      support,
      predicted,
    };
  });
  const mean = (pick: (m: ClassMetrics) => number) =>
    perClass.reduce((sum, m) => sum + pick(m), 0) / perClass.length;
  return {
    threshold,
    count,
    accuracy: safeDivide(correct, count),
    accuracyInterval95: wilsonInterval(correct, count),
    balancedAccuracy: mean((m) => m.recall),
    perClass,
    macro: { precision: mean((m) => m.precision), recall: mean((m) => m.recall), f1: mean((m) => m.f1) },
    confusionMatrix: matrix,
  };
}

/** Indices sorted by descending score, and the end of each run of tied scores. */
function descendingTieGroups(scores: ArrayLike<number>): { order: number[]; groupEnds: number[] } {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const groupEnds: number[] = [];
  for (let i = 0; i < order.length; i++) {
    if (i === order.length - 1 || scores[order[i + 1]] !== scores[order[i]]) groupEnds.push(i + 1);
  }
  return { order, groupEnds };
}

/** Cumulative true and false positives after each distinct threshold, highest threshold first. */
export function cumulativeCounts(labels: ArrayLike<number>, scores: ArrayLike<number>) {
  const { order, groupEnds } = descendingTieGroups(scores);
  const steps: { threshold: number; tp: number; fp: number }[] = [];
  let tp = 0;
  let fp = 0;
  let start = 0;
  for (const end of groupEnds) {
    for (let i = start; i < end; i++) {
      if (labels[order[i]] === 1) tp += 1;
      else fp += 1;
    }
    steps.push({ threshold: scores[order[end - 1]], tp, fp });
    start = end;
  }
  return { steps, positives: tp, negatives: fp };
}

/** ROC curve from (0, 0) at threshold +Infinity to (1, 1); tied scores form one (diagonal) segment. */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): RocPoint[] {
  assertSameLength(labels, scores);
  const { steps, positives, negatives } = cumulativeCounts(labels, scores);
  return [
    { threshold: Infinity, fpr: 0, tpr: 0 },
    ...steps.map((s) => ({
      threshold: s.threshold,
      fpr: safeDivide(s.fp, negatives),
      tpr: safeDivide(s.tp, positives),
    })),
  ];
}

/**
 * ROC-AUC as the probability that a random positive scores above a random negative, ties counting one half
 * (mid-ranks); equal to the trapezoidal area under `rocCurve`. `null` if either class is absent.
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  assertSameLength(labels, scores);
  const { order, groupEnds } = descendingTieGroups(scores);
  let positives = 0;
  let positiveRankSum = 0;
  let start = 0;
  for (const end of groupEnds) {
    // Ascending 1-based mid-rank of the tie group [start, end) in the descending order.
    const midRank = order.length - (start + end - 1) / 2;
    for (let i = start; i < end; i++) {
      if (labels[order[i]] === 1) {
        positives += 1;
        positiveRankSum += midRank;
      }
    }
    start = end;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Precision-recall curve, starting at (recall 0, precision 1) as scikit-learn does; `[]` without positives. */
export function precisionRecallCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): PrPoint[] {
  assertSameLength(labels, scores);
  const { steps, positives } = cumulativeCounts(labels, scores);
  if (positives === 0) return [];
  return [
    { threshold: Infinity, precision: 1, recall: 0 },
    ...steps.map((s) => ({
      threshold: s.threshold,
      precision: s.tp / (s.tp + s.fp),
      recall: s.tp / positives,
    })),
  ];
}

/** Average precision: sum over distinct thresholds of (recall gained) x precision. `null` without positives. */
export function averagePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  const curve = precisionRecallCurve(labels, scores);
  if (curve.length === 0) return null;
  let ap = 0;
  for (let i = 1; i < curve.length; i++) ap += (curve[i].recall - curve[i - 1].recall) * curve[i].precision;
  return ap;
}

/** The threshold a model card ships for a tuned one (see model:install): two decimals, within [0.01, 0.99]. */
export const shippedThreshold = (tuned: number): number =>
  Math.min(0.99, Math.max(0.01, Math.round(tuned * 100) / 100));

/** A threshold criterion's value at a cut that predicts `tp` positives and `fp` negatives as class 1. */
export function thresholdObjective(
  criterion: string,
  tp: number,
  fp: number,
  positives: number,
  negatives: number,
): number {
  if (criterion === 'youden') return tp / positives - fp / negatives;
  if (criterion === 'f1') return safeDivide(2 * tp, 2 * tp + fp + (positives - tp));
  throw new RangeError(`unknown threshold criterion ${criterion}`);
}

/**
 * The threshold maximising Youden's J (TPR - FPR, i.e. balanced accuracy) or the positive-class F1.
 * Candidates are the midpoints between adjacent distinct scores (so the choice does not sit on a training
 * sample's exact score); among equally good candidates the one closest to 0.5 wins, so the default is only
 * moved when the data says so. `null` when a class is absent.
 */
export function chooseThreshold(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  criterion: ThresholdCriterion,
): ThresholdChoice | null {
  assertSameLength(labels, scores);
  const { steps, positives, negatives } = cumulativeCounts(labels, scores);
  if (positives === 0 || negatives === 0) return null;
  let best: ThresholdChoice | null = null;
  for (let i = 0; i < steps.length; i++) {
    const { tp, fp } = steps[i];
    // Predicting positive for every score >= steps[i].threshold: place the cut below it, above the next score.
    const next = i + 1 < steps.length ? steps[i + 1].threshold : Math.max(0, steps[i].threshold - 1e-6);
    const threshold = i + 1 < steps.length ? (steps[i].threshold + next) / 2 : next;
    const value = thresholdObjective(criterion, tp, fp, positives, negatives);
    const better =
      best === null ||
      value > best.value + 1e-12 ||
      (Math.abs(value - best.value) <= 1e-12 && Math.abs(threshold - 0.5) < Math.abs(best.threshold - 0.5));
    if (better) best = { criterion, threshold, value };
  }
  return best;
}

/** Threshold-free summaries: ranking quality (ROC-AUC, AP) and probability quality (Brier, log loss, ECE). */
export function scoreSummary(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  calibrationBins = 10,
): ScoreSummary {
  assertSameLength(labels, scores);
  const n = labels.length;
  let brier = 0;
  let logLoss = 0;
  const binCount = new Array<number>(calibrationBins).fill(0);
  const binScore = new Array<number>(calibrationBins).fill(0);
  const binPositive = new Array<number>(calibrationBins).fill(0);
  for (let i = 0; i < n; i++) {
    const p = scores[i];
    const clipped = Math.min(1 - 1e-7, Math.max(1e-7, p));
    brier += (p - labels[i]) ** 2;
    logLoss -= labels[i] === 1 ? Math.log(clipped) : Math.log(1 - clipped);
    const bin = Math.min(calibrationBins - 1, Math.max(0, Math.floor(p * calibrationBins)));
    binCount[bin] += 1;
    binScore[bin] += p;
    binPositive[bin] += labels[i];
  }
  let ece = 0;
  for (let b = 0; b < calibrationBins; b++) {
    if (binCount[b] > 0) ece += Math.abs(binScore[b] - binPositive[b]) / Math.max(n, 1);
  }
  return {
    rocAuc: rocAuc(labels, scores),
    averagePrecision: averagePrecision(labels, scores),
    brierScore: safeDivide(brier, n),
    logLoss: safeDivide(logLoss, n),
    expectedCalibrationError: ece,
  };
}
