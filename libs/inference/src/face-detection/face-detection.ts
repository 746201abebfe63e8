import type { Box } from '@maskd/imaging';
import { KEYPOINT_COUNT } from './blazeface-models';
import { FaceCandidate } from './decode';

/**
 * BlazeFace's keypoints in output order. Right/left are the person's own: for a frontal face the right
 * eye appears on the image's left.
 */
export const FACE_KEYPOINT_NAMES = [
  'rightEye',
  'leftEye',
  'noseTip',
  'mouthCenter',
  'rightEarTragion',
  'leftEarTragion',
] as const;

export type FaceKeypointName = (typeof FACE_KEYPOINT_NAMES)[number];

export interface FaceKeypoint {
  name: FaceKeypointName;
  x: number;
  y: number;
}

/** One face, in pixels of the image passed to detect() (fractional, clamped to the image). */
export interface FaceDetection {
  box: Box;
  /** Detector confidence in [0, 1]. */
  score: number;
  keypoints: FaceKeypoint[];
}

/**
 * How hard to look for small faces (the default minimum face size of each mode; see FaceDetectOptions):
 * - `fast`: the whole image through both models only (faces from ~1/10 of the longer side);
 * - `balanced`: also a tiled pass for faces from ~1/20 of the longer side (at least 24 px);
 * - `thorough`: tiles down to 20 px faces (38 tiles, ~0.4 s of CPU for 1280x720); beyond 48 tiles (larger
 *   photos) the smallest face searched for grows until the plan fits.
 */
export type FaceDetectionMode = 'fast' | 'balanced' | 'thorough';

export const FACE_DETECTION_MODES: readonly FaceDetectionMode[] = ['fast', 'balanced', 'thorough'];

export interface FaceDetectOptions {
  /** Lowest detector score reported. */
  minScore?: number;
  /** Smallest face (sqrt of box area, pixels) to search for; overrides the mode's default. */
  minFaceSize?: number;
  mode?: FaceDetectionMode;
  /** Most faces returned, best first. */
  maxFaces?: number;
}

/**
 * BlazeFace's box runs from the brows to below the mouth; people (and the labelled scene sets: median
 * offset +0.06 and height x1.08 on andrewmvd, +0.02 and x1.29 on formatcom) draw a face box down to the
 * chin, which is also where a mask is. The reported box is moved down by this fraction of its height...
 */
export const FACE_BOX_SHIFT_DOWN = 0.05;
/** ...and made this much taller (about its centre), keeping the width. */
export const FACE_BOX_HEIGHT_SCALE = 1.1;

/** A candidate in source pixels as the public detection: face box convention, clamped to the image. */
export function toFaceDetection(candidate: FaceCandidate, width: number, height: number): FaceDetection {
  const clampX = (x: number) => Math.min(Math.max(x, 0), width);
  const clampY = (y: number) => Math.min(Math.max(y, 0), height);
  const boxHeight = candidate.yMax - candidate.yMin;
  const centreY = (candidate.yMin + candidate.yMax) / 2 + FACE_BOX_SHIFT_DOWN * boxHeight;
  const halfHeight = (FACE_BOX_HEIGHT_SCALE * boxHeight) / 2;
  const x = clampX(candidate.xMin);
  const y = clampY(centreY - halfHeight);
  const keypoints: FaceKeypoint[] = [];
  for (let k = 0; k < KEYPOINT_COUNT; k++) {
    keypoints.push({
      name: FACE_KEYPOINT_NAMES[k],
      x: clampX(candidate.keypoints[2 * k]),
      y: clampY(candidate.keypoints[2 * k + 1]),
    });
  }
  return {
    box: { x, y, width: clampX(candidate.xMax) - x, height: clampY(centreY + halfHeight) - y },
    score: candidate.score,
    keypoints,
  };
}
