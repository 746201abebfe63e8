/**
 * Faces in labelled photos, end to end: BlazeFace finds the faces, each is cropped with a margin and all faces
 * of a photo are classified in one batched run of the mask model. Reports face detection recall and precision
 * at IoU 0.5 by face size, mask accuracy on the faces found, average precision of with_mask and without_mask
 * (incorrectly worn masks apart), a precision-recall figure, and the time per photo; writes its section of
 * docs/evaluation_report.md.
 *
 *   npm run evaluate:scenes -- [--data <dir>] [--model models/mask_detector.onnx] [--mode balanced]
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { Command, Option } from 'commander';
import { decodeImage, repoRoot, sharedDataPath } from '@maskd/imaging';
import {
  FACE_DETECTION_MODES,
  faceCropInputs,
  FaceDetectionMode,
  FaceDetector,
  interpretProbability,
  modelInputOptions,
  OnnxMaskClassifier,
  verifyModel,
} from '@maskd/inference';
import { loadVocDataset } from '../libs/training/src/data/voc';
import { precisionRecallSpec } from '../libs/training/src/evaluation/charts';
import { writeReportSection } from '../libs/training/src/evaluation/report-sections';
import { renderPng } from '../libs/training/src/evaluation/vega-render';
import { FACE_CROP_MARGIN, INCORRECTLY_WORN_LABEL } from '../libs/training/src/evaluation/voc-crops';
import { DetectionTally } from './scene-evaluation/detection-metrics';
import { ClassifiedFace, ClassPrecisionTally, MatchedFaceAccuracy } from './scene-evaluation/scene-metrics';
import { sceneReport, SceneResults } from './scene-evaluation/scene-report';

interface Options {
  data: string;
  model: string;
  mode: FaceDetectionMode;
  minScore: number;
  margin: number;
  threads: number;
  report: string | false;
  figures: string;
  json?: string;
}

/** Detections down to the detector's candidate floor feed the precision-recall curves. */
const CURVE_MIN_SCORE = 0.25;

async function main(): Promise<void> {
  const root = repoRoot();
  const options = new Command()
    .option(
      '--data <dir>',
      'VOC dataset (images/ + annotations/)',
      sharedDataPath('datasets', 'andrewmvd_scenes_dev'),
    )
    .option(
      '--model <path>',
      'mask model (ONNX, card next to it)',
      join(root, 'models', 'mask_detector.onnx'),
    )
    .addOption(
      new Option('--mode <mode>', 'face detection mode').choices(FACE_DETECTION_MODES).default('balanced'),
    )
    .option('--min-score <p>', 'face detector score threshold (operating point)', Number, 0.5)
    .option('--margin <fraction>', 'crop margin around each face', Number, FACE_CROP_MARGIN)
    .option('--threads <n>', 'onnxruntime intra-op threads', Number, 1)
    .option('--report <file>', 'report to update', join(root, 'docs', 'evaluation_report.md'))
    .option('--no-report', 'do not write the report')
    .option('--figures <dir>', 'where the figure goes', join(root, 'docs', 'figures'))
    .option('--json <file>', 'also write the results as JSON')
    .parse()
    .opts<Options>();

  const started = performance.now();
  const verified = await verifyModel(options.model);
  const { card } = verified;
  const classNames = card.class_names;
  const inputOptions = { ...modelInputOptions(card), margin: options.margin };
  const detector = await FaceDetector.load({ intraOpThreads: options.threads });
  const classifier = await OnnxMaskClassifier.load(options.model, { intraOpThreads: options.threads });
  const dataset = await loadVocDataset(options.data);

  const detection = new DetectionTally();
  const accuracy = new MatchedFaceAccuracy(classNames);
  const ignored = new Set([INCORRECTLY_WORN_LABEL]);
  const perClass = classNames.map((label, index) => new ClassPrecisionTally(label, index, ignored));
  const faceCurve = new ClassPrecisionTally('face', 0, new Set());
  let detectMs = 0;
  let classifyMs = 0;
  let facesClassified = 0;

  for (const sample of dataset.samples) {
    const image = await decodeImage(readFileSync(sample.imagePath));
    const detectStart = performance.now();
    const faces = await detector.detect(image, {
      mode: options.mode,
      minScore: Math.min(options.minScore, CURVE_MIN_SCORE),
    });
    const classifyStart = performance.now();
    const inputs = await faceCropInputs(
      image,
      faces.map((face) => face.box),
      inputOptions,
    );
    const probabilities = await classifier.predict(inputs);
    classifyMs += performance.now() - classifyStart;
    detectMs += classifyStart - detectStart;
    facesClassified += faces.length;

    const labelled = sample.annotation.objects.map(({ box, label }) => ({ box, label }));
    const classified: ClassifiedFace[] = faces.map((face, i) => ({
      box: face.box,
      score: face.score,
      classProbabilities: [1 - probabilities[i], probabilities[i]],
    }));
    perClass.forEach((tally) => tally.add(classified, labelled));
    faceCurve.add(
      classified.map((face) => ({ ...face, classProbabilities: [1] })),
      labelled.map(({ box }) => ({ box, label: 'face' })),
    );

    const kept = faces.map((face, i) => ({ ...face, probability: probabilities[i] }));
    const operating = kept.filter((face) => face.score >= options.minScore);
    const match = detection.add(
      operating,
      labelled.map(({ box }) => box),
    );
    match.truthToDetection.forEach((d, t) => {
      if (d === -1) return;
      accuracy.add(labelled[t], interpretProbability(operating[d].probability, card).label);
    });
  }
  await Promise.all([detector.release(), classifier.close()]);

  const results: SceneResults = {
    dataset: relative(root, options.data) || options.data,
    images: dataset.samples.length,
    skipped: dataset.skipped.length,
    mode: options.mode,
    minScore: options.minScore,
    margin: options.margin,
    model: {
      name: card.name,
      version: card.version,
      status: typeof card.status === 'string' ? card.status : undefined,
      sha256: card.sha256,
    },
    classNames,
    threshold: card.threshold,
    detection: detection.buckets,
    accuracy: accuracy.byBucket,
    otherLabels: Object.fromEntries(
      [...accuracy.otherLabels].map(([label, counts]) => [label, Object.fromEntries(counts)]),
    ),
    averagePrecision: Object.fromEntries(perClass.map((tally) => [tally.label, tally.averagePrecision()])),
    faceAveragePrecision: faceCurve.averagePrecision(),
    detectMsPerImage: detectMs / dataset.samples.length,
    classifyMsPerImage: classifyMs / dataset.samples.length,
    facesPerImage: facesClassified / dataset.samples.length,
    seconds: (performance.now() - started) / 1000,
  };

  const figure = join(options.figures, `scenes-precision-recall-${basename(options.data)}.png`);
  await mkdir(options.figures, { recursive: true });
  await renderPng(
    precisionRecallSpec(
      [faceCurve, ...perClass].map((tally) => ({
        name: `${tally.label} (AP ${tally.averagePrecision().toFixed(3)}, ${tally.truthCount} faces)`,
        points: tally.curve(),
      })),
      [`Faces in photos: ${basename(options.data)}`, 'detector score x class probability; IoU 0.5'],
    ),
    figure,
  );
  const markdown = sceneReport(results, relative(options.report ? join(options.report, '..') : root, figure));
  console.log(markdown);
  if (options.json) await writeFile(options.json, JSON.stringify(results, null, 2));
  if (options.report) await writeReportSection(options.report, `scenes-${basename(options.data)}`, markdown);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
