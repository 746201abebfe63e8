import { dirname, join } from 'node:path';
import { assertCardSha256, ModelCardError, modelFileSize, readCardJson } from '../mask-classifier/model-card';
import { BLAZEFACE_MODELS, BlazeFaceVariant } from './blazeface-models';

/** The card of the BlazeFace pair (`models/blazeface.json`); the fields the runtime checks, the rest as written. */
export interface FaceDetectorCard {
  name: string;
  version: string;
  description?: string;
  models: Record<BlazeFaceVariant, { file: string; sha256: string; [field: string]: unknown }>;
  evaluation?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface VerifiedModelFile {
  variant: BlazeFaceVariant;
  path: string;
  sha256: string;
  sizeBytes: number;
}

/** Both BlazeFace files checked against their card. */
export interface VerifiedFaceDetector {
  cardPath: string;
  card: FaceDetectorCard;
  files: VerifiedModelFile[];
}

export const FACE_DETECTOR_CARD_FILE = 'blazeface.json';

const VARIANTS = Object.keys(BLAZEFACE_MODELS) as BlazeFaceVariant[];

function parseCard(json: unknown, source: string): FaceDetectorCard {
  const card = json as Partial<FaceDetectorCard> | null;
  const problems: string[] = [];
  if (typeof card?.name !== 'string' || !card.name) problems.push(`'name' must be a non-empty string`);
  if (typeof card?.version !== 'string' || !card.version)
    problems.push(`'version' must be a non-empty string`);
  for (const variant of VARIANTS) {
    const entry = card?.models?.[variant];
    if (typeof entry?.file !== 'string' || !/^[0-9a-f]{64}$/i.test(String(entry?.sha256))) {
      problems.push(`'models.${variant}' must give the file and its sha256`);
    }
  }
  if (problems.length > 0) throw new ModelCardError(`${source}: ${problems.join('; ')}`);
  return card as FaceDetectorCard;
}

/**
 * Reads the BlazeFace card and checks each model file it names (beside it) against its sha256.
 * @throws ModelCardError naming the file and what is wrong.
 */
export async function verifyFaceDetectorModel(cardPath: string): Promise<VerifiedFaceDetector> {
  const card = parseCard(await readCardJson(cardPath), cardPath);
  const files = await Promise.all(
    VARIANTS.map(async (variant): Promise<VerifiedModelFile> => {
      const path = join(dirname(cardPath), card.models[variant].file);
      const sizeBytes = await modelFileSize(path);
      const sha256 = await assertCardSha256(path, card.models[variant].sha256);
      return { variant, path, sha256, sizeBytes };
    }),
  );
  return { cardPath, card, files };
}
