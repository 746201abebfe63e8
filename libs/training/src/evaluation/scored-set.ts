import { precisionRecallCurve, rocCurve, scoreSummary, thresholdMetrics } from './metrics';
import type { SetEvaluation } from './types';

export interface ScoredSetOptions {
  classNames: readonly [string, string];
  threshold: number;
  tunedThreshold?: number;
  imagesPerSecond?: number;
}

/** All metrics of one set of scored samples (labels 0/1, scores P(class 1)). */
export function evaluateScoredSet(
  name: string,
  labels: number[],
  scores: number[],
  options: ScoredSetOptions,
): SetEvaluation {
  const positives = labels.reduce((sum, label) => sum + label, 0);
  return {
    name,
    count: labels.length,
    classCounts: [labels.length - positives, positives],
    atThreshold: thresholdMetrics(labels, scores, options.threshold, options.classNames),
    ...(options.tunedThreshold === undefined
      ? {}
      : { atTunedThreshold: thresholdMetrics(labels, scores, options.tunedThreshold, options.classNames) }),
    summary: scoreSummary(labels, scores),
    roc: rocCurve(labels, scores),
    precisionRecall: precisionRecallCurve(labels, scores),
    imagesPerSecond: options.imagesPerSecond ?? 0,
  };
}
