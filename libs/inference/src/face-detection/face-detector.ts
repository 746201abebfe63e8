import { join } from 'node:path';
import {
  assertRgbShape,
  cropRegion,
  DecodedImage,
  repoRoot,
  resizeImage,
  toModelInput,
} from '@maskd/imaging';
import type { ModelSignature } from '../mask-classifier/model-signature';
import { SessionThreads } from '../session-options';
import { BLAZEFACE_MODELS, BlazeFaceVariant } from './blazeface-models';
import { BlazeFaceSession } from './blazeface-session';
import { decodeDetections, FaceCandidate } from './decode';
import { detectionUnits } from './detection-parts';
import { DetectionLevel, DetectionView, planDetection } from './detection-plan';
import { FaceDetection, FaceDetectionMode, FaceDetectOptions, toFaceDetection } from './face-detection';
import { inputToSource, letterboxTransform, ViewTransform } from './letterbox';
import { suppressNested, weightedNonMaxSuppression } from './weighted-nms';

export interface FaceDetectorOptions extends SessionThreads {
  /** Default: `<repo>/models/blazeface_front_128.onnx`. */
  frontModelPath?: string;
  /** Default: `<repo>/models/blazeface_back_256.onnx`. */
  backModelPath?: string;
  /** Defaults for every detect() call. */
  defaults?: FaceDetectOptions;
}

/** Defaults measured on the scene photos (see models/blazeface.md). */
export const DEFAULT_FACE_DETECT_OPTIONS: Required<Omit<FaceDetectOptions, 'minFaceSize'>> = {
  minScore: 0.5,
  mode: 'balanced',
  maxFaces: 100,
};

/** FaceDetectOptions with every default applied. */
export type ResolvedFaceDetectOptions = Required<Omit<FaceDetectOptions, 'minFaceSize'>> &
  Pick<FaceDetectOptions, 'minFaceSize'>;

/** `options` over `defaults` (each over DEFAULT_FACE_DETECT_OPTIONS), checked. */
export function resolveFaceDetectOptions(
  options: FaceDetectOptions = {},
  defaults: FaceDetectOptions = {},
): ResolvedFaceDetectOptions {
  const pick = <K extends keyof FaceDetectOptions>(key: K) => options[key] ?? defaults[key];
  const resolved = {
    minScore: pick('minScore') ?? DEFAULT_FACE_DETECT_OPTIONS.minScore,
    mode: pick('mode') ?? DEFAULT_FACE_DETECT_OPTIONS.mode,
    maxFaces: pick('maxFaces') ?? DEFAULT_FACE_DETECT_OPTIONS.maxFaces,
    minFaceSize: pick('minFaceSize'),
  };
  if (!(resolved.minScore >= 0 && resolved.minScore <= 1))
    throw new RangeError(`minScore must be in [0, 1], got ${resolved.minScore}`);
  if (resolved.minFaceSize !== undefined && !(resolved.minFaceSize > 0)) {
    throw new RangeError(`minFaceSize must be positive, got ${resolved.minFaceSize}`);
  }
  return resolved;
}

/**
 * Candidates from this score on take part in NMS; minScore applies to the merged faces. Weaker candidates
 * still pull a face's blended box towards where the other inputs saw it (on the scene photos: recall at
 * IoU 0.5 for faces >= 32 px 0.857 -> 0.868 at minScore 0.5), and suppress nested duplicates.
 */
const CANDIDATE_MIN_SCORE = 0.25;
/** MediaPipe's suppression threshold for BlazeFace. */
const NMS_IOU_THRESHOLD = 0.3;
/** A face lying this much (intersection over its area) inside a better one is the same face. */
const NESTED_THRESHOLD = 0.6;
/** Faces this close (input pixels) to a tile's inner edge are cut; the overlapping tile sees them whole. */
const INNER_EDGE_TOLERANCE_PX = 2;
const MAX_UPSCALE = 2;
/** ~0.4 s of CPU at most (a 1280x720 frame searched for 20 px faces takes 38 tiles). */
const MAX_TILES = 48;
const THOROUGH_MIN_FACE_PX = 20;
const BALANCED_MIN_FACE_PX = 24;
const BALANCED_FACES_ACROSS = 20;

/** The smallest face the search covers by default, per mode (see FaceDetectionMode). */
export function defaultMinFaceSize(mode: FaceDetectionMode, width: number, height: number): number {
  switch (mode) {
    case 'fast':
      return Infinity;
    case 'balanced':
      return Math.max(BALANCED_MIN_FACE_PX, Math.max(width, height) / BALANCED_FACES_ACROSS);
    case 'thorough':
      return THOROUGH_MIN_FACE_PX;
  }
}

/**
 * The inputs FaceDetector.detect runs for an image of this size, in run order: finest level first, so each
 * coarser level can be resized from the one before rather than from the large source.
 */
export function faceDetectionPlan(
  width: number,
  height: number,
  options: ResolvedFaceDetectOptions,
): DetectionLevel[] {
  const minFaceSize = options.minFaceSize ?? defaultMinFaceSize(options.mode, width, height);
  return planDetection(width, height, { minFaceSize, maxUpscale: MAX_UPSCALE, maxTiles: MAX_TILES }).sort(
    (a, b) => b.width - a.width,
  );
}

/**
 * Step 2 of detection: candidates from every input (in run order, so the result does not depend on who ran
 * which input) merged by weighted NMS, nested duplicates dropped, the best maxFaces above minScore kept.
 */
export function mergeFaceCandidates(
  candidates: readonly FaceCandidate[],
  width: number,
  height: number,
  options: Pick<ResolvedFaceDetectOptions, 'minScore' | 'maxFaces'>,
): FaceDetection[] {
  return suppressNested(weightedNonMaxSuppression(candidates, NMS_IOU_THRESHOLD), NESTED_THRESHOLD)
    .filter((candidate) => candidate.score >= options.minScore)
    .map((candidate) => toFaceDetection(candidate, width, height))
    .filter(({ box }) => box.width >= 1 && box.height >= 1) // nothing left inside the image
    .slice(0, options.maxFaces);
}

/** A photo's detection inputs come from its plan's level images, each the photo resized (see detectionPyramid). */
export interface DetectionPyramid {
  /** The photo's size, which the plan and the candidates' pixels refer to. */
  width: number;
  height: number;
  /** The level images in plan order (faceDetectionPlan). */
  levels: DecodedImage[];
}

/**
 * The level images of `levels` (faceDetectionPlan of `image`). Each coarser level is resized from the one before
 * rather than from the large source, so it is cheap, and a level's pixels are the same wherever it is made: a
 * photo that several workers share has its pyramid made once.
 */
export async function detectionPyramid(
  image: DecodedImage,
  levels: readonly DetectionLevel[],
): Promise<DetectionPyramid> {
  assertRgbShape(image.data, image.width, image.height);
  const levelImages: DecodedImage[] = [];
  let previous = image;
  for (const level of levels) {
    const isSameSize = level.width === previous.width && level.height === previous.height;
    const source = level.width <= previous.width && level.height <= previous.height ? previous : image;
    previous = isSameSize ? previous : await resizeImage(source, level.width, level.height);
    levelImages.push(previous);
  }
  return { width: image.width, height: image.height, levels: levelImages };
}

function inSizeRange(candidate: FaceCandidate, view: DetectionView, inputSize: number): boolean {
  const size = Math.sqrt((candidate.xMax - candidate.xMin) * (candidate.yMax - candidate.yMin)) * inputSize;
  return size >= view.faceSizeRange.min && size <= view.faceSizeRange.max;
}

function touchesInnerEdge(candidate: FaceCandidate, view: DetectionView, transform: ViewTransform): boolean {
  const { innerEdges } = view;
  const { content, inputSize } = transform;
  const tolerance = INNER_EDGE_TOLERANCE_PX;
  return (
    (innerEdges.left && candidate.xMin * inputSize < content.left + tolerance) ||
    (innerEdges.top && candidate.yMin * inputSize < content.top + tolerance) ||
    (innerEdges.right && candidate.xMax * inputSize > content.left + content.width - tolerance) ||
    (innerEdges.bottom && candidate.yMax * inputSize > content.top + content.height - tolerance)
  );
}

/**
 * MediaPipe BlazeFace on onnxruntime: the front (128) and back (256) models over the whole image plus, for
 * small faces, tiles of an image pyramid (see planDetection); candidates from every input are mapped back
 * through their letterbox to source pixels and merged by MediaPipe's weighted NMS. Sessions are created
 * once; detect() may be called concurrently. detect() = candidates() + mergeFaceCandidates(), so that several
 * workers can each run part of one photo's inputs (see splitDetectionUnits) and have them merged as one.
 */
export class FaceDetector {
  private constructor(
    private readonly sessions: Record<BlazeFaceVariant, BlazeFaceSession>,
    private readonly defaults: FaceDetectOptions = {},
  ) {}

  static async load(options: FaceDetectorOptions = {}): Promise<FaceDetector> {
    const modelsDir = join(repoRoot(), 'models');
    const threads = { intraOpThreads: options.intraOpThreads };
    const [front, back] = await Promise.all([
      BlazeFaceSession.load(
        options.frontModelPath ?? join(modelsDir, BLAZEFACE_MODELS.front.fileName),
        BLAZEFACE_MODELS.front,
        threads,
      ),
      BlazeFaceSession.load(
        options.backModelPath ?? join(modelsDir, BLAZEFACE_MODELS.back.fileName),
        BLAZEFACE_MODELS.back,
        threads,
      ),
    ]);
    return new FaceDetector({ front, back }, options.defaults);
  }

  /**
   * Both models' inputs and outputs, each name prefixed with its model (`front/input:0`, `back/Identity:0`):
   * the two networks are served as one detector.
   */
  get signature(): ModelSignature {
    const prefixed = (key: 'inputs' | 'outputs') =>
      (Object.entries(this.sessions) as [BlazeFaceVariant, BlazeFaceSession][]).flatMap(
        ([variant, session]) =>
          session.signature[key].map((tensor) => ({ ...tensor, name: `${variant}/${tensor.name}` })),
      );
    return { inputs: prefixed('inputs'), outputs: prefixed('outputs') };
  }

  /** The inputs detect() would run for an image of this size, in run order (for cost estimates and tests). */
  plan(width: number, height: number, options: FaceDetectOptions = {}): DetectionLevel[] {
    return faceDetectionPlan(width, height, resolveFaceDetectOptions(options, this.defaults));
  }

  async detect(image: DecodedImage, options: FaceDetectOptions = {}): Promise<FaceDetection[]> {
    const resolved = resolveFaceDetectOptions(options, this.defaults);
    const levels = faceDetectionPlan(image.width, image.height, resolved);
    return this.detectInPyramid(await detectionPyramid(image, levels), resolved);
  }

  /** As detect(), on the level images of the photo's plan (detectionPyramid), e.g. made once for several workers. */
  async detectInPyramid(
    pyramid: DetectionPyramid,
    options: FaceDetectOptions = {},
  ): Promise<FaceDetection[]> {
    const resolved = resolveFaceDetectOptions(options, this.defaults);
    const candidates = await this.candidates(pyramid, resolved);
    return mergeFaceCandidates(candidates.flat(), pyramid.width, pyramid.height, resolved);
  }

  /**
   * Step 1 of detection: the candidates (source pixels) of the plan's inputs `units` (indexes into
   * detectionUnits(plan); default all), one list per unit, in the order given. `pyramid` holds the level
   * images at least up to the last level those units use.
   */
  async candidates(
    pyramid: DetectionPyramid,
    options: FaceDetectOptions = {},
    units?: readonly number[],
  ): Promise<FaceCandidate[][]> {
    const resolved = resolveFaceDetectOptions(options, this.defaults);
    const levels = faceDetectionPlan(pyramid.width, pyramid.height, resolved);
    const allUnits = detectionUnits(levels);
    const wanted = units ?? allUnits.map((_, index) => index);
    const minScore = Math.min(resolved.minScore, CANDIDATE_MIN_SCORE);
    const found: FaceCandidate[][] = [];
    for (const index of wanted) {
      const { level, view } = allUnits[index];
      const levelImage = pyramid.levels[level];
      const { width, height, views } = levels[level];
      if (!levelImage || levelImage.width !== width || levelImage.height !== height) {
        throw new RangeError(`The pyramid has no ${width}x${height} image for level ${level}`);
      }
      const scale = { x: width / pyramid.width, y: height / pyramid.height };
      found.push(await this.runView(levelImage, scale, views[view], minScore));
    }
    return found;
  }

  async release(): Promise<void> {
    await Promise.all(Object.values(this.sessions).map((session) => session.release()));
  }

  private async runView(
    levelImage: DecodedImage,
    levelScale: { x: number; y: number },
    view: DetectionView,
    minScore: number,
  ): Promise<FaceCandidate[]> {
    const session = this.sessions[view.variant];
    const { inputSize } = session.spec;
    const { tile } = view;
    const isWhole = tile.width === levelImage.width && tile.height === levelImage.height;
    const tileImage = isWhole
      ? levelImage
      : await cropRegion(levelImage, { x: tile.left, y: tile.top, width: tile.width, height: tile.height });
    const input = await toModelInput(tileImage, { size: inputSize, resize: 'letterbox' });
    const outputs = await session.run(input);
    const transform = letterboxTransform(tile, inputSize, levelScale.x, levelScale.y);
    return decodeDetections(outputs, session.anchors, session.spec, minScore)
      .filter(
        (candidate) =>
          inSizeRange(candidate, view, inputSize) && !touchesInnerEdge(candidate, view, transform),
      )
      .map((candidate) => inputToSource(candidate, transform));
  }
}
