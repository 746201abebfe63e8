import type { Box } from '@maskd/imaging';

/*
 * Face detection scored as Pascal VOC does it: detections, best score first, each claim the still unmatched
 * ground-truth box they overlap most, if that overlap reaches the IoU threshold. Recall is counted per
 * ground-truth size bucket and precision per detection size bucket, sizes being sqrt(width * height).
 */

export const SIZE_BUCKETS = ['<32', '32-64', '>64'] as const;
export type SizeBucket = (typeof SIZE_BUCKETS)[number];

export const sizeOf = (box: Box): number => Math.sqrt(box.width * box.height);

export function sizeBucket(box: Box): SizeBucket {
  const size = sizeOf(box);
  return size < 32 ? '<32' : size <= 64 ? '32-64' : '>64';
}

export function boxIou(a: Box, b: Box): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (width <= 0 || height <= 0) return 0;
  const intersection = width * height;
  return intersection / (a.width * a.height + b.width * b.height - intersection);
}

export interface ScoredBox {
  box: Box;
  score: number;
}

export interface ImageMatch {
  /** For each detection (in the given order): the index of its ground-truth box, or -1. */
  detectionToTruth: number[];
  /** For each ground-truth box: the index of its detection, or -1. */
  truthToDetection: number[];
}

export function matchDetections(
  detections: readonly ScoredBox[],
  truths: readonly Box[],
  iouThreshold = 0.5,
): ImageMatch {
  const detectionToTruth = detections.map(() => -1);
  const truthToDetection = truths.map(() => -1);
  const order = detections.map((_, index) => index).sort((a, b) => detections[b].score - detections[a].score);
  for (const d of order) {
    let best = -1;
    let bestIou = iouThreshold;
    truths.forEach((truth, t) => {
      if (truthToDetection[t] !== -1) return;
      const iou = boxIou(detections[d].box, truth);
      if (iou >= bestIou) {
        bestIou = iou;
        best = t;
      }
    });
    if (best !== -1) {
      detectionToTruth[d] = best;
      truthToDetection[best] = d;
    }
  }
  return { detectionToTruth, truthToDetection };
}

export interface BucketCounts {
  truths: number;
  found: number;
  detections: number;
  correct: number;
}

/** Accumulates matches over a dataset; `minSize` gives the ">= 32 px" figures the acceptance is about. */
export class DetectionTally {
  readonly buckets: Record<SizeBucket | 'all' | '>=32', BucketCounts>;

  constructor() {
    const empty = (): BucketCounts => ({ truths: 0, found: 0, detections: 0, correct: 0 });
    this.buckets = { '<32': empty(), '32-64': empty(), '>64': empty(), '>=32': empty(), all: empty() };
  }

  add(detections: readonly ScoredBox[], truths: readonly Box[], iouThreshold = 0.5): ImageMatch {
    const match = matchDetections(detections, truths, iouThreshold);
    const keys = (box: Box): (keyof DetectionTally['buckets'])[] =>
      sizeOf(box) >= 32 ? [sizeBucket(box), 'all', '>=32'] : [sizeBucket(box), 'all'];
    truths.forEach((truth, t) => {
      for (const key of keys(truth)) {
        this.buckets[key].truths++;
        if (match.truthToDetection[t] !== -1) this.buckets[key].found++;
      }
    });
    detections.forEach((detection, d) => {
      for (const key of keys(detection.box)) {
        this.buckets[key].detections++;
        if (match.detectionToTruth[d] !== -1) this.buckets[key].correct++;
      }
    });
    return match;
  }
}

export const recall = (counts: BucketCounts): number => (counts.truths ? counts.found / counts.truths : NaN);
export const precision = (counts: BucketCounts): number =>
  counts.detections ? counts.correct / counts.detections : NaN;
