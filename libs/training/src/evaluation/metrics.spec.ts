import {
  averagePrecision,
  chooseThreshold,
  precisionRecallCurve,
  rocAuc,
  rocCurve,
  scoreSummary,
  thresholdMetrics,
  wilsonInterval,
} from './metrics';

const CLASSES = ['with_mask', 'without_mask'] as const;

/** Trapezoidal area under a ROC curve, to check the rank formula against the curve. */
function trapezoid(points: { fpr: number; tpr: number }[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    area += ((points[i].fpr - points[i - 1].fpr) * (points[i].tpr + points[i - 1].tpr)) / 2;
  }
  return area;
}

describe('thresholdMetrics', () => {
  // Scores >= 0.5 are predicted without_mask: one false positive, no false negative.
  const labels = [0, 1, 0, 1];
  const scores = [0.5, 0.5, 0.2, 0.9];

  it('computes the confusion matrix and per-class metrics by hand', () => {
    const m = thresholdMetrics(labels, scores, 0.5, CLASSES);
    expect(m.confusionMatrix).toEqual([
      [1, 1],
      [0, 2],
    ]);
    expect(m.count).toBe(4);
    expect(m.accuracy).toBe(0.75);
    const [withMask, withoutMask] = m.perClass;
    expect(withMask).toEqual({
      className: 'with_mask',
      precision: 1,
      recall: 0.5,
      f1: 2 / 3,
      support: 2,
      predicted: 1,
    });
    expect(withoutMask.precision).toBeCloseTo(2 / 3, 12);
    expect(withoutMask.recall).toBe(1);
    expect(withoutMask.f1).toBeCloseTo(0.8, 12);
    expect(m.macro.precision).toBeCloseTo(5 / 6, 12);
    expect(m.macro.recall).toBeCloseTo(0.75, 12);
    expect(m.macro.f1).toBeCloseTo((2 / 3 + 0.8) / 2, 12);
    expect(m.balancedAccuracy).toBeCloseTo(0.75, 12);
  });

  it('treats the threshold as inclusive', () => {
    expect(thresholdMetrics([1], [0.5], 0.5, CLASSES).confusionMatrix[1][1]).toBe(1);
    expect(thresholdMetrics([1], [0.4999], 0.5, CLASSES).confusionMatrix[1][0]).toBe(1);
  });

  it('reports 0 (not NaN) for precision without predictions and recall without support', () => {
    const m = thresholdMetrics([0, 0], [0.1, 0.2], 0.5, CLASSES);
    expect(m.perClass[1]).toEqual({
      className: 'without_mask',
      precision: 0,
      recall: 0,
      f1: 0,
      support: 0,
      predicted: 0,
    });
    expect(m.accuracy).toBe(1);
  });

  it('handles an empty set without dividing by zero', () => {
    const m = thresholdMetrics([], [], 0.5, CLASSES);
    expect(m.accuracy).toBe(0);
    expect(m.accuracyInterval95).toEqual([0, 1]);
  });

  it('gives a Wilson interval that always contains the observed rate, also at 0% and 100%', () => {
    for (const n of [1, 7, 252, 598, 1000]) {
      expect(wilsonInterval(n, n)[1]).toBe(1);
      expect(wilsonInterval(0, n)[0]).toBe(0);
      const [low, high] = wilsonInterval(Math.floor(n / 3), n);
      expect(low).toBeLessThanOrEqual(Math.floor(n / 3) / n);
      expect(high).toBeGreaterThanOrEqual(Math.floor(n / 3) / n);
    }
    const [low, high] = wilsonInterval(95, 100);
    expect(low).toBeCloseTo(0.8883, 3);
    expect(high).toBeCloseTo(0.9785, 3);
  });

  it('rejects labels that are not 0/1 and non-finite scores', () => {
    expect(() => thresholdMetrics([2], [0.5], 0.5, CLASSES)).toThrow(/not 0 or 1/);
    expect(() => thresholdMetrics([1], [NaN], 0.5, CLASSES)).toThrow(/not finite/);
    expect(() => thresholdMetrics([1, 0], [0.5], 0.5, CLASSES)).toThrow(/differ in length/);
  });
});

describe('wilsonInterval', () => {
  it('matches the published 8/10 interval', () => {
    const [low, high] = wilsonInterval(8, 10);
    expect(low).toBeCloseTo(0.4902, 4);
    expect(high).toBeCloseTo(0.9433, 4);
  });
});

describe('ROC', () => {
  it('reproduces the scikit-learn documentation example', () => {
    const labels = [0, 0, 1, 1];
    const scores = [0.1, 0.4, 0.35, 0.8];
    expect(rocCurve(labels, scores)).toEqual([
      { threshold: Infinity, fpr: 0, tpr: 0 },
      { threshold: 0.8, fpr: 0, tpr: 0.5 },
      { threshold: 0.4, fpr: 0.5, tpr: 0.5 },
      { threshold: 0.35, fpr: 0.5, tpr: 1 },
      { threshold: 0.1, fpr: 1, tpr: 1 },
    ]);
    expect(rocAuc(labels, scores)).toBe(0.75);
  });

  it('counts tied positive/negative pairs as one half and makes tied scores one diagonal step', () => {
    const labels = [0, 1, 0, 1];
    const scores = [0.5, 0.5, 0.2, 0.9];
    // Pairs (pos, neg): (0.9, 0.5) 1, (0.9, 0.2) 1, (0.5, 0.5) 1/2, (0.5, 0.2) 1 -> 3.5 / 4.
    expect(rocAuc(labels, scores)).toBe(0.875);
    const curve = rocCurve(labels, scores);
    expect(curve.map((p) => [p.fpr, p.tpr])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    expect(trapezoid(curve)).toBeCloseTo(0.875, 12);
  });

  it('gives 0.5 when every score is the same, 1 and 0 for perfect and inverted rankings', () => {
    expect(rocAuc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
    expect(rocAuc([0, 0, 1], [0.1, 0.2, 0.9])).toBe(1);
    expect(rocAuc([0, 0, 1], [0.9, 0.8, 0.1])).toBe(0);
  });

  it('agrees with the trapezoid on a larger random sample with many ties', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const labels = Array.from({ length: 500 }, () => (random() < 0.4 ? 1 : 0));
    const scores = labels.map((y) => Math.round((random() * 0.7 + y * 0.3) * 20) / 20);
    expect(rocAuc(labels, scores)).toBeCloseTo(trapezoid(rocCurve(labels, scores)), 12);
  });

  it('is null when a class is absent', () => {
    expect(rocAuc([1, 1], [0.2, 0.8])).toBeNull();
    expect(rocAuc([], [])).toBeNull();
  });
});

describe('precision-recall', () => {
  it('reproduces the scikit-learn average precision example (0.8333)', () => {
    expect(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.8333333333, 9);
  });

  it('handles ties as one step', () => {
    const curve = precisionRecallCurve([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]);
    expect(curve.map((p) => [p.recall, p.precision])).toEqual([
      [0, 1],
      [0.5, 1],
      [1, 2 / 3],
      [1, 0.5],
    ]);
    expect(averagePrecision([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12);
  });

  it('is empty / null without positives, the positive rate when scores carry no information', () => {
    expect(precisionRecallCurve([0, 0], [0.1, 0.2])).toEqual([]);
    expect(averagePrecision([0, 0], [0.1, 0.2])).toBeNull();
    expect(averagePrecision([0, 1, 0, 0], [0.5, 0.5, 0.5, 0.5])).toBe(0.25);
  });
});

describe('chooseThreshold', () => {
  const labels = [0, 0, 1, 1];
  const scores = [0.1, 0.4, 0.35, 0.8];

  it("maximises Youden's J and prefers the tied candidate closest to 0.5", () => {
    // J = 0.5 both between 0.8/0.4 (cut 0.6) and between 0.35/0.1 (cut 0.225): 0.6 is closer to 0.5.
    const choice = chooseThreshold(labels, scores, 'youden');
    expect(choice?.criterion).toBe('youden');
    expect(choice?.threshold).toBeCloseTo(0.6, 12);
    expect(choice?.value).toBe(0.5);
  });

  it('maximises the positive-class F1', () => {
    const choice = chooseThreshold(labels, scores, 'f1');
    expect(choice?.threshold).toBeCloseTo(0.225, 12);
    expect(choice?.value).toBeCloseTo(0.8, 12);
    // The chosen cut really gives that F1.
    expect(thresholdMetrics(labels, scores, choice!.threshold, CLASSES).perClass[1].f1).toBeCloseTo(0.8, 12);
  });

  it('separates perfectly separable scores in the middle of the gap', () => {
    expect(chooseThreshold([0, 0, 1, 1], [0.1, 0.2, 0.7, 0.9], 'youden')?.threshold).toBeCloseTo(0.45, 12);
  });

  it('is null when a class is absent', () => {
    expect(chooseThreshold([1, 1], [0.1, 0.9], 'youden')).toBeNull();
  });
});

describe('scoreSummary', () => {
  it('computes Brier score, log loss and expected calibration error by hand', () => {
    const s = scoreSummary([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
    expect(s.rocAuc).toBe(0.75);
    expect(s.brierScore).toBeCloseTo((0.01 + 0.16 + 0.4225 + 0.04) / 4, 12);
    expect(s.logLoss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8)) / 4, 12);
    // One sample per bin: |0.1 - 0| + |0.4 - 0| + |0.35 - 1| + |0.8 - 1| over 4.
    expect(s.expectedCalibrationError).toBeCloseTo(1.35 / 4, 12);
  });

  it('clips probabilities of exactly 0 and 1 in the log loss', () => {
    expect(Number.isFinite(scoreSummary([1, 0], [0, 1]).logLoss)).toBe(true);
  });
});
