import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { decodeImage, DecodedImage } from '@maskd/imaging';
import {
  annotateVerdict,
  decodeTargetSide,
  DetectMode,
  FACE_CROP_MARGIN,
  FaceDetectOptions,
  FaceFinder,
  ImageRegions,
  imageRegions,
  imageVerdict,
  MaskClassifier,
  MaskModelCard,
  modelInputOptions,
  VerdictJson,
  verdictJson,
} from '@maskd/inference';
import { InputFile } from './collect-images';
import { fileErrorMessage } from './file-error';

/** One line of output: the API's answer for the file (and where its annotated copy went), or the error. */
export type FilePrediction =
  ({ file: string; mode: DetectMode; annotated?: string } & VerdictJson) | { file: string; error: string };

export interface PredictModels {
  classifier: MaskClassifier;
  card: MaskModelCard;
  /** Needed for the `auto` and `faces` modes. */
  faceFinder?: FaceFinder;
}

export interface PredictOptions {
  mode: DetectMode;
  /** Files decoded and classified together; also the most images in one classifier run. */
  batchSize: number;
  detect?: FaceDetectOptions;
  /** Write `<name>.jpg` with the faces drawn into this folder. */
  annotateDir?: string;
}

/** One file after decoding: what to classify (and the image, kept for annotation), or why it failed. */
type Prepared = { regions: ImageRegions; image?: DecodedImage } | { error: string };

/** `photo.png` -> `photo.jpg`, `photo-2.jpg`, ... : one annotated file per input even when names repeat. */
function annotationNamer(dir: string): (file: string) => string {
  const used = new Set<string>();
  return (file) => {
    const stem = basename(file, extname(file));
    let name = `${stem}.jpg`;
    for (let n = 2; used.has(name); n++) name = `${stem}-${n}.jpg`;
    used.add(name);
    return join(dir, name);
  };
}

/** Runs the classifier on at most `batchSize` inputs at a time (a crowd photo may have dozens of faces). */
async function classifyAll(classifier: MaskClassifier, inputs: Float32Array[], batchSize: number) {
  const probabilities: number[] = [];
  for (let start = 0; start < inputs.length; start += batchSize) {
    probabilities.push(...(await classifier.predict(inputs.slice(start, start + batchSize))));
  }
  return probabilities;
}

/**
 * The API's pipeline on files, `batchSize` at a time: decode, find the faces (per mode), crop them with the
 * margin, classify every region of the batch in shared runs, read the verdicts; yields one result per file,
 * in order, and writes annotated copies when asked.
 */
export async function* predictFiles(
  files: readonly InputFile[],
  models: PredictModels,
  options: PredictOptions,
): AsyncGenerator<FilePrediction> {
  const input = modelInputOptions(models.card);
  const annotationPath = options.annotateDir ? annotationNamer(options.annotateDir) : undefined;
  if (options.annotateDir) await mkdir(options.annotateDir, { recursive: true });
  for (let start = 0; start < files.length; start += options.batchSize) {
    const batch = files.slice(start, start + options.batchSize);
    const prepared = await Promise.all(
      batch.map(async ({ file, error }): Promise<Prepared> => {
        if (error !== undefined) return { error };
        try {
          const bytes = await readFile(file);
          const image = await decodeImage(bytes, {}, { targetSide: decodeTargetSide(options.mode, input) });
          const regions = await imageRegions(image, {
            mode: options.mode,
            faceFinder: models.faceFinder,
            detect: options.detect,
            input,
            margin: FACE_CROP_MARGIN,
          });
          return { image: annotationPath ? image : undefined, regions };
        } catch (error) {
          return { error: fileErrorMessage(error) };
        }
      }),
    );
    const inputs = prepared.flatMap((entry) => ('regions' in entry ? entry.regions.inputs : []));
    const probabilities = await classifyAll(models.classifier, inputs, options.batchSize);
    let next = 0;
    for (const [index, entry] of prepared.entries()) {
      const { file } = batch[index];
      if ('error' in entry) {
        yield { file, error: entry.error };
        continue;
      }
      const { regions, image } = entry;
      const count = regions.inputs.length;
      const verdict = imageVerdict(regions, probabilities.slice(next, next + count), models.card);
      next += count;
      const result: FilePrediction = { file, mode: options.mode, ...verdictJson(verdict) };
      if (annotationPath) {
        result.annotated = annotationPath(file);
        try {
          await writeFile(result.annotated, await annotateVerdict(image!, verdict));
        } catch (error) {
          yield { file, error: `cannot write ${result.annotated}: ${fileErrorMessage(error)}` };
          continue;
        }
      }
      yield result;
    }
  }
}
