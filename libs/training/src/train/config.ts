import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { sharedDataDir } from '@maskd/imaging';

/*
 * The one training configuration schema: YAML files under training/configs are validated against it on load,
 * command-line overrides are applied to the raw document first (so errors name the key either way), and every
 * default lives here. Paths may start with `{shared}` (the shared data directory, MASKD_SHARED_DIR); relative
 * paths are relative to the working directory.
 */

const probability = z.number().min(0).max(1);
const positiveInt = z.number().int().positive();

const ScheduleSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('constant') }),
    z.strictObject({
      type: z.literal('cosine'),
      /** Linear ramp from 0 over this many epochs (may be fractional). */
      warmupEpochs: z.number().min(0).default(0),
      /** The rate decays from learningRate to learningRate * finalFactor over the phase. */
      finalFactor: z.number().min(0).max(1).default(0.05),
    }),
    z.strictObject({
      type: z.literal('exponential'),
      warmupEpochs: z.number().min(0).default(0),
      /** Multiplier per epoch. */
      decayRate: z.number().gt(0).max(1).default(0.8),
    }),
  ])
  .prefault({ type: 'cosine' });

const EarlyStoppingSchema = z
  .strictObject({
    /** Epochs without a validation-loss improvement before the phase stops; 0 disables early stopping. */
    patience: z.number().int().min(0).default(3),
    /** A decrease smaller than this does not count as an improvement. */
    minDelta: z.number().min(0).default(0.0005),
  })
  .prefault({});

function phaseSchema(defaults: { epochs: number; learningRate: number }) {
  return z.strictObject({
    epochs: z.number().int().min(0).default(defaults.epochs),
    learningRate: z.number().positive().default(defaults.learningRate),
    schedule: ScheduleSchema,
    earlyStopping: EarlyStoppingSchema,
  });
}

const DegradationSchema = z
  .strictObject({
    /** Share of images shrunk to a small face size (then enlarged to the input by the shared preprocessing). */
    probability: probability.default(0.5),
    /** Range of the shorter side, in px, the image is shrunk to. */
    minSide: positiveInt.default(16),
    maxSide: positiveInt.default(64),
    blurProbability: probability.default(0.3),
    maxBlurSigma: z.number().min(0.3).max(5).default(1.2),
    jpegProbability: probability.default(0.6),
    jpegQualityMin: z.number().int().min(1).max(100).default(15),
    jpegQualityMax: z.number().int().min(1).max(100).default(60),
  })
  .refine((d) => d.minSide <= d.maxSide, { message: 'minSide must not exceed maxSide' })
  .refine((d) => d.jpegQualityMin <= d.jpegQualityMax, {
    message: 'jpegQualityMin must not exceed jpegQualityMax',
  })
  .prefault({});

export const AugmentationSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Rotation uniform in +-rotationDegrees. */
    rotationDegrees: z.number().min(0).max(45).default(15),
    horizontalFlip: z.boolean().default(true),
    /** Side of the crop relative to the image, uniform in [1 - zoom, 1 + zoom] (above 1: mirrored border). */
    zoom: z.number().min(0).max(0.5).default(0.15),
    /** Crop centre offset, fraction of the image side, uniform in +-shift (detector box jitter). */
    shift: z.number().min(0).max(0.3).default(0.08),
    /** Crop aspect ratio uniform in [1 - aspect, 1 + aspect]. */
    aspect: z.number().min(0).max(0.5).default(0.1),
    /** Brightness multiplier uniform in [1 - brightness, 1 + brightness]. */
    brightness: z.number().min(0).max(0.9).default(0.25),
    contrast: z.number().min(0).max(0.9).default(0.2),
    saturation: z.number().min(0).max(0.9).default(0.25),
    hueDegrees: z.number().min(0).max(180).default(8),
    grayscaleProbability: probability.default(0.05),
    degrade: DegradationSchema,
  })
  .prefault({});

export const TrainingConfigSchema = z.strictObject({
  /** MLflow experiment the run is recorded under. */
  experiment: z.string().min(1).default('maskd-mask-classifier'),
  runName: z.string().min(1).optional(),
  /** Seeds shuffling, augmentation, dropout and the head's initialisation. */
  seed: z.number().int().min(0).default(42),
  data: z
    .strictObject({
      /** A dataset folder prepared by `npm run data:prepare` (manifest.csv, dataset.json). */
      prepared: z.string().min(1).default('training/runs/prepared/chandrikadeb7'),
      /** When `prepared` holds no prepared dataset yet, it is prepared from this folder (one folder per class). */
      source: z.string().min(1).optional().default('{shared}/datasets/chandrikadeb7'),
    })
    .prefault({}),
  model: z
    .strictObject({
      /** ImageNet MobileNetV2 backbone: tfjs layers folder or model.json URL. */
      weights: z.string().min(1).default('{shared}/weights/mobilenet_v2_1.0_224_no_top'),
      headUnits: positiveInt.default(128),
      dropout: z.number().min(0).lt(1).default(0.5),
    })
    .prefault({}),
  batchSize: positiveInt.max(1024).default(32),
  augmentation: AugmentationSchema,
  /** Phase 1: the new head on the frozen ImageNet backbone. */
  head: phaseSchema({ epochs: 10, learningRate: 1e-3 }).prefault({}),
  /** Phase 2: the top of the backbone unfrozen and fine-tuned with the head at a lower rate. */
  fineTune: phaseSchema({ epochs: 5, learningRate: 1e-4 })
    .extend({
      /**
       * Inverted-residual blocks unfrozen from the top (block_16 down), besides Conv_1 which always is. 3 (blocks
       * 14-16, the 7x7 stage) measured best for the budget: see libs/training/src/train/README.md.
       */
      unfreezeBlocks: z.number().int().min(0).max(16).default(3),
    })
    .prefault({}),
  evaluation: z
    .strictObject({
      enabled: z.boolean().default(true),
      split: z.string().min(1).default('test'),
      /** Folders of labelled photos (images/ + Pascal VOC annotations/) whose face crops are evaluated too. */
      voc: z
        .array(z.string().min(1))
        .default(['{shared}/datasets/andrewmvd_scenes_dev', '{shared}/datasets/formatcom_scenes']),
    })
    .prefault({}),
  export: z
    .strictObject({
      enabled: z.boolean().default(true),
      fileName: z
        .string()
        .regex(/^[\w.-]+\.onnx$/, 'must be a file name ending in .onnx')
        .default('mask_detector.onnx'),
      modelVersion: z.string().min(1).default('1.0.0'),
      /** Largest |p_tfjs - p_onnx| accepted on the parity images. */
      parityTolerance: z.number().positive().default(1e-4),
      parityImages: positiveInt.default(32),
    })
    .prefault({}),
  output: z
    .strictObject({
      runsDir: z.string().min(1).default('training/runs'),
      /** MLflow tracking URI (directory or http(s)); default MLFLOW_TRACKING_URI, else ./mlruns. */
      trackingUri: z.string().min(1).optional(),
    })
    .prefault({}),
});

export type TrainingConfig = z.infer<typeof TrainingConfigSchema>;
export type AugmentationConfig = TrainingConfig['augmentation'];
export type PhaseConfig = TrainingConfig['head'];
export type ScheduleConfig = PhaseConfig['schedule'];
export type EarlyStoppingConfig = PhaseConfig['earlyStopping'];

export class TrainingConfigError extends Error {
  override readonly name = 'TrainingConfigError';
}

/** Validates a parsed document; the error lists every problem as `path: message`. */
export function parseTrainingConfig(raw: unknown, source = 'training config'): TrainingConfig {
  const result = TrainingConfigSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  throw new TrainingConfigError(invalidDocumentMessage(source, result.error));
}

/** `<source> is invalid:` and every problem of a schema check on its own line, as `path: message`. */
export function invalidDocumentMessage(source: string, error: z.ZodError): string {
  const problems = error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return `  - ${where}: ${issue.message}`;
  });
  return `${source} is invalid:\n${problems.join('\n')}`;
}

/**
 * Reads a YAML config, applies `overrides` (dotted keys, e.g. `fineTune.epochs`) and validates it.
 * Without a file, the schema defaults are the config.
 */
export async function loadTrainingConfig(
  file: string | undefined,
  overrides: Record<string, unknown> = {},
): Promise<TrainingConfig> {
  let document: unknown = {};
  if (file) {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new TrainingConfigError(`cannot read the config ${file}: ${error.code ?? error.message}`);
    });
    try {
      document = parseYaml(text) ?? {};
    } catch (error) {
      throw new TrainingConfigError(`${file} is not valid YAML: ${(error as Error).message}`);
    }
    if (typeof document !== 'object' || Array.isArray(document)) {
      throw new TrainingConfigError(`${file} must hold a YAML mapping of settings`);
    }
  }
  return parseTrainingConfig(applyOverrides(document as Record<string, unknown>, overrides), file);
}

/** Sets dotted keys on a copy of the document (creating intermediate mappings). */
export function applyOverrides(
  document: Record<string, unknown>,
  overrides: Record<string, unknown>,
): Record<string, unknown> {
  const copy = structuredClone(document);
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const parts = key.split('.');
    let node: Record<string, unknown> = copy;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (next === undefined || next === null) node[part] = {};
      else if (typeof next !== 'object' || Array.isArray(next)) {
        throw new TrainingConfigError(`cannot set ${key}: ${part} is not a mapping`);
      }
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = value;
  }
  return copy;
}

/** Parses `key=value` (the value as a YAML scalar or flow collection, e.g. `head.epochs=3`, `evaluation.voc=[]`). */
export function parseSetOption(assignment: string): [string, unknown] {
  const match = /^([A-Za-z][\w]*(?:\.[A-Za-z][\w]*)*)=(.*)$/s.exec(assignment);
  if (!match) throw new TrainingConfigError(`--set expects key=value, got "${assignment}"`);
  return [match[1], parseYaml(match[2])];
}

/** `{shared}/x` -> `<shared data dir>/x`; other paths are resolved against the working directory. URLs are kept. */
export function resolveConfigPath(value: string): string {
  if (/^https?:\/\//i.test(value)) return value;
  if (value === '{shared}' || value.startsWith('{shared}/')) {
    return path.join(sharedDataDir(), value.slice('{shared}'.length));
  }
  return path.resolve(value);
}
