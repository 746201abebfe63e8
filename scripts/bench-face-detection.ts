/**
 * Latency of the face detector on 1280x720 JPEG frames, per mode and thread count: decode + detect, as the
 * API pays it. Two kinds of frame, both built from the labelled scene photos in ../shared:
 * - `group`: one photo enlarged to fill the frame's height (several faces of ~60-150 px);
 * - `crowd`: six photos side by side at their own resolution (dozens of 20-60 px faces).
 *
 *   npm run bench:faces -- [--runs 30] [--threads 1 2] [--modes fast balanced]
 */
import { cpuUsage } from 'node:process';
import { Command } from 'commander';
import sharp from 'sharp';
import { decodeImage, sharedDataPath } from '@maskd/imaging';
import { FaceDetectionMode, FaceDetector } from '@maskd/inference';
import { loadVocDataset } from '../libs/training/src/data/voc';
import { buildFrames } from './scene-evaluation/frames';

const WIDTH = 1280;
const HEIGHT = 720;
/** A group photo of the scene set with seven faces of 32-90 px. */
const GROUP_PHOTO = 'maksssksksss698';

interface Options {
  runs: number;
  threads: number[];
  modes: FaceDetectionMode[];
}

async function groupFrame(imagePath: string): Promise<Buffer> {
  return sharp(imagePath)
    .resize(WIDTH, HEIGHT, { fit: 'contain', background: { r: 128, g: 128, b: 128 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.floor(p * (values.length - 1))];

async function measure(detector: FaceDetector, jpeg: Buffer, mode: FaceDetectionMode, runs: number) {
  const image = await decodeImage(jpeg);
  for (let i = 0; i < 3; i++) await detector.detect(image, { mode }); // warm-up
  const wall: number[] = [];
  const detectOnly: number[] = [];
  let faces = 0;
  const cpuBefore = cpuUsage();
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const decoded = await decodeImage(jpeg);
    const decodedAt = performance.now();
    faces = (await detector.detect(decoded, { mode })).length;
    wall.push(performance.now() - started);
    detectOnly.push(performance.now() - decodedAt);
  }
  const cpu = cpuUsage(cpuBefore);
  return { wall, detectOnly, cpuMs: (cpu.user + cpu.system) / 1000 / runs, faces };
}

async function main(): Promise<void> {
  const options = new Command()
    .option('--runs <n>', 'timed runs per case', Number, 30)
    .option(
      '--threads <n...>',
      'onnxruntime intra-op threads to compare',
      (v, acc: number[]) => [...acc, Number(v)],
      [],
    )
    .option('--modes <mode...>', 'detection modes', ['fast', 'balanced'])
    .parse()
    .opts<Options>();
  const threads = options.threads.length ? options.threads : [1, 2];
  const dataset = await loadVocDataset(sharedDataPath('datasets', 'andrewmvd_scenes_dev'));
  const group = dataset.samples.find((sample) => sample.id === GROUP_PHOTO);
  if (!group) throw new Error(`${GROUP_PHOTO} not found in ${dataset.dir}`);
  const frames = {
    group: await groupFrame(group.imagePath),
    crowd: (await buildFrames(dataset.samples.slice(0, 6), WIDTH, HEIGHT))[0].jpeg,
  };

  console.log(`| frame | mode | threads | faces | decode+detect p50 | p90 | detect p50 | CPU ms/frame |`);
  console.log(`|---|---|---:|---:|---:|---:|---:|---:|`);
  for (const intraOpThreads of threads) {
    const detector = await FaceDetector.load({ intraOpThreads });
    for (const [name, jpeg] of Object.entries(frames)) {
      for (const mode of options.modes) {
        const { wall, detectOnly, cpuMs, faces } = await measure(detector, jpeg, mode, options.runs);
        console.log(
          `| ${name} | ${mode} | ${intraOpThreads} | ${faces} | ${percentile(wall, 0.5).toFixed(1)} ms | ` +
            `${percentile(wall, 0.9).toFixed(1)} ms | ${percentile(detectOnly, 0.5).toFixed(1)} ms | ${cpuMs.toFixed(1)} |`,
        );
      }
    }
    await detector.release();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
