import { planResize, Rect } from '@maskd/imaging';
import { FaceCandidate } from './decode';

/**
 * Where one model input came from: `tile` (pixels of an image that is the source image scaled by
 * levelScaleX/Y) letterboxed into a size x size input, as `toModelInput(..., { resize: 'letterbox' })`
 * does it. Maps decoded boxes (normalised to the input) back to source-image pixels, per axis:
 * source = offset + inputPixel * scale.
 */
export interface ViewTransform {
  inputSize: number;
  offsetX: number;
  offsetY: number;
  scaleX: number;
  scaleY: number;
  /** The tile's footprint inside the input (the rest is padding). */
  content: Rect;
}

export function letterboxTransform(
  tile: Rect,
  inputSize: number,
  levelScaleX = 1,
  levelScaleY = levelScaleX,
): ViewTransform {
  const { target } = planResize(tile.width, tile.height, inputSize, 'letterbox');
  const inputToTileX = tile.width / target.width;
  const inputToTileY = tile.height / target.height;
  return {
    inputSize,
    offsetX: (tile.left - target.left * inputToTileX) / levelScaleX,
    offsetY: (tile.top - target.top * inputToTileY) / levelScaleY,
    scaleX: inputToTileX / levelScaleX,
    scaleY: inputToTileY / levelScaleY,
    content: target,
  };
}

/** A candidate decoded in normalised input coordinates, in source-image pixels. */
export function inputToSource(candidate: FaceCandidate, view: ViewTransform): FaceCandidate {
  const x = (u: number) => view.offsetX + u * view.inputSize * view.scaleX;
  const y = (v: number) => view.offsetY + v * view.inputSize * view.scaleY;
  const keypoints = new Float32Array(candidate.keypoints.length);
  for (let k = 0; k < keypoints.length; k += 2) {
    keypoints[k] = x(candidate.keypoints[k]);
    keypoints[k + 1] = y(candidate.keypoints[k + 1]);
  }
  return {
    xMin: x(candidate.xMin),
    yMin: y(candidate.yMin),
    xMax: x(candidate.xMax),
    yMax: y(candidate.yMax),
    score: candidate.score,
    keypoints,
  };
}

/** The inverse of inputToSource for a point: source pixels to normalised input coordinates. */
export function sourceToInput(view: ViewTransform, x: number, y: number): [number, number] {
  return [
    (x - view.offsetX) / view.scaleX / view.inputSize,
    (y - view.offsetY) / view.scaleY / view.inputSize,
  ];
}
