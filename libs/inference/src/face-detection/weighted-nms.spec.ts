import { FaceCandidate } from './decode';
import {
  intersectionOverMinimum,
  intersectionOverUnion,
  suppressNested,
  weightedNonMaxSuppression,
} from './weighted-nms';

function face(
  xMin: number,
  yMin: number,
  xMax: number,
  yMax: number,
  score: number,
  keypoint = 0,
): FaceCandidate {
  return { xMin, yMin, xMax, yMax, score, keypoints: Float32Array.of(keypoint, keypoint) };
}

describe('intersectionOverUnion / intersectionOverMinimum', () => {
  it('measures overlap of hand-made boxes', () => {
    const a = face(0, 0, 10, 10, 1);
    expect(intersectionOverUnion(a, a)).toBe(1);
    expect(intersectionOverUnion(a, face(5, 0, 15, 10, 1))).toBeCloseTo(50 / 150, 10);
    expect(intersectionOverUnion(a, face(10, 0, 20, 10, 1))).toBe(0);
    expect(intersectionOverMinimum(a, face(2, 2, 6, 6, 1))).toBe(1);
    expect(intersectionOverMinimum(a, face(5, 5, 15, 15, 1))).toBeCloseTo(25 / 100, 10);
  });
});

describe('weightedNonMaxSuppression', () => {
  it('blends overlapping candidates by score, keeps the best score, and leaves distant ones alone', () => {
    const best = face(0, 0, 10, 10, 0.9, 1);
    const shifted = face(2, 0, 12, 10, 0.6, 4); // IoU 8/12 with best
    const distant = face(50, 50, 60, 60, 0.7, 9);
    const weak = face(40, 40, 41, 41, 0.1, 0); // below nothing: NMS does not threshold
    const result = weightedNonMaxSuppression([shifted, distant, best, weak], 0.3);
    expect(result).toHaveLength(3);
    const [blended, second, third] = result;
    expect(blended.score).toBe(0.9);
    expect(blended.xMin).toBeCloseTo((0 * 0.9 + 2 * 0.6) / 1.5, 6);
    expect(blended.xMax).toBeCloseTo((10 * 0.9 + 12 * 0.6) / 1.5, 6);
    expect(blended.yMin).toBeCloseTo(0, 6);
    expect(blended.keypoints[0]).toBeCloseTo((1 * 0.9 + 4 * 0.6) / 1.5, 6);
    expect(second).toBe(distant);
    expect(third).toBe(weak);
  });

  it('suppresses only above the IoU threshold', () => {
    const a = face(0, 0, 10, 10, 0.9);
    const b = face(6, 0, 16, 10, 0.8); // IoU 40/160 = 0.25
    expect(weightedNonMaxSuppression([a, b], 0.3)).toHaveLength(2);
    expect(weightedNonMaxSuppression([a, b], 0.2)).toHaveLength(1);
  });

  it('returns an empty list for no candidates', () => {
    expect(weightedNonMaxSuppression([])).toEqual([]);
  });
});

describe('suppressNested', () => {
  it('drops a box lying inside a better-scored one, not a better box around a worse one', () => {
    const head = face(0, 0, 20, 20, 0.9);
    const mask = face(5, 10, 15, 20, 0.6); // entirely inside the head box, IoU only 0.25
    const neighbour = face(18, 0, 38, 20, 0.8); // 10% overlap
    expect(suppressNested([mask, head, neighbour], 0.6)).toEqual([head, neighbour]);
    const betterInner = face(5, 10, 15, 20, 0.95);
    expect(suppressNested([head, betterInner], 0.6)).toEqual([betterInner]);
  });
});
