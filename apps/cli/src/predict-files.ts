import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { preprocessImage } from '@maskd/imaging';
import { interpretProbability, MaskClassifier, MaskModelCard, modelInputOptions } from '@maskd/inference';

/** Extensions picked up when walking a folder; files named explicitly are read whatever their name. */
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);

export type FilePrediction =
  | { file: string; prediction: string; confidence: number; has_mask: boolean }
  | { file: string; error: string };

/**
 * The files to classify: each file argument as given, and every image file under each folder
 * argument (recursively, sorted). A path that does not exist is reported as a file that fails.
 */
export async function collectImageFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const stats = await stat(path).catch(() => undefined);
    if (stats?.isDirectory()) files.push(...(await imagesUnder(path)));
    else files.push(path);
  }
  return files;
}

async function imagesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(async (entry) => {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) return imagesUnder(path);
        return entry.isFile() && IMAGE_EXTENSIONS.has(extname(entry.name).toLowerCase()) ? [path] : [];
      }),
  );
  return nested.flat();
}

const errorMessage = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a directory';
  return error instanceof Error ? error.message : String(error);
};

/**
 * Classifies the files `batchSize` at a time with the API's preprocessing (preprocessImage, the card's
 * input options) and one inference per batch; yields one result per file, in order.
 */
export async function* predictFiles(
  files: readonly string[],
  classifier: MaskClassifier,
  card: MaskModelCard,
  batchSize: number,
): AsyncGenerator<FilePrediction> {
  const options = modelInputOptions(card);
  for (let start = 0; start < files.length; start += batchSize) {
    const batch = files.slice(start, start + batchSize);
    const prepared = await Promise.all(
      batch.map((file) =>
        readFile(file)
          .then((bytes) => preprocessImage(bytes, options))
          .then(
            ({ input }) => ({ input }),
            (error: unknown) => ({ error: errorMessage(error) }),
          ),
      ),
    );
    const inputs = prepared.flatMap((entry) => ('input' in entry ? [entry.input] : []));
    const probabilities = await classifier.predict(inputs);
    let next = 0;
    for (const [index, entry] of prepared.entries()) {
      const file = batch[index];
      if ('error' in entry) {
        yield { file, error: entry.error };
        continue;
      }
      const { label, confidence, hasMask } = interpretProbability(probabilities[next++], card);
      yield { file, prediction: label, confidence, has_mask: hasMask };
    }
  }
}
