import { averagePrecision, ClassPrecisionTally, MatchedFaceAccuracy } from './scene-metrics';

const box = (x: number, size = 40) => ({ x, y: 0, width: size, height: size });

describe('averagePrecision', () => {
  it('is 1 for a perfect ranking and the area under the precision envelope otherwise', () => {
    expect(
      averagePrecision([
        { threshold: 0.9, precision: 1, recall: 0.5 },
        { threshold: 0.8, precision: 1, recall: 1 },
      ]),
    ).toBe(1);
    // TP, FP, TP over 2 faces: recall 0.5 at precision 1, recall 1 at precision 2/3.
    expect(
      averagePrecision([
        { threshold: 0.9, precision: 1, recall: 0.5 },
        { threshold: 0.8, precision: 0.5, recall: 0.5 },
        { threshold: 0.7, precision: 2 / 3, recall: 1 },
      ]),
    ).toBeCloseTo(0.5 + 0.5 * (2 / 3), 10);
  });
});

describe('ClassPrecisionTally', () => {
  it('ranks faces by detector score x class probability and counts duplicates and other classes as errors', () => {
    const tally = new ClassPrecisionTally('without_mask', 1, new Set(['mask_weared_incorrect']));
    tally.add(
      [
        { box: box(0), score: 0.9, classProbabilities: [0.1, 0.9] }, // without_mask face: correct
        { box: box(2), score: 0.8, classProbabilities: [0.2, 0.8] }, // duplicate of it: error
        { box: box(100), score: 0.9, classProbabilities: [0.7, 0.3] }, // a with_mask face: error for this class
        { box: box(200), score: 0.9, classProbabilities: [0.5, 0.5] }, // incorrectly worn: ignored
      ],
      [
        { box: box(0), label: 'without_mask' },
        { box: box(100), label: 'with_mask' },
        { box: box(200), label: 'mask_weared_incorrect' },
        { box: box(300), label: 'without_mask' }, // missed
      ],
    );
    expect(tally.truthCount).toBe(2);
    const curve = tally.curve();
    [0.81, 0.64, 0.27].forEach((threshold, i) => expect(curve[i].threshold).toBeCloseTo(threshold, 10));
    expect(curve).toHaveLength(3);
    expect(curve.map((point) => point.recall)).toEqual([0.5, 0.5, 0.5]);
    expect(tally.averagePrecision()).toBeCloseTo(0.5, 10);
  });

  it('is undefined (NaN) without labelled faces of the class', () => {
    expect(new ClassPrecisionTally('with_mask', 0, new Set()).averagePrecision()).toBeNaN();
  });
});

describe('MatchedFaceAccuracy', () => {
  it('counts accuracy and per-class recall by labelled face size and tallies other labels apart', () => {
    const accuracy = new MatchedFaceAccuracy(['with_mask', 'without_mask']);
    accuracy.add({ box: box(0, 20), label: 'with_mask' }, 'with_mask');
    accuracy.add({ box: box(0, 40), label: 'without_mask' }, 'with_mask');
    accuracy.add({ box: box(0, 80), label: 'with_mask' }, 'with_mask');
    accuracy.add({ box: box(0, 80), label: 'mask_weared_incorrect' }, 'without_mask');
    expect(accuracy.byBucket.all).toEqual({
      faces: 3,
      correct: 2,
      byClass: { with_mask: { faces: 2, correct: 2 }, without_mask: { faces: 1, correct: 0 } },
    });
    expect(accuracy.byBucket['>=32']).toMatchObject({ faces: 2, correct: 1 });
    expect(accuracy.byBucket['<32']).toEqual({
      faces: 1,
      correct: 1,
      byClass: { with_mask: { faces: 1, correct: 1 }, without_mask: { faces: 0, correct: 0 } },
    });
    expect(accuracy.otherLabels.get('mask_weared_incorrect')?.get('without_mask')).toBe(1);
  });
});
