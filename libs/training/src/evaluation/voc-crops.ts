import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { cropRegion, decodeImage, DEFAULT_RESIZE_MODE, toModelInput } from '@maskd/imaging';
import { FACE_CROP_MARGIN, MASK_MODEL_CONTRACT, type MaskClassifier } from '@maskd/inference';
import { FACE_SIZE_BUCKETS, faceSizeBucket, faceSizePx, loadVocDataset, type VocObject } from '../data/voc';
import type { ScoredSet } from './figures';
import { rocAuc, thresholdMetrics } from './metrics';
import { evaluateScoredSet } from './scored-set';
import { scoreItems, type ScoringOptions } from './scoring';
import type { FaceSizeBreakdown, VocEvaluation } from './types';

/** The one face-crop margin (defined, with its measurement, next to faceCropInputs in @maskd/inference). */
export { FACE_CROP_MARGIN };

/** Faces smaller than this (sqrt of box area, px) are not evaluated by default. */
export const DEFAULT_MIN_FACE_SIZE = 32;

/** Margins evaluated besides the chosen one. */
export const DEFAULT_MARGIN_SWEEP: readonly number[] = [0, 0.1, 0.2, 0.3, 0.5];

export const INCORRECTLY_WORN_LABEL = 'mask_weared_incorrect';

export interface VocCropOptions {
  dir: string;
  classNames: readonly [string, string];
  threshold: number;
  tunedThreshold?: number;
  margin?: number;
  minFaceSize?: number;
  marginSweep?: readonly number[];
  scoring?: ScoringOptions;
}

export interface FacePrediction {
  id: string;
  label: string;
  size: number;
  score: number;
}

interface Face extends VocObject {
  id: string;
  size: number;
}

const unique = (values: readonly number[]) => [...new Set(values)];

/**
 * Classifies face crops cut from labelled photos: every VOC box of at least `minFaceSize` px, cropped with
 * `margin` through the shared imaging code. `with_mask`/`without_mask` faces are scored like the test split;
 * `mask_weared_incorrect` faces are reported on their own; accuracy is broken down by face size.
 */
export async function evaluateVocCrops(
  classifier: MaskClassifier,
  options: VocCropOptions,
): Promise<{ evaluation: VocEvaluation; scored: ScoredSet; predictions: FacePrediction[] }> {
  const { classNames, threshold } = options;
  const margin = options.margin ?? FACE_CROP_MARGIN;
  const minFaceSize = options.minFaceSize ?? DEFAULT_MIN_FACE_SIZE;
  const margins = unique([margin, ...(options.marginSweep ?? DEFAULT_MARGIN_SWEEP)]);
  const dataset = await loadVocDataset(options.dir);
  if (dataset.samples.length === 0) throw new Error(`${options.dir} has no usable VOC annotations`);
  const known = new Set<string>([...classNames, INCORRECTLY_WORN_LABEL]);

  let total = 0;
  let tooSmall = 0;
  const images = dataset.samples.map((sample) => {
    const labelled: Face[] = sample.annotation.objects
      .map((object, index) => ({ ...object, id: `${sample.id}#${index + 1}`, size: faceSizePx(object.box) }))
      .filter((face) => known.has(face.label));
    const faces = labelled.filter((face) => face.size >= minFaceSize);
    total += labelled.length;
    tooSmall += labelled.length - faces.length;
    return { sample, faces };
  });
  const faces = images.flatMap((image) => image.faces);
  if (faces.length === 0)
    throw new Error(`${options.dir} has no labelled face of at least ${minFaceSize} px`);

  const { inputSize } = MASK_MODEL_CONTRACT;
  const started = performance.now();
  const scores = await scoreItems(
    images.filter((image) => image.faces.length > 0),
    async ({ sample, faces: imageFaces }) => {
      const image = await decodeImage(await readFile(sample.imagePath));
      const inputs: Float32Array[] = [];
      for (const face of imageFaces) {
        for (const m of margins) {
          const crop = await cropRegion(image, face.box, m);
          inputs.push(await toModelInput(crop, { size: inputSize, resize: DEFAULT_RESIZE_MODE }));
        }
      }
      return inputs;
    },
    classifier,
    options.scoring,
  );
  const imagesPerSecond = (faces.length * margins.length) / ((performance.now() - started) / 1000);
  // scores[image][face * margins.length + marginIndex] -> per margin, per face in `faces` order.
  const flat = scores.flat();
  const scoreAt = (faceIndex: number, marginIndex: number) => flat[faceIndex * margins.length + marginIndex];

  const binaryIndices = faces.flatMap((face, i) => (classNames.includes(face.label) ? [i] : []));
  const labels = binaryIndices.map((i) => classNames.indexOf(faces[i].label));
  const chosen = margins.indexOf(margin);
  const binaryScores = binaryIndices.map((i) => scoreAt(i, chosen));
  const binary = evaluateScoredSet(`VOC face crops (${basename(options.dir)})`, labels, binaryScores, {
    classNames,
    threshold,
    tunedThreshold: options.tunedThreshold,
    imagesPerSecond,
  });

  const bySize = faceSizeBreakdown(
    labels,
    binaryScores,
    binaryIndices.map((i) => faces[i].size),
    threshold,
    classNames,
  );

  const incorrect = faces.flatMap((face, i) =>
    face.label === INCORRECTLY_WORN_LABEL ? [scoreAt(i, chosen)] : [],
  );
  const predictedWithoutMask = incorrect.filter((score) => score >= threshold).length;

  const marginSweep = margins
    .map((m, marginIndex) => {
      const sweepScores = binaryIndices.map((i) => scoreAt(i, marginIndex));
      const metrics = thresholdMetrics(labels, sweepScores, threshold, classNames);
      return {
        margin: m,
        accuracy: metrics.accuracy,
        balancedAccuracy: metrics.balancedAccuracy,
        rocAuc: rocAuc(labels, sweepScores),
      };
    })
    .sort((a, b) => a.margin - b.margin);

  const byLabel: Record<string, number> = {};
  for (const face of faces) byLabel[face.label] = (byLabel[face.label] ?? 0) + 1;

  return {
    evaluation: {
      dataset: basename(options.dir),
      dir: options.dir,
      images: dataset.samples.length,
      margin,
      minFaceSize,
      faces: { total, evaluated: faces.length, tooSmall, byLabel },
      binary,
      bySize,
      incorrectlyWorn: {
        count: incorrect.length,
        predictedWithoutMask,
        predictedWithMask: incorrect.length - predictedWithoutMask,
        meanScore: incorrect.length === 0 ? null : incorrect.reduce((a, b) => a + b, 0) / incorrect.length,
      },
      marginSweep,
    },
    scored: { evaluation: binary, labels, scores: binaryScores },
    predictions: faces.map((face, i) => ({
      id: face.id,
      label: face.label,
      size: face.size,
      score: scoreAt(i, chosen),
    })),
  };
}

/** Accuracy and per-class recall by face size bucket (`faceSizeBucket`); buckets without faces are left out. */
export function faceSizeBreakdown(
  labels: readonly number[],
  scores: readonly number[],
  sizes: readonly number[],
  threshold: number,
  classNames: readonly [string, string],
): FaceSizeBreakdown[] {
  return FACE_SIZE_BUCKETS.flatMap((bucket) => {
    const members = sizes.flatMap((size, k) => (faceSizeBucket(size) === bucket ? [k] : []));
    if (members.length === 0) return [];
    const m = thresholdMetrics(
      members.map((k) => labels[k]),
      members.map((k) => scores[k]),
      threshold,
      classNames,
    );
    const recall = m.perClass.map((c) => (c.support === 0 ? null : c.recall)) as [
      number | null,
      number | null,
    ];
    return [
      {
        bucket,
        count: m.count,
        classCounts: [m.perClass[0].support, m.perClass[1].support],
        accuracy: m.accuracy,
        recall,
      },
    ];
  });
}
