import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { DEFAULT_RESIZE_MODE, ModelInputOptions, RESIZE_MODES, ResizeMode } from '@maskd/imaging';
import { MASK_MODEL_CONTRACT } from './model-signature';

/**
 * The model card that sits next to a shipped model (`models/<name>.json` beside `<name>.onnx`).
 * Only the fields the runtime depends on are required; the rest (training run, dataset card hash,
 * provenance, licences, ...) is carried through as written.
 */
export interface MaskModelCard {
  name: string;
  version: string;
  /** sha256 (hex) of the ONNX file. */
  sha256: string;
  /** Class names in output index order; the model outputs P(class_names[1]). */
  class_names: [string, string];
  /** P(class 1) at or above which class 1 is predicted. */
  threshold: number;
  /** How inputs are prepared; `resize_mode` is the one setting the runtime reads (default squash). */
  input?: { resize_mode?: ResizeMode; [field: string]: unknown };
  metrics?: Record<string, unknown>;
  [field: string]: unknown;
}

/** A model file checked against its card. */
export interface VerifiedModel {
  modelPath: string;
  cardPath: string;
  card: MaskModelCard;
  sizeBytes: number;
}

/** The model or its card is missing, unreadable, invalid or does not match. */
export class ModelCardError extends Error {
  override readonly name = 'ModelCardError';
}

/** `models/mask_detector.onnx` -> `models/mask_detector.json`. */
export function modelCardPath(modelPath: string): string {
  return join(dirname(modelPath), `${basename(modelPath, extname(modelPath))}.json`);
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks the fields the runtime relies on; returns the card typed, or throws naming every problem. */
export function parseModelCard(value: unknown, source = 'model card'): MaskModelCard {
  if (!isRecord(value)) throw new ModelCardError(`${source}: expected a JSON object`);
  const problems: string[] = [];
  for (const field of ['name', 'version'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '')
      problems.push(`'${field}' must be a non-empty string`);
  }
  if (typeof value.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(value.sha256)) {
    problems.push(`'sha256' must be 64 hexadecimal characters`);
  }
  const classNames = value.class_names;
  if (
    !Array.isArray(classNames) ||
    classNames.length !== 2 ||
    !classNames.every((n) => typeof n === 'string' && n)
  ) {
    problems.push(`'class_names' must list the 2 class names in output order`);
  }
  const threshold = value.threshold;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1)) {
    problems.push(`'threshold' must be a number between 0 and 1 (exclusive)`);
  }
  if (value.metrics !== undefined && !isRecord(value.metrics)) problems.push(`'metrics' must be an object`);
  const resizeMode = isRecord(value.input) ? value.input.resize_mode : undefined;
  if (value.input !== undefined && !isRecord(value.input)) problems.push(`'input' must be an object`);
  if (resizeMode !== undefined && !RESIZE_MODES.includes(resizeMode as ResizeMode)) {
    problems.push(`'input.resize_mode' must be one of ${RESIZE_MODES.join(', ')}`);
  }
  if (problems.length > 0) throw new ModelCardError(`${source}: ${problems.join('; ')}`);
  return value as MaskModelCard;
}

/** How to turn an image into this model's input with `toModelInput`/`preprocessImage` from @maskd/imaging. */
export function modelInputOptions(card: Pick<MaskModelCard, 'input'>): ModelInputOptions {
  return { size: MASK_MODEL_CONTRACT.inputSize, resize: card.input?.resize_mode ?? DEFAULT_RESIZE_MODE };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The size of a model file a card names. @throws ModelCardError when it is missing or unreadable. */
export async function modelFileSize(path: string): Promise<number> {
  return stat(path).then(
    (stats) => stats.size,
    (error: NodeJS.ErrnoException) => {
      throw new ModelCardError(
        error.code === 'ENOENT' ? `model file not found: ${path}` : `cannot read ${path}: ${error.message}`,
      );
    },
  );
}

/** A card's parsed JSON. @throws ModelCardError when it is missing, unreadable or not JSON. */
export async function readCardJson(cardPath: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(cardPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelCardError(
      code === 'ENOENT' ? `model card not found: ${cardPath}` : `cannot read ${cardPath}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelCardError(`${cardPath} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The file's sha256 (hex), checked against the one its card gives. @throws ModelCardError when they differ. */
export async function assertCardSha256(path: string, cardSha256: string): Promise<string> {
  const actual = await sha256File(path);
  if (actual !== cardSha256.toLowerCase()) {
    throw new ModelCardError(
      `${path} does not match its model card: sha256 is ${actual}, the card says ${cardSha256}`,
    );
  }
  return actual;
}

/**
 * Reads the card next to `modelPath`, validates it and checks the ONNX file's sha256 against it.
 * @throws ModelCardError with a message that names the file and what is wrong.
 */
export async function verifyModel(modelPath: string): Promise<VerifiedModel> {
  const cardPath = modelCardPath(modelPath);
  const sizeBytes = await modelFileSize(modelPath);
  const card = parseModelCard(await readCardJson(cardPath), cardPath);
  await assertCardSha256(modelPath, card.sha256);
  return { modelPath, cardPath, card, sizeBytes };
}
