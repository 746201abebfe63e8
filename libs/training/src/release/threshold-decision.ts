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
}

const CRITERIA: Record<string, string> = {
  youden: "Youden's J (TPR - FPR, i.e. balanced accuracy)",
  f1: 'F1 of the positive class',
};

/**
 * The shipped decision threshold. By default the one the run's evaluation tuned on the validation split (never
 * on the test split or the photo crops, which stay unbiased estimates), rounded to two decimals.
 */
export function decideThreshold(evaluation: EvaluationReport, option: ThresholdOption): ThresholdDecision {
  const tuned = evaluation.threshold.tuned;
  const tunedRecord = tuned && {
    split: tuned.split,
    count: tuned.count,
    criterion: tuned.criterion,
    threshold: tuned.threshold,
    objective: tuned.value,
  };
  if (option !== 'val') {
    if (!(option > 0 && option < 1)) throw new RangeError(`threshold must be between 0 and 1, got ${option}`);
    return {
      value: option,
      source: 'option',
      method: `set explicitly when the model was installed`,
      ...(tunedRecord ? { tuned: tunedRecord } : {}),
    };
  }
  if (!tunedRecord || tunedRecord.split !== 'val') {
    throw new Error(
      'the run has no threshold tuned on the validation split (its evaluation ran without --tune-split val); ' +
        'pass --threshold <p>',
    );
  }
  const value = Math.min(0.99, Math.max(0.01, Math.round(tunedRecord.threshold * 100) / 100));
  return {
    value,
    source: 'validation split',
    method:
      `maximises ${CRITERIA[tunedRecord.criterion] ?? tunedRecord.criterion} on the validation split ` +
      `(${tunedRecord.count} images; ${tunedRecord.threshold.toFixed(4)}, rounded to two decimals); ` +
      'the test split and the photo crops were not used to choose it',
    tuned: tunedRecord,
  };
}
