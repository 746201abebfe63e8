import type { Box } from '@maskd/imaging';
import type { MaskModelCard } from '../mask-classifier/model-card';
import { interpretProbability, MaskPrediction } from '../mask-classifier/mask-prediction';
import type { ImageRegions } from './image-regions';

/** One face with its mask prediction; the box in the upright source image's pixels (whole pixels). */
export interface ClassifiedFace extends MaskPrediction {
  box: Box;
  /** Detector confidence in [0, 1]. */
  score: number;
}

/**
 * The answer for one image. With faces, the verdict is that of the face most likely to be unmasked: the image is
 * `without_mask` when any face is, with that face's confidence; `with_mask` when every face is, with the lowest
 * confidence among them. `label` is null when there was nothing to classify (`faces` mode, no face found).
 */
export interface ImageVerdict {
  label: string | null;
  confidence: number | null;
  hasMask: boolean | null;
  message: string;
  /** Absent in `whole` mode; empty when no face was found. */
  faces?: ClassifiedFace[];
}

type Card = Pick<MaskModelCard, 'class_names' | 'threshold'>;

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

function wholeImageMessage(prediction: MaskPrediction): string {
  if (prediction.label === 'with_mask') return 'Face mask detected';
  if (prediction.label === 'without_mask') return 'No face mask detected';
  return `Predicted ${prediction.label}`;
}

function facesMessage(faces: readonly ClassifiedFace[]): string {
  const unmasked = faces.filter((face) => !face.hasMask).length;
  if (unmasked === 0) {
    return faces.length === 1
      ? 'Face mask detected (1 face)'
      : `Face mask detected on all ${faces.length} faces`;
  }
  return faces.length === 1
    ? 'No face mask detected (1 face)'
    : `No face mask on ${unmasked} of ${plural(faces.length, 'face')}`;
}

/** Rounds a box to whole pixels of the source image (its edges rounded, so adjacent boxes stay adjacent). */
function toSourceBox(box: Box, scale: ImageRegions['toSource']): Box {
  const x = Math.round(box.x * scale.x);
  const y = Math.round(box.y * scale.y);
  return {
    x,
    y,
    width: Math.round((box.x + box.width) * scale.x) - x,
    height: Math.round((box.y + box.height) * scale.y) - y,
  };
}

/**
 * Step 5 of the shared pipeline: the classifier's probabilities (P(class 1) per input of `regions`, in order)
 * read as the answer for the image. The rules are in ImageVerdict.
 */
export function imageVerdict(
  regions: ImageRegions,
  probabilities: readonly number[],
  card: Card,
): ImageVerdict {
  if (probabilities.length !== regions.inputs.length) {
    throw new RangeError(`${probabilities.length} probabilities for ${regions.inputs.length} inputs`);
  }
  const classifiedFaces = regions.faces?.map((face, index): ClassifiedFace => ({
    box: toSourceBox(face.box, regions.toSource),
    score: face.score,
    ...interpretProbability(probabilities[index], card),
  }));
  if (regions.fallback || regions.mode === 'whole') {
    const prediction = interpretProbability(probabilities[0], card);
    const verdict = wholeImageMessage(prediction);
    const message = !regions.fallback
      ? verdict
      : regions.fallback.reason === 'no_face'
        ? `No face found, so the whole image was classified: ${verdict.toLowerCase()}`
        : `Face detection is not available (${regions.fallback.detail}), so the whole image was classified: ${verdict.toLowerCase()}`;
    const faces = regions.mode === 'whole' ? undefined : [];
    return {
      label: prediction.label,
      confidence: prediction.confidence,
      hasMask: prediction.hasMask,
      message,
      faces,
    };
  }
  const faces = classifiedFaces ?? [];
  if (faces.length === 0)
    return { label: null, confidence: null, hasMask: null, message: 'No face found', faces };
  const top = interpretProbability(Math.max(...probabilities), card);
  return {
    label: top.label,
    confidence: top.confidence,
    hasMask: top.hasMask,
    message: facesMessage(faces),
    faces,
  };
}

/** One face in the JSON answers of the API and the CLI. */
export interface FaceJson {
  box: Box;
  score: number;
  prediction: string;
  confidence: number;
  has_mask: boolean;
}

/** A verdict in the JSON answers of the API and the CLI (snake_case, as the API has always answered). */
export interface VerdictJson {
  prediction: string | null;
  confidence: number | null;
  has_mask: boolean | null;
  message: string;
  faces?: FaceJson[];
}

export function verdictJson(verdict: ImageVerdict): VerdictJson {
  return {
    prediction: verdict.label,
    confidence: verdict.confidence,
    has_mask: verdict.hasMask,
    message: verdict.message,
    faces: verdict.faces?.map((face) => ({
      box: face.box,
      score: face.score,
      prediction: face.label,
      confidence: face.confidence,
      has_mask: face.hasMask,
    })),
  };
}
