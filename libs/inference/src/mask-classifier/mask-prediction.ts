import type { MaskModelCard } from './model-card';

/** A probability read as a label: the predicted class and the probability of that class. */
export interface MaskPrediction {
  label: string;
  confidence: number;
  /** True when the predicted class is the first one (`with_mask`). */
  hasMask: boolean;
}

/** P(class 1) -> label: class 1 if p >= threshold, confidence = probability of the predicted class. */
export function interpretProbability(
  probability: number,
  card: Pick<MaskModelCard, 'class_names' | 'threshold'>,
): MaskPrediction {
  const positive = probability >= card.threshold;
  return {
    label: card.class_names[positive ? 1 : 0],
    confidence: positive ? probability : 1 - probability,
    hasMask: !positive,
  };
}
