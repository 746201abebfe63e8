import { performance } from 'node:perf_hooks';
import { DecodedImage, ModelInputOptions, modelInputDecodeOptions, toModelInput } from '@maskd/imaging';
import { faceCropInputs, OnModelInput } from '../face-detection/face-crops';
import type { FaceDetection, FaceDetectOptions } from '../face-detection/face-detection';
import { InferenceUnavailableError } from '../inference-pool/inference-pool';
import type { DetectMode } from './detect-mode';

/** Finds faces in a decoded image: the in-process FaceDetector (CLI) or the worker pool (API). */
export interface FaceFinder {
  detectFaces(image: DecodedImage, options?: FaceDetectOptions): Promise<FaceDetection[]>;
}

/**
 * When faces are looked for, photos whose shorter side is at least twice this are decoded reduced to it
 * (shrink-on-load: a 12 Mpx phone photo decodes at 1/2 or 1/4 scale, ~4 MB of pixels instead of 36 MB). A
 * 1080p frame and anything smaller keep every pixel, which small faces need; in a reduced photo the detector's
 * default modes still look for faces from ~1/20 of the longer side, far above what the reduction loses.
 */
const FACE_DECODE_TARGET_SIDE = 1080;

/**
 * The `targetSide` to decode with (see decodeImage): a whole image is decoded as training decodes it
 * (modelInputDecodeOptions); faces are looked for in up to FACE_DECODE_TARGET_SIDE.
 */
export function decodeTargetSide(mode: DetectMode, input: ModelInputOptions): number {
  return mode === 'whole' ? modelInputDecodeOptions(input.size).targetSide : FACE_DECODE_TARGET_SIDE;
}

export interface RegionOptions {
  mode: DetectMode;
  /** Absent when the detector is not available: `auto` then classifies the whole image, `faces` fails. */
  faceFinder?: FaceFinder;
  /** Why there is no faceFinder, for the answer's message. */
  faceFinderUnavailable?: string;
  detect?: FaceDetectOptions;
  /** The classifier's input (size, resize mode from its card). */
  input: ModelInputOptions;
  /** Face crop margin (FACE_CROP_MARGIN). */
  margin: number;
  /** Sees each classifier input as soon as it is made, e.g. to classify while later faces are resized. */
  onInput?: OnModelInput;
}

/** Why a mode that looks for faces classified the whole image instead. */
export type WholeImageFallback = { reason: 'no_face' } | { reason: 'detector_unavailable'; detail: string };

/** What to classify in one image, and how it was chosen. */
export interface ImageRegions {
  mode: DetectMode;
  /** The faces found, in the decoded image's pixels; absent when no detection ran. */
  faces?: FaceDetection[];
  /** The classifier inputs: one per face, or one for the whole image; none in `faces` mode without a face. */
  inputs: Float32Array[];
  fallback?: WholeImageFallback;
  /** Time spent finding faces (queue wait included). */
  detectionMs?: number;
  /** From decoded pixels to the upright source image's pixels (decoding may have reduced a large photo). */
  toSource: { x: number; y: number };
}

/**
 * Steps 2-3 of the pipeline the API and the CLI share: which parts of the decoded image to classify (per the
 * mode), and their classifier inputs, made with the one preprocessing function (faces cropped with the margin).
 */
export async function imageRegions(image: DecodedImage, options: RegionOptions): Promise<ImageRegions> {
  const { mode, faceFinder, input } = options;
  const toSource = {
    x: (image.sourceWidth ?? image.width) / image.width,
    y: (image.sourceHeight ?? image.height) / image.height,
  };
  const whole = async (fallback?: WholeImageFallback): Promise<ImageRegions> => {
    const modelInput = await toModelInput(image, input);
    options.onInput?.(modelInput, 0, 1);
    return { mode, inputs: [modelInput], fallback, toSource };
  };
  if (mode === 'whole') return whole();
  if (!faceFinder) {
    const detail = options.faceFinderUnavailable ?? 'no face detector is loaded';
    if (mode === 'faces')
      throw new InferenceUnavailableError(`The face detector is not available: ${detail}`);
    return whole({ reason: 'detector_unavailable', detail });
  }
  const started = performance.now();
  const faces = await faceFinder.detectFaces(image, options.detect);
  const detectionMs = performance.now() - started;
  if (faces.length === 0 && mode === 'auto')
    return { ...(await whole({ reason: 'no_face' })), faces, detectionMs };
  const inputs = await faceCropInputs(
    image,
    faces.map((face) => face.box),
    { ...input, margin: options.margin },
    options.onInput,
  );
  return { mode, faces, inputs, detectionMs, toSource };
}
