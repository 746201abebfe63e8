import type { Box } from '@maskd/imaging';
import { boxIou, SIZE_BUCKETS, sizeBucket, SizeBucket, sizeOf } from './detection-metrics';

/*
 * Detector + classifier scored together on labelled photos: per-class average precision (each detected face
 * is a detection of every class, with confidence = detector score x classifier probability of that class) and
 * mask accuracy on the faces the detector found.
 */

export interface ClassifiedFace {
  box: Box;
  /** Detector score. */
  score: number;
  /** Classifier probability of each class, in class order. */
  classProbabilities: readonly number[];
}

export interface LabelledBox {
  box: Box;
  label: string;
}

export interface PrecisionRecallPoint {
  threshold: number;
  precision: number;
  recall: number;
}

/** VOC (2010+) average precision: area under the precision envelope, at every recall step. */
export function averagePrecision(points: readonly PrecisionRecallPoint[]): number {
  let ap = 0;
  let previousRecall = 0;
  for (let i = 0; i < points.length; i++) {
    const envelope = Math.max(...points.slice(i).map((point) => point.precision));
    ap += (points[i].recall - previousRecall) * envelope;
    previousRecall = points[i].recall;
  }
  return ap;
}

/**
 * Average precision of one class at IoU `iouThreshold`, accumulated image by image. Detections matching a
 * face labelled with an `ignored` label (e.g. incorrectly worn masks, neither class) count neither way, as VOC
 * treats `difficult` objects.
 */
export class ClassPrecisionTally {
  private readonly outcomes: { confidence: number; correct: boolean }[] = [];
  private truths = 0;

  constructor(
    readonly label: string,
    private readonly classIndex: number,
    private readonly ignored: ReadonlySet<string>,
    private readonly iouThreshold = 0.5,
  ) {}

  add(faces: readonly ClassifiedFace[], labelled: readonly LabelledBox[]): void {
    const truths = labelled.filter((truth) => truth.label === this.label);
    const ignoredTruths = labelled.filter((truth) => this.ignored.has(truth.label));
    this.truths += truths.length;
    const claimed = new Set<number>();
    const detections = faces
      .map((face) => ({ box: face.box, confidence: face.score * face.classProbabilities[this.classIndex] }))
      .sort((a, b) => b.confidence - a.confidence);
    for (const { box, confidence } of detections) {
      let best = -1;
      let bestIou = 0;
      truths.forEach((truth, t) => {
        const iou = boxIou(box, truth.box);
        if (iou > bestIou) {
          bestIou = iou;
          best = t;
        }
      });
      if (bestIou >= this.iouThreshold) {
        this.outcomes.push({ confidence, correct: !claimed.has(best) });
        claimed.add(best);
      } else if (!ignoredTruths.some((truth) => boxIou(box, truth.box) >= this.iouThreshold)) {
        this.outcomes.push({ confidence, correct: false });
      }
    }
  }

  get truthCount(): number {
    return this.truths;
  }

  curve(): PrecisionRecallPoint[] {
    const sorted = [...this.outcomes].sort((a, b) => b.confidence - a.confidence);
    let correct = 0;
    return sorted.map((outcome, index) => {
      if (outcome.correct) correct++;
      return {
        threshold: outcome.confidence,
        precision: correct / (index + 1),
        recall: this.truths ? correct / this.truths : 0,
      };
    });
  }

  averagePrecision(): number {
    return this.truths ? averagePrecision(this.curve()) : NaN;
  }
}

export interface AccuracyCounts {
  faces: number;
  correct: number;
  /** The same counts by labelled class: correct / faces is that class's recall. */
  byClass: Record<string, { faces: number; correct: number }>;
}

/** Mask accuracy (and recall per class) on labelled faces matched by a detection, by labelled face size; other labels apart. */
export class MatchedFaceAccuracy {
  readonly byBucket: Record<SizeBucket | '>=32' | 'all', AccuracyCounts>;
  /** For faces labelled outside the classes (e.g. incorrectly worn): how often each class was predicted. */
  readonly otherLabels = new Map<string, Map<string, number>>();

  constructor(private readonly classNames: readonly string[]) {
    const empty = (): AccuracyCounts => ({
      faces: 0,
      correct: 0,
      byClass: Object.fromEntries(classNames.map((name) => [name, { faces: 0, correct: 0 }])),
    });
    this.byBucket = { '<32': empty(), '32-64': empty(), '>64': empty(), '>=32': empty(), all: empty() };
  }

  add(truth: LabelledBox, predictedLabel: string): void {
    if (!this.classNames.includes(truth.label)) {
      const counts = this.otherLabels.get(truth.label) ?? new Map<string, number>();
      counts.set(predictedLabel, (counts.get(predictedLabel) ?? 0) + 1);
      this.otherLabels.set(truth.label, counts);
      return;
    }
    const keys: (SizeBucket | '>=32' | 'all')[] = [sizeBucket(truth.box), 'all'];
    if (sizeOf(truth.box) >= 32) keys.push('>=32');
    const correct = predictedLabel === truth.label ? 1 : 0;
    for (const key of keys) {
      const counts = this.byBucket[key];
      counts.faces++;
      counts.correct += correct;
      counts.byClass[truth.label].faces++;
      counts.byClass[truth.label].correct += correct;
    }
  }
}

export const ACCURACY_ROWS = [...SIZE_BUCKETS, '>=32', 'all'] as const;
