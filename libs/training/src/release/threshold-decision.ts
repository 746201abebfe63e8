import { cumulativeCounts, shippedThreshold, thresholdObjective } from '../evaluation/metrics';
import type { EvaluationReport } from '../evaluation/types';

/** `val`: the threshold the run's evaluation tuned on the validation split; a number: that threshold. */
export type ThresholdOption = 'val' | number;

export interface ThresholdDecision {
  /** P(class 1) at or above which class 1 is predicted. */
  value: number;
  source: 'validation split' | 'option';
  /** How it was chosen, in one sentence. */
  method: string;
  /** The tuning result it came from (also recorded when an explicit threshold overrides it). */
  tuned?: { split: string; count: number; criterion: string; threshold: number; objective: number };
  /** How sharply the validation split pins the threshold down (absent when its images could not be re-scored). */
  sensitivity?: ThresholdSensitivity;
}

/** Per-sample scores of the split the threshold was tuned on (label 1 = the positive class). */
export interface TuningScores {
  labels: ArrayLike<number>;
  scores: ArrayLike<number>;
}

export interface ThresholdSensitivity {
  /**
   * Every threshold t with above < t <= upTo classifies the tuning split exactly as the shipped one does, so all
   * of them score the same objective; `best` says whether that is the split's best objective.
   */
  equallyGood: { above: number; upTo: number; objective: number; best: boolean };
  /** Tuning-split images classified differently at the shipped threshold and at `reference`, per true class. */
  decidedAgainstReference: { reference: number; images: number; perClass: number[] };
}

const CRITERIA: Record<string, string> = {
  youden: "Youden's J (TPR - FPR, i.e. balanced accuracy)",
  f1: 'F1 of the positive class',
};

/**
 * The shipped decision threshold. By default the one the run's evaluation tuned on the validation split (never
 * on the test split or the photo crops, which stay unbiased estimates), rounded to two decimals.
 */
export function decideThreshold(
  evaluation: EvaluationReport,
  option: ThresholdOption,
  tuning?: TuningScores,
): ThresholdDecision {
  const tuned = evaluation.threshold.tuned;
  const tunedRecord = tuned && {
    split: tuned.split,
    count: tuned.count,
    criterion: tuned.criterion,
    threshold: tuned.threshold,
    objective: tuned.value,
  };
  const sensitivity = (value: number) =>
    tuning && tunedRecord ? { sensitivity: thresholdSensitivity(tuning, value, tunedRecord.criterion) } : {};
  if (option !== 'val') {
    if (!(option > 0 && option < 1)) throw new RangeError(`threshold must be between 0 and 1, got ${option}`);
    return {
      value: option,
      source: 'option',
      method: `set explicitly when the model was installed`,
      ...(tunedRecord ? { tuned: tunedRecord } : {}),
      ...sensitivity(option),
    };
  }
  if (!tunedRecord || tunedRecord.split !== 'val') {
    throw new Error(
      'the run has no threshold tuned on the validation split (its evaluation ran without --tune-split val); ' +
        'pass --threshold <p>',
    );
  }
  const value = shippedThreshold(tunedRecord.threshold);
  return {
    value,
    source: 'validation split',
    method:
      `maximises ${CRITERIA[tunedRecord.criterion] ?? tunedRecord.criterion} on the validation split ` +
      `(${tunedRecord.count} images; ${tunedRecord.threshold.toFixed(4)}, rounded to two decimals); ` +
      'the test split and the photo crops were not used to choose it',
    tuned: tunedRecord,
    ...sensitivity(value),
  };
}

/**
 * The run of thresholds around `threshold` that classify the tuning split identically (no score falls between
 * them, so the objective cannot tell them apart), and how many of its images change class between `threshold`
 * and `reference`. Class 1 is predicted for scores >= the threshold, as everywhere in maskd.
 */
export function thresholdSensitivity(
  tuning: TuningScores,
  threshold: number,
  criterion: string,
  reference = 0.5,
): ThresholdSensitivity {
  const { labels, scores } = tuning;
  if (labels.length !== scores.length || labels.length === 0)
    throw new RangeError(
      `need as many labels as scores, at least one (got ${labels.length} and ${scores.length})`,
    );
  const { steps, positives, negatives } = cumulativeCounts(labels, scores);
  // Thresholds in (above, upTo] classify alike: one cut above the highest score, then one below each distinct score.
  const cuts = [
    { above: steps[0].threshold, upTo: 1, tp: 0, fp: 0 },
    ...steps.map(({ threshold: upTo, tp, fp }, i) => ({ above: steps[i + 1]?.threshold ?? 0, upTo, tp, fp })),
  ].map(({ above, upTo, tp, fp }) => ({
    above,
    upTo,
    objective: thresholdObjective(criterion, tp, fp, positives, negatives),
  }));
  const at = cuts.findIndex((cut) => cut.above < threshold && threshold <= cut.upTo);
  if (at < 0) throw new RangeError(`threshold must be in (0, 1], got ${threshold}`);
  const same = (i: number) =>
    i >= 0 && i < cuts.length && Math.abs(cuts[i].objective - cuts[at].objective) <= 1e-12;
  let first = at;
  let last = at;
  while (same(first - 1)) first--;
  while (same(last + 1)) last++;
  const best = Math.max(...cuts.map((cut) => cut.objective));

  const [low, high] = [Math.min(threshold, reference), Math.max(threshold, reference)];
  const perClass = [0, 0];
  for (let i = 0; i < scores.length; i++) {
    if (scores[i] >= low && scores[i] < high) perClass[labels[i] === 1 ? 1 : 0]++;
  }
  return {
    equallyGood: {
      above: cuts[last].above,
      upTo: cuts[first].upTo,
      objective: cuts[at].objective,
      best: cuts[at].objective >= best - 1e-12,
    },
    decidedAgainstReference: { reference, images: perClass[0] + perClass[1], perClass },
  };
}
