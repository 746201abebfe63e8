import { boxIou, DetectionTally, matchDetections, precision, recall, sizeBucket } from './detection-metrics';

const box = (x: number, y: number, size: number, height = size) => ({ x, y, width: size, height });

describe('detection metrics', () => {
  it('buckets faces by sqrt(area)', () => {
    expect(sizeBucket(box(0, 0, 31))).toBe('<32');
    expect(sizeBucket(box(0, 0, 32))).toBe('32-64');
    expect(sizeBucket(box(0, 0, 16, 60))).toBe('<32'); // sqrt(960) = 31
    expect(sizeBucket(box(0, 0, 64))).toBe('32-64');
    expect(sizeBucket(box(0, 0, 65))).toBe('>64');
  });

  it('computes IoU', () => {
    expect(boxIou(box(0, 0, 10), box(0, 0, 10))).toBe(1);
    expect(boxIou(box(0, 0, 10), box(5, 0, 10))).toBeCloseTo(1 / 3, 10);
    expect(boxIou(box(0, 0, 10), box(10, 10, 10))).toBe(0);
  });

  it('lets the best-scored detection claim a face first, once', () => {
    const truths = [box(0, 0, 40), box(100, 0, 40)];
    const detections = [
      { box: box(2, 0, 40), score: 0.6 }, // IoU 0.9: duplicate of the better one below
      { box: box(0, 0, 40), score: 0.9 },
      { box: box(110, 0, 40), score: 0.7 }, // IoU 0.6
      { box: box(300, 0, 40), score: 0.8 }, // nothing there
    ];
    const match = matchDetections(detections, truths, 0.5);
    expect(match.detectionToTruth).toEqual([-1, 0, 1, -1]);
    expect(match.truthToDetection).toEqual([1, 2]);
  });

  it('tallies recall per ground-truth size and precision per detection size', () => {
    const tally = new DetectionTally();
    tally.add(
      [
        { box: box(0, 0, 40), score: 0.9 },
        { box: box(200, 0, 20), score: 0.8 },
      ],
      [box(0, 0, 40), box(100, 0, 80), box(200, 0, 20)],
    );
    expect(recall(tally.buckets['>=32'])).toBe(0.5);
    expect(recall(tally.buckets['<32'])).toBe(1);
    expect(precision(tally.buckets.all)).toBe(1);
    expect(tally.buckets['>64']).toEqual({ truths: 1, found: 0, detections: 0, correct: 0 });
    expect(precision(tally.buckets['>64'])).toBeNaN();
  });
});
