import { FaceCandidate } from './decode';

export function intersectionOverUnion(a: FaceCandidate, b: FaceCandidate): number {
  const width = Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin);
  const height = Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin);
  if (width <= 0 || height <= 0) return 0;
  const intersection = width * height;
  const union = (a.xMax - a.xMin) * (a.yMax - a.yMin) + (b.xMax - b.xMin) * (b.yMax - b.yMin) - intersection;
  return union > 0 ? intersection / union : 0;
}

/**
 * MediaPipe's WEIGHTED non-maximum suppression ("blending"): the best remaining candidate absorbs every
 * candidate overlapping it by more than `iouThreshold` (itself included), and its box and keypoints
 * become the score-weighted mean of the group. The group keeps the best score. BlazeFace fires on
 * several neighbouring anchors per face, and averaging them is steadier than keeping one.
 */
export function weightedNonMaxSuppression(
  candidates: readonly FaceCandidate[],
  iouThreshold = 0.3,
): FaceCandidate[] {
  let remaining = [...candidates].sort((a, b) => b.score - a.score);
  const kept: FaceCandidate[] = [];
  while (remaining.length > 0) {
    const best = remaining[0];
    const group: FaceCandidate[] = [];
    const rest: FaceCandidate[] = [];
    for (const candidate of remaining) {
      (intersectionOverUnion(best, candidate) > iouThreshold || candidate === best ? group : rest).push(
        candidate,
      );
    }
    kept.push(group.length === 1 ? best : blend(group, best.score));
    remaining = rest;
  }
  return kept;
}

function blend(group: readonly FaceCandidate[], score: number): FaceCandidate {
  let total = 0;
  let xMin = 0;
  let yMin = 0;
  let xMax = 0;
  let yMax = 0;
  const keypoints = new Float32Array(group[0].keypoints.length);
  for (const candidate of group) {
    const weight = candidate.score;
    total += weight;
    xMin += candidate.xMin * weight;
    yMin += candidate.yMin * weight;
    xMax += candidate.xMax * weight;
    yMax += candidate.yMax * weight;
    for (let k = 0; k < keypoints.length; k++) keypoints[k] += candidate.keypoints[k] * weight;
  }
  for (let k = 0; k < keypoints.length; k++) keypoints[k] /= total;
  return { xMin: xMin / total, yMin: yMin / total, xMax: xMax / total, yMax: yMax / total, score, keypoints };
}

/** Intersection over the smaller box's area: 1 when one box lies inside the other. */
export function intersectionOverMinimum(a: FaceCandidate, b: FaceCandidate): number {
  const width = Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin);
  const height = Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin);
  if (width <= 0 || height <= 0) return 0;
  const smaller = Math.min((a.xMax - a.xMin) * (a.yMax - a.yMin), (b.xMax - b.xMin) * (b.yMax - b.yMin));
  return smaller > 0 ? (width * height) / smaller : 0;
}

/**
 * Drops candidates lying mostly (> `threshold` of the smaller area) inside a better-scored one. Inputs at
 * different scales disagree on a face's extent (a tile may see the mask as a face of its own, the whole
 * view the head), and IoU alone does not merge a box with one nested in it. Expects NMS output.
 */
export function suppressNested(candidates: readonly FaceCandidate[], threshold = 0.6): FaceCandidate[] {
  const kept: FaceCandidate[] = [];
  for (const candidate of [...candidates].sort((a, b) => b.score - a.score)) {
    if (!kept.some((better) => intersectionOverMinimum(better, candidate) > threshold)) kept.push(candidate);
  }
  return kept;
}
