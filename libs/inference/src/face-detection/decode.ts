import { Anchors } from './anchors';
import { BlazeFaceModelSpec, KEYPOINT_COUNT, REGRESSORS_PER_ANCHOR } from './blazeface-models';

/**
 * A face candidate as an axis-aligned box with keypoints, in whatever coordinate space the producer
 * uses (normalised model input after decoding, source pixels after letterbox mapping).
 */
export interface FaceCandidate {
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
  score: number;
  /** KEYPOINT_COUNT (x, y) pairs, interleaved. */
  keypoints: Float32Array;
}

/** Raw model outputs, one entry per grid, in anchor order. */
export interface BlazeFaceOutputs {
  scores: readonly Float32Array[];
  regressors: readonly Float32Array[];
}

const logit = (p: number): number => Math.log(p / (1 - p));

/**
 * Decodes the anchors whose score reaches `minScore`, as TensorsToDetectionsCalculator does with
 * reverse_output_order (x before y) and no exponential on the box size. Coordinates are normalised to
 * the model input ([0, 1] inside it).
 */
export function decodeDetections(
  outputs: BlazeFaceOutputs,
  anchors: Anchors,
  spec: Pick<BlazeFaceModelSpec, 'coordinateScale' | 'scoreClipping'>,
  minScore: number,
): FaceCandidate[] {
  // Compare in logit space so that only the few passing anchors pay for a sigmoid.
  const minLogit = minScore <= 0 ? -Infinity : minScore >= 1 ? Infinity : logit(minScore);
  const scale = spec.coordinateScale;
  const candidates: FaceCandidate[] = [];
  let anchor = 0;
  outputs.scores.forEach((scores, grid) => {
    const regressors = outputs.regressors[grid];
    if (regressors.length !== scores.length * REGRESSORS_PER_ANCHOR) {
      throw new Error(`BlazeFace grid ${grid}: ${scores.length} scores but ${regressors.length} regressors`);
    }
    for (let i = 0; i < scores.length; i++, anchor++) {
      const raw = Math.min(Math.max(scores[i], -spec.scoreClipping), spec.scoreClipping);
      if (!(raw >= minLogit)) continue;
      const r = i * REGRESSORS_PER_ANCHOR;
      const ax = anchors.xCenter[anchor];
      const ay = anchors.yCenter[anchor];
      const aw = anchors.width[anchor];
      const ah = anchors.height[anchor];
      const xCenter = (regressors[r] / scale) * aw + ax;
      const yCenter = (regressors[r + 1] / scale) * ah + ay;
      const halfWidth = ((regressors[r + 2] / scale) * aw) / 2;
      const halfHeight = ((regressors[r + 3] / scale) * ah) / 2;
      const keypoints = new Float32Array(KEYPOINT_COUNT * 2);
      for (let k = 0; k < KEYPOINT_COUNT; k++) {
        keypoints[2 * k] = (regressors[r + 4 + 2 * k] / scale) * aw + ax;
        keypoints[2 * k + 1] = (regressors[r + 5 + 2 * k] / scale) * ah + ay;
      }
      candidates.push({
        xMin: xCenter - halfWidth,
        yMin: yCenter - halfHeight,
        xMax: xCenter + halfWidth,
        yMax: yCenter + halfHeight,
        score: 1 / (1 + Math.exp(-raw)),
        keypoints,
      });
    }
  });
  if (anchor !== anchors.count) {
    throw new Error(`BlazeFace outputs cover ${anchor} anchors, expected ${anchors.count}`);
  }
  return candidates;
}
