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
import { BLAZEFACE_MODELS, BlazeFaceVariant } from './blazeface-models';
import { BlazeFaceSession, SessionThreadOptions } from './blazeface-session';
import { decodeDetections, FaceCandidate } from './decode';
import { DetectionLevel, DetectionView, planDetection } from './detection-plan';
import { FaceDetection, FaceDetectionMode, FaceDetectOptions, toFaceDetection } from './face-detection';
import { inputToSource, letterboxTransform, ViewTransform } from './letterbox';
import { suppressNested, weightedNonMaxSuppression } from './weighted-nms';

export interface FaceDetectorOptions extends SessionThreadOptions {
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
 * once; detect() may be called concurrently.
 */
export class FaceDetector {
  private readonly defaults: Required<Omit<FaceDetectOptions, 'minFaceSize'>> &
    Pick<FaceDetectOptions, 'minFaceSize'>;

  private constructor(
    private readonly sessions: Record<BlazeFaceVariant, BlazeFaceSession>,
    defaults: FaceDetectOptions = {},
  ) {
    this.defaults = { ...DEFAULT_FACE_DETECT_OPTIONS, ...defaults };
  }

  static async load(options: FaceDetectorOptions = {}): Promise<FaceDetector> {
    const modelsDir = join(repoRoot(), 'models');
    const threads = { intraOpThreads: options.intraOpThreads, interOpThreads: options.interOpThreads };
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

  /** The inputs detect() would run for an image of this size (for cost estimates and tests). */
  plan(width: number, height: number, options: FaceDetectOptions = {}): DetectionLevel[] {
    const mode = options.mode ?? this.defaults.mode;
    const minFaceSize =
      options.minFaceSize ?? this.defaults.minFaceSize ?? defaultMinFaceSize(mode, width, height);
    return planDetection(width, height, { minFaceSize, maxUpscale: MAX_UPSCALE, maxTiles: MAX_TILES });
  }

  async detect(image: DecodedImage, options: FaceDetectOptions = {}): Promise<FaceDetection[]> {
    assertRgbShape(image.data, image.width, image.height);
    const minScore = options.minScore ?? this.defaults.minScore;
    const maxFaces = options.maxFaces ?? this.defaults.maxFaces;
    if (!(minScore >= 0 && minScore <= 1))
      throw new RangeError(`minScore must be in [0, 1], got ${minScore}`);
    if (options.minFaceSize !== undefined && !(options.minFaceSize > 0)) {
      throw new RangeError(`minFaceSize must be positive, got ${options.minFaceSize}`);
    }

    const candidates: FaceCandidate[] = [];
    // Finest level first: each coarser level is resized from the one before, not from the large source.
    const levels = this.plan(image.width, image.height, options).sort((a, b) => b.width - a.width);
    let previous = image;
    for (const level of levels) {
      const isSameSize = level.width === previous.width && level.height === previous.height;
      const source = level.width <= previous.width && level.height <= previous.height ? previous : image;
      const levelImage = isSameSize ? previous : await resizeImage(source, level.width, level.height);
      previous = levelImage;
      const scale = { x: level.width / image.width, y: level.height / image.height };
      for (const view of level.views) {
        candidates.push(
          ...(await this.runView(levelImage, scale, view, Math.min(minScore, CANDIDATE_MIN_SCORE))),
        );
      }
    }
    return suppressNested(weightedNonMaxSuppression(candidates, NMS_IOU_THRESHOLD), NESTED_THRESHOLD)
      .filter((candidate) => candidate.score >= minScore)
      .map((candidate) => toFaceDetection(candidate, image.width, image.height))
      .filter(({ box }) => box.width >= 1 && box.height >= 1) // nothing left inside the image
      .slice(0, maxFaces);
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
