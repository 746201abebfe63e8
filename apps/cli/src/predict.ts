/**
 * npm run predict -- <files or folders...> [--mode auto|faces|whole | --faces] [--json] [--annotate <dir>]
 *                    [--batch-size N] [--model path] [--detection-mode balanced] [--min-score 0.5] [--max-faces 64]
 * One line per file (verdict, confidence and faces, or the error); exit codes in EXIT_CODES_HELP.
 */
import { access, constants, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { IMAGE_FILE_EXTENSIONS, repoRoot } from '@maskd/imaging';
import {
  DEFAULT_DETECT_MODE,
  DETECT_MODES,
  DetectMode,
  FACE_DETECTION_MODES,
  FaceDetectionMode,
  FaceDetector,
  FACE_DETECTOR_CARD_FILE,
  FaceFinder,
  MAX_CLASSIFIED_FACES,
  MaskModelCard,
  OnnxMaskClassifier,
  verifyFaceDetectorModel,
  verifyModel,
} from '@maskd/inference';
import { collectImageFiles } from './collect-images';
import { fileErrorMessage } from './file-error';
import { FilePrediction, predictFiles } from './predict-files';

const EXIT_CODES_HELP = `
Exit codes:
  0  every file was classified
  1  a file or folder could not be read or decoded (reported on its own line), no image file was
     found, or a usage error (a bad option, an --annotate folder that cannot be created)
  2  a model cannot be loaded`;

interface Options {
  json?: boolean;
  batchSize: number;
  model: string;
  mode: DetectMode;
  faces?: boolean;
  annotate?: string;
  detectionMode: FaceDetectionMode;
  minScore: number;
  maxFaces: number;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
}

function probability(value: string): number {
  const parsed = Number(value);
  if (!(parsed >= 0 && parsed <= 1)) throw new InvalidArgumentError('must be a number from 0 to 1');
  return parsed;
}

const percent = (p: number) => `${(p * 100).toFixed(1)}%`;

function formatLine(result: FilePrediction, json: boolean): string {
  if (json) return JSON.stringify(result);
  if ('error' in result) return `${result.file}: error: ${result.error}`;
  const verdict =
    result.prediction === null ? 'no face' : `${result.prediction} (${percent(result.confidence!)})`;
  const faces = result.faces?.map(
    (face) =>
      `${face.prediction} ${percent(face.confidence)} at ${face.box.x},${face.box.y} ${face.box.width}x${face.box.height}`,
  );
  const details = result.mode === 'whole' ? [] : [result.message, ...(faces ?? [])];
  return [`${result.file}: ${verdict}`, ...details].join('\n  ');
}

/**
 * The face detector's card beside the mask model, else in the repository's models/: as the API, whose detector
 * comes from MODEL_DIR (default <repo>/models) whatever MODEL_PATH names.
 */
async function faceDetectorCardPath(maskModelPath: string): Promise<string> {
  const beside = join(dirname(maskModelPath), FACE_DETECTOR_CARD_FILE);
  const found = await access(beside).then(
    () => true,
    () => false,
  );
  return found ? beside : join(repoRoot(), 'models', FACE_DETECTOR_CARD_FILE);
}

/** Creates the --annotate folder if needed; why it cannot be written to, if so. */
async function prepareAnnotateDir(dir: string): Promise<string | undefined> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    return undefined;
  } catch (error) {
    return fileErrorMessage(error);
  }
}

/** The in-process models: the classifier always, the face detector unless the mode is whole. */
async function loadModels(options: Options): Promise<{
  classifier: OnnxMaskClassifier;
  card: MaskModelCard;
  detector?: FaceDetector;
}> {
  const { card } = await verifyModel(options.model);
  const classifier = await OnnxMaskClassifier.load(options.model);
  if (options.mode === 'whole') return { classifier, card };
  const { files } = await verifyFaceDetectorModel(await faceDetectorCardPath(options.model));
  const path = (variant: string) => files.find((entry) => entry.variant === variant)!.path;
  const detector = await FaceDetector.load({ frontModelPath: path('front'), backModelPath: path('back') });
  return { classifier, card, detector };
}

async function main(): Promise<number> {
  const program = new Command('predict')
    .description(
      'Find the faces in images and classify each as with_mask or without_mask (the shipped ONNX models)',
    )
    .argument('<paths...>', 'image files, or folders to search for images')
    .addOption(
      new Option(
        '--mode <mode>',
        'faces: each face; whole: the whole image; auto: faces, else the whole image',
      )
        .choices(DETECT_MODES)
        .default(DEFAULT_DETECT_MODE),
    )
    .addOption(new Option('--faces', 'the same as --mode faces').conflicts('mode'))
    .option('--json', 'one JSON object per line: the API answer with `file`, or {file, error}')
    .option('--annotate <dir>', 'write each image with its faces drawn to <dir>/<name>.jpg')
    .option('--batch-size <n>', 'images per inference run', positiveInteger, 32)
    .option(
      '--model <path>',
      `mask model (ONNX), with its card <name>.json beside it; the face detector (${FACE_DETECTOR_CARD_FILE}) is read from the same folder, else from <repo>/models`,
      join(repoRoot(), 'models', 'mask_detector.onnx'),
    )
    .addOption(
      new Option('--detection-mode <mode>', 'how hard to look for small faces')
        .choices(FACE_DETECTION_MODES)
        .default('balanced'),
    )
    .option('--min-score <p>', 'lowest face detector score', probability, 0.5)
    .option(
      '--max-faces <n>',
      'most faces classified per image (the best-scored ones)',
      positiveInteger,
      MAX_CLASSIFIED_FACES,
    )
    .addHelpText('after', EXIT_CODES_HELP)
    .parse();
  const paths = program.args;
  const options = program.opts<Options>();
  if (options.faces) options.mode = 'faces';

  const files = await collectImageFiles(paths);
  if (files.length === 0) {
    program.error(
      `error: no image file found in ${paths.join(', ')} (folders are searched for ${[...IMAGE_FILE_EXTENSIONS].join(' ')})`,
    );
  }
  const annotateError = options.annotate && (await prepareAnnotateDir(options.annotate));
  if (annotateError) program.error(`error: cannot write to --annotate ${options.annotate}: ${annotateError}`);

  let models: Awaited<ReturnType<typeof loadModels>>;
  try {
    models = await loadModels(options);
  } catch (error) {
    console.error(`Cannot load the model: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const detector = models.detector;
  const faceFinder: FaceFinder | undefined = detector && {
    detectFaces: (image, detectOptions) => detector.detect(image, detectOptions),
  };

  let failed = 0;
  const results = predictFiles(
    files,
    { classifier: models.classifier, card: models.card, faceFinder },
    {
      mode: options.mode,
      batchSize: options.batchSize,
      detect: { mode: options.detectionMode, minScore: options.minScore, maxFaces: options.maxFaces },
      annotateDir: options.annotate,
    },
  );
  for await (const result of results) {
    if ('error' in result) failed++;
    const line = formatLine(result, options.json ?? false);
    if (!options.json && 'error' in result) console.error(line);
    else console.log(line);
  }
  await Promise.all([models.classifier.close(), detector?.release()]);
  if (!options.json) {
    const annotated = options.annotate ? `; annotated images in ${options.annotate}` : '';
    console.error(
      `${files.length} file(s): ${files.length - failed} classified, ${failed} failed${annotated}`,
    );
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);
