import type { EvaluationReport } from '../evaluation/types';
import { decideThreshold, thresholdSensitivity } from './threshold-decision';

// Class 1 at 0.95, 0.8, 0.4; class 0 at 0.1 and 0.02: every threshold in (0.1, 0.4] separates them perfectly.
const tuning = { labels: [1, 0, 1, 0, 1], scores: [0.95, 0.1, 0.8, 0.02, 0.4] };

describe('thresholdSensitivity', () => {
  it('finds the whole run of thresholds that classify the tuning split as the chosen one does', () => {
    expect(thresholdSensitivity(tuning, 0.24, 'youden')).toEqual({
      equallyGood: { above: 0.1, upTo: 0.4, objective: 1, best: true },
      decidedAgainstReference: { reference: 0.5, images: 1, perClass: [0, 1] },
    });
    // The bounds belong to the run as maskd applies thresholds: class 1 for scores >= the threshold.
    expect(thresholdSensitivity(tuning, 0.4, 'youden').equallyGood).toMatchObject({ above: 0.1, upTo: 0.4 });
    expect(thresholdSensitivity(tuning, 0.1, 'youden').equallyGood).toMatchObject({ above: 0.02, upTo: 0.1 });
  });

  it('says when the chosen threshold is not the best one, and joins neighbouring gaps only at equal objective', () => {
    const high = thresholdSensitivity(tuning, 0.9, 'youden');
    expect(high.equallyGood).toEqual({ above: 0.8, upTo: 0.95, objective: 1 / 3, best: false });
    expect(high.decidedAgainstReference).toEqual({ reference: 0.5, images: 1, perClass: [0, 1] });
    // With F1, losing both negatives' false alarms ties no other cut: the plateau is one gap wide.
    expect(thresholdSensitivity(tuning, 0.05, 'f1').equallyGood).toEqual({
      above: 0.02,
      upTo: 0.1,
      objective: 6 / 7,
      best: false,
    });
  });

  it('counts images per class between the threshold and the reference, whichever side the reference is on', () => {
    const scores = { labels: [0, 0, 1, 1, 0], scores: [0.3, 0.3, 0.55, 0.7, 0.6] };
    expect(thresholdSensitivity(scores, 0.65, 'youden').decidedAgainstReference).toEqual({
      reference: 0.5,
      images: 2,
      perClass: [1, 1],
    });
    expect(thresholdSensitivity(scores, 0.3, 'youden').equallyGood).toMatchObject({ above: 0, upTo: 0.3 });
  });

  it('rejects mismatched input', () => {
    expect(() => thresholdSensitivity({ labels: [1], scores: [0.2, 0.3] }, 0.5, 'youden')).toThrow(
      RangeError,
    );
    expect(() => thresholdSensitivity(tuning, 0.5, 'accuracy')).toThrow(/unknown threshold criterion/);
  });
});

describe('decideThreshold', () => {
  const evaluation = {
    threshold: {
      value: 0.5,
      tuned: { criterion: 'youden', threshold: 0.2386, value: 1, split: 'val', count: 5 },
    },
  } as unknown as EvaluationReport;

  it('records the sensitivity of the rounded threshold when the tuning split was re-scored', () => {
    const decision = decideThreshold(evaluation, 'val', tuning);
    expect(decision.value).toBe(0.24);
    expect(decision.sensitivity?.equallyGood).toEqual({ above: 0.1, upTo: 0.4, objective: 1, best: true });
    expect(decideThreshold(evaluation, 0.9, tuning).sensitivity?.equallyGood.best).toBe(false);
    expect(decideThreshold(evaluation, 'val').sensitivity).toBeUndefined();
  });
});
