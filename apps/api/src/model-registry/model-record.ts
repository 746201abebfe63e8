import { basename, extname } from 'node:path';
import type { ModelSignature, VerifiedFaceDetector, VerifiedModel } from '@maskd/inference';

export type ModelStatus = 'loading' | 'ready' | 'failed';

export const MASK_CLASSIFICATION_TASK = 'mask-classification';
export const FACE_DETECTION_TASK = 'face-detection';

/** One file of a model, checked against the card at load. */
export interface ModelFile {
  file: string;
  sha256: string;
  sizeBytes: number;
}

/** What the registry knows about one configured model, loaded or not. */
export interface ModelRecord {
  name: string;
  task: string;
  /** The model's ONNX file (several, comma-separated, for the two-network face detector). */
  file: string;
  status: ModelStatus;
  error?: string;
  version?: string;
  description?: string;
  /** sha256 of the ONNX file (single-file models; see `files` for every file). */
  sha256?: string;
  sizeBytes?: number;
  files?: ModelFile[];
  signature?: ModelSignature;
  classNames?: string[];
  threshold?: number;
  metrics?: Record<string, unknown>;
  loadedAt?: Date;
  loadMs?: number;
}

const asRecord = (value: unknown) =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;

/** A record for a model about to load, named after its file until its card gives the name. */
export function loadingRecord(path: string, task: string, file = basename(path)): ModelRecord {
  return { name: basename(path, extname(path)), task, file, status: 'loading' };
}

/** The mask model's record once its card and file have been checked. */
export function maskModelFacts(verified: VerifiedModel): Partial<ModelRecord> {
  const { card, sizeBytes, modelPath } = verified;
  return {
    name: card.name,
    version: card.version,
    description: typeof card.description === 'string' ? card.description : undefined,
    sha256: card.sha256,
    sizeBytes,
    files: [{ file: basename(modelPath), sha256: card.sha256, sizeBytes }],
    classNames: card.class_names,
    threshold: card.threshold,
    metrics: card.metrics,
  };
}

/** The face detector's record once both its files have been checked. */
export function faceDetectorFacts(verified: VerifiedFaceDetector): Partial<ModelRecord> {
  const { card, files } = verified;
  return {
    name: card.name,
    version: card.version,
    description: card.description,
    file: files.map((entry) => basename(entry.path)).join(', '),
    sizeBytes: files.reduce((sum, entry) => sum + entry.sizeBytes, 0),
    files: files.map((entry) => ({
      file: basename(entry.path),
      sha256: entry.sha256,
      sizeBytes: entry.sizeBytes,
    })),
    metrics: asRecord(card.evaluation),
  };
}
