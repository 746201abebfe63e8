/**
 * Face detection on labelled scene photos (Pascal VOC): recall and precision at IoU 0.5 by face size, a
 * score-threshold sweep for faces >= 32 px, and the time per image. With --frames, also 1280x720 frames
 * built from the same photos (a 3x2 collage at their own resolution, so faces keep their size): recall
 * there and the latency of decode + detect on a JPEG frame.
 *
 *   npm run evaluate:faces -- [--data <dir>]... [--mode balanced] [--min-score 0.5] [--frames]
 */
import { readFileSync } from 'node:fs';
import { cpuUsage } from 'node:process';
import { Command, Option } from 'commander';
import { decodeImage, sharedDataPath } from '@maskd/imaging';
import { FACE_DETECTION_MODES, FaceDetectionMode, FaceDetector } from '@maskd/inference';
import { loadVocDataset, VocSample } from '../libs/training/src/data/voc';
import {
  DetectionTally,
  precision,
  recall,
  SIZE_BUCKETS,
  ScoredBox,
} from './scene-evaluation/detection-metrics';
import { buildFrames } from './scene-evaluation/frames';

interface Options {
  data: string[];
  mode: FaceDetectionMode;
  minScore: number;
  minFaceSize?: number;
  threads: number;
  frames: boolean;
  sweep: boolean;
}

const SWEEP = [0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7];
const pct = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(3));
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.floor(p * (values.length - 1))];

function printTable(title: string, tally: DetectionTally): void {
  console.log(`\n${title}\n\n| faces | ground truth | found | recall | detections | correct | precision |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const key of [...SIZE_BUCKETS, '>=32', 'all'] as const) {
    const c = tally.buckets[key];
    console.log(
      `| ${key} px | ${c.truths} | ${c.found} | ${pct(recall(c))} | ${c.detections} | ${c.correct} | ${pct(precision(c))} |`,
    );
  }
}

async function evaluateSet(detector: FaceDetector, samples: VocSample[], options: Options): Promise<void> {
  const tally = new DetectionTally();
  const sweep = SWEEP.map(() => new DetectionTally());
  const wallMs: number[] = [];
  const cpuBefore = cpuUsage();
  for (const sample of samples) {
    const started = performance.now();
    const image = await decodeImage(readFileSync(sample.imagePath));
    const minScore = options.sweep ? Math.min(options.minScore, SWEEP[0]) : options.minScore;
    const faces = await detector.detect(image, {
      mode: options.mode,
      minScore,
      minFaceSize: options.minFaceSize,
    });
    wallMs.push(performance.now() - started);
    const truths = sample.annotation.objects.map((object) => object.box);
    const scored: ScoredBox[] = faces.map(({ box, score }) => ({ box, score }));
    tally.add(
      scored.filter((face) => face.score >= options.minScore),
      truths,
    );
    SWEEP.forEach((threshold, i) =>
      sweep[i].add(
        scored.filter((face) => face.score >= threshold),
        truths,
      ),
    );
  }
  const cpu = cpuUsage(cpuBefore);
  printTable(`minScore ${options.minScore}, mode ${options.mode}`, tally);
  if (options.sweep) {
    console.log('\nfaces >= 32 px by score threshold (from one run at the lowest threshold):\n');
    console.log(`| min score | ${SWEEP.join(' | ')} |\n|---|${SWEEP.map(() => '---:').join('|')}|`);
    console.log(`| recall | ${sweep.map((t) => pct(recall(t.buckets['>=32']))).join(' | ')} |`);
    console.log(`| precision | ${sweep.map((t) => pct(precision(t.buckets['>=32']))).join(' | ')} |`);
  }
  const total = wallMs.reduce((a, b) => a + b, 0);
  console.log(
    `\n${samples.length} images: ${(samples.length / (total / 1000)).toFixed(1)} images/s, ` +
      `decode+detect p50 ${percentile(wallMs, 0.5).toFixed(1)} ms, p90 ${percentile(wallMs, 0.9).toFixed(1)} ms, ` +
      `CPU ${((cpu.user + cpu.system) / 1000 / samples.length).toFixed(1)} ms/image`,
  );
}

async function evaluateFrames(detector: FaceDetector, samples: VocSample[], options: Options): Promise<void> {
  const frames = await buildFrames(samples, 1280, 720);
  const tally = new DetectionTally();
  const wallMs: number[] = [];
  const cpuBefore = cpuUsage();
  for (const frame of frames) {
    const started = performance.now();
    const image = await decodeImage(frame.jpeg);
    const faces = await detector.detect(image, {
      mode: options.mode,
      minScore: options.minScore,
      minFaceSize: options.minFaceSize,
    });
    wallMs.push(performance.now() - started);
    tally.add(faces, frame.truths);
  }
  const cpu = cpuUsage(cpuBefore);
  printTable(
    `1280x720 frames (${frames.length}, 3x2 photos each), minScore ${options.minScore}, mode ${options.mode}`,
    tally,
  );
  console.log(
    `\n1280x720 JPEG decode+detect: p50 ${percentile(wallMs, 0.5).toFixed(1)} ms, p90 ${percentile(wallMs, 0.9).toFixed(1)} ms, ` +
      `CPU ${((cpu.user + cpu.system) / 1000 / frames.length).toFixed(1)} ms/frame; ` +
      `plan: ${detector
        .plan(1280, 720, options)
        .map((level) => `${level.views.length}x${level.width}x${level.height}`)
        .join(' + ')}`,
  );
}

async function main(): Promise<void> {
  const program = new Command()
    .option('--data <dir...>', 'VOC datasets (images/ + annotations/)', [
      sharedDataPath('datasets', 'andrewmvd_scenes_dev'),
      sharedDataPath('datasets', 'formatcom_scenes'),
    ])
    .addOption(
      new Option('--mode <mode>', 'detection mode').choices(FACE_DETECTION_MODES).default('balanced'),
    )
    .option('--min-score <p>', 'detector score threshold', Number, 0.5)
    .option('--min-face-size <px>', 'smallest face to search for (default: the mode)', Number)
    .option('--threads <n>', 'onnxruntime intra-op threads', Number, 1)
    .option('--frames', 'also evaluate and time 1280x720 frames', false)
    .option('--sweep', 'print recall/precision by score threshold', false)
    .parse();
  const options = program.opts<Options>();
  const detector = await FaceDetector.load({ intraOpThreads: options.threads });
  for (const dir of options.data) {
    const dataset = await loadVocDataset(dir);
    console.log(`\n## ${dir} (${dataset.samples.length} images, ${dataset.skipped.length} skipped)`);
    await evaluateSet(detector, dataset.samples, options);
    if (options.frames) await evaluateFrames(detector, dataset.samples, options);
  }
  await detector.release();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
