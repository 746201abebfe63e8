import type { PrPoint, RocPoint, ScoreSummary, ThresholdChoice, ThresholdMetrics } from './metrics';

/*
 * The machine-readable result of `evaluateModel`, written as `evaluation.json`; the model card generator reads
 * it. Curve thresholds of +Infinity (the first point of each curve) are written as null by JSON.
 */

export const EVALUATION_SCHEMA_VERSION = 1;
export const EVALUATION_FILE = 'evaluation.json';
/** Per-sample scores beside it, one row per scored image or face crop (model:install re-reads them). */
export const PREDICTIONS_FILE = 'predictions.csv';
export const PREDICTIONS_COLUMNS = ['set', 'sample', 'label', 'face_size_px', 'p_without_mask'];

export interface EvaluatedModel {
  kind: 'onnx' | 'tfjs';
  path: string;
  name: string;
  version: string;
  /** sha256 of the .onnx file; for a tfjs folder, of its model.json and weight shards (see `tfjsModelSha256`). */
  sha256: string;
  classNames: [string, string];
  /** The model card next to an .onnx file, when there is one. */
  cardPath?: string;
  /** The card's decision threshold, when there is a card. */
  cardThreshold?: number;
  /** The card's `status`, e.g. "untrained bootstrap model", so a report never passes one off as trained. */
  status?: string;
  trainingRunId?: string;
}

export interface ThresholdReport {
  /** The decision threshold all headline numbers use: P(without_mask) >= value means without_mask. */
  value: number;
  source: 'option' | 'model card' | 'default';
  /** The threshold chosen on the tuning split, reported next to `value`; not applied unless passed as the option. */
  tuned?: ThresholdChoice & { split: string; count: number };
}

/** Metrics of one labelled set of face images scored by the model. */
export interface SetEvaluation {
  /** e.g. `test split`, `VOC face crops (andrewmvd_scenes_dev)`. */
  name: string;
  count: number;
  /** Samples per true class, in class index order. */
  classCounts: [number, number];
  atThreshold: ThresholdMetrics;
  /** The same samples at the tuned threshold, when one was chosen. */
  atTunedThreshold?: ThresholdMetrics;
  summary: ScoreSummary;
  roc: RocPoint[];
  precisionRecall: PrPoint[];
  /** Images per second through decode, preprocessing and inference (noisy on a shared machine). */
  imagesPerSecond: number;
}

export interface FaceSizeBreakdown {
  /** `<32`, `32-64` or `>64` (see `faceSizeBucket`). */
  bucket: string;
  count: number;
  classCounts: [number, number];
  accuracy: number;
  /** Recall of each class in this bucket (null when the bucket has none of it). */
  recall: [number | null, number | null];
}

export interface VocEvaluation {
  dataset: string;
  dir: string;
  images: number;
  /** Crop margin: fraction of the box width/height added on each side (see `cropRegion`). */
  margin: number;
  minFaceSize: number;
  faces: {
    /** Faces with a mask label (with_mask, without_mask, mask_weared_incorrect). */
    total: number;
    /** Faces evaluated (at least `minFaceSize` px). */
    evaluated: number;
    tooSmall: number;
    /** Evaluated faces per VOC label. */
    byLabel: Record<string, number>;
  };
  /** `with_mask` / `without_mask` faces, scored like the test split. */
  binary: SetEvaluation;
  bySize: FaceSizeBreakdown[];
  /** How the model labels `mask_weared_incorrect` faces (no right answer: reported on its own). */
  incorrectlyWorn: {
    count: number;
    predictedWithoutMask: number;
    predictedWithMask: number;
    meanScore: number | null;
  };
  /** Accuracy and ranking at other crop margins, to choose the face-crop margin on evidence. */
  marginSweep: { margin: number; accuracy: number; balancedAccuracy: number; rocAuc: number | null }[];
}

export interface FigureFile {
  id: 'confusion_matrix' | 'roc_curve' | 'precision_recall' | 'score_histogram' | 'training_curves' | string;
  title: string;
  /** Absolute path of the PNG. */
  file: string;
}

export interface EvaluationReport {
  schemaVersion: typeof EVALUATION_SCHEMA_VERSION;
  createdAt: string;
  /** The command line that produced it, when run from the CLI. */
  command?: string;
  model: EvaluatedModel;
  dataset: {
    dir: string;
    manifestSha256: string;
    /** Image count per split of the prepared dataset. */
    splitSizes: Record<string, number>;
    split: string;
  };
  threshold: ThresholdReport;
  split: SetEvaluation;
  voc: VocEvaluation[];
  figures: FigureFile[];
  trainingHistory?: string;
  tracking?: { runId: string; experimentId: string; artifactUri: string };
  /** Seconds for the whole evaluation. */
  durationSeconds: number;
}
