/*
 * npm run bench:inference [-- --model <tfjs model dir|url> | --weights <backbone> ] [--onnx <file.onnx>]
 *
 * Times the mask classifier in tfjs (best available backend) and in onnxruntime-node (graph optimisation on),
 * at batch 1 and batch 32, on real images from the shared dataset (generated ones when it is absent).
 * Medians over repeated runs, warm-up runs excluded. Last line: `onnx_vs_tfjs_speedup=<ratio at batch 1>`.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { describeBackend, initTensorflow } from '../model/backend';
import {
  buildMaskClassifier,
  defaultBackboneWeights,
  formatAlpha,
  inspectMobileNetV2,
} from '../model/classifier';
import { loadLayersModelFrom } from '../model/io';
import { exportToOnnx } from '../onnx/export';
import { createOnnxSession } from '../onnx/onnx-session';
import { maxAbsDifference } from '../onnx/parity';
import {
  datasetImageFiles,
  generatedImages,
  packBatch,
  preprocessAll,
  SAMPLE_DATASET,
} from './sample-images';

const IMAGES = 32;
const BATCH_SIZES = [1, 32] as const;

interface BenchOptions {
  model?: string;
  weights: string;
  onnx?: string;
  runs: number;
  warmup: number;
  threads: number;
}

type Predict = (batch: Float32Array, count: number) => Promise<Float32Array>;

interface Row {
  runtime: string;
  batch: number;
  msPerImage: number;
  runs: number;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected a positive integer');
  return parsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median ms per image of `predict` on `batch`-sized slices of the images, after `warmup` untimed runs. */
async function time(
  predict: Predict,
  inputs: Float32Array[],
  batch: number,
  options: BenchOptions,
): Promise<number> {
  // Batch 1 is cheap, so it gets more runs (cycling through the images); batch 32 runs the whole set.
  const runs = batch === 1 ? options.runs * 3 : options.runs;
  const samples: number[] = [];
  for (let run = -options.warmup; run < runs; run++) {
    const start = (Math.max(run, 0) * batch) % inputs.length;
    const data = packBatch(inputs.slice(start, start + batch));
    const began = process.hrtime.bigint();
    await predict(data, batch);
    const elapsed = Number(process.hrtime.bigint() - began) / 1e6;
    if (run >= 0) samples.push(elapsed / batch);
  }
  return median(samples);
}

function tfjsPredictor(model: tf.LayersModel, size: number): Predict {
  return async (batch, count) => {
    const output = tf.tidy(() => model.predict(tf.tensor4d(batch, [count, size, size, 3])) as tf.Tensor);
    const data = (await output.data()) as Float32Array;
    output.dispose();
    return data;
  };
}

function onnxPredictor(session: ort.InferenceSession, size: number): Predict {
  const [input] = session.inputNames;
  const [output] = session.outputNames;
  return async (batch, count) => {
    const results = await session.run({ [input]: new ort.Tensor('float32', batch, [count, size, size, 3]) });
    return results[output].data as Float32Array;
  };
}

async function loadImages(): Promise<{ inputs: Float32Array[]; note: string }> {
  const files = await datasetImageFiles(IMAGES);
  if (files.length >= IMAGES) {
    const images = await Promise.all(files.map((file) => fs.readFile(file)));
    return {
      inputs: await preprocessAll(images, 224),
      note: `${IMAGES} real images from datasets/${SAMPLE_DATASET}`,
    };
  }
  return {
    inputs: await preprocessAll(await generatedImages(IMAGES), 224),
    note: `${IMAGES} GENERATED images (datasets/${SAMPLE_DATASET} not found: set MASKD_SHARED_DIR for real ones)`,
  };
}

async function main(argv: string[]): Promise<void> {
  const options = new Command('bench:inference')
    .description('Inference latency of the mask classifier: tfjs vs onnxruntime-node, batch 1 and 32')
    .option('--model <source>', 'tfjs layers model folder or model.json URL (default: build the classifier)')
    .option('--weights <source>', 'backbone for the default build', defaultBackboneWeights())
    .option('--onnx <file>', 'time this ONNX file instead of exporting the tfjs model')
    .option('--runs <n>', 'timed runs per measurement (batch 1 gets 3x)', positiveInteger, 8)
    .option('--warmup <n>', 'untimed warm-up runs per measurement', positiveInteger, 2)
    .option(
      '--threads <n>',
      'onnxruntime intra-op threads for the speedup (1 = the core budget of tfjs wasm)',
      positiveInteger,
      1,
    )
    .parse(argv)
    .opts<BenchOptions>();

  const backend = await initTensorflow({ log: () => undefined });
  const model = options.model
    ? await loadLayersModelFrom(options.model)
    : await buildMaskClassifier({ weights: options.weights });
  const size = Number(model.inputs[0].shape[1]);
  const onnxSource = options.onnx ? path.resolve(options.onnx) : exportToOnnx(model);
  const { inputs, note } = await loadImages();

  const runtimes: Array<{ name: string; predict: Predict; release?: () => Promise<void> }> = [
    { name: `tfjs ${backend.name}`, predict: tfjsPredictor(model, size) },
  ];
  // The --threads session comes first (it defines the speedup); all cores are timed too, for reference.
  for (const threads of new Set([options.threads, os.availableParallelism()])) {
    const session = await createOnnxSession(onnxSource, { threads });
    runtimes.push({
      name: `onnxruntime ${threads} thread${threads > 1 ? 's' : ''}`,
      predict: onnxPredictor(session, size),
      release: () => session.release(),
    });
  }

  const agreement = maxAbsDifference(
    await runtimes[0].predict(packBatch(inputs), inputs.length),
    await runtimes[1].predict(packBatch(inputs), inputs.length),
  );
  const rows: Row[] = [];
  for (const batch of BATCH_SIZES) {
    for (const runtime of runtimes) {
      const msPerImage = await time(runtime.predict, inputs, batch, options);
      rows.push({
        runtime: runtime.name,
        batch,
        msPerImage,
        runs: batch === 1 ? options.runs * 3 : options.runs,
      });
    }
  }
  await Promise.all(runtimes.map((runtime) => runtime.release?.()));

  const described = (() => {
    try {
      const { alpha, inputSize } = inspectMobileNetV2(model);
      return `MobileNetV2 alpha ${formatAlpha(alpha)}, ${inputSize}x${inputSize}`;
    } catch {
      return `${model.name}, ${size}x${size}`;
    }
  })();
  console.log(`model: ${described} (${options.model ?? `built from ${options.weights}`})`);
  console.log(`onnx: ${options.onnx ?? 'exported in memory from the tfjs model'}`);
  console.log(`images: ${note}`);
  console.log(describeBackend(backend));
  console.log(`onnxruntime-node ${ort.env.versions.node}: graph optimisation 'all', sequential execution`);
  console.log(`cpus: ${os.availableParallelism()} x ${os.cpus()[0]?.model ?? 'unknown'}`);
  console.log(`agreement on ${inputs.length} images: max |p_tfjs - p_onnx| = ${agreement.toExponential(2)}`);
  console.log('');
  console.log('| runtime | batch | ms/image (median) | images/s | timed runs |');
  console.log('|---|---:|---:|---:|---:|');
  for (const row of rows) {
    console.log(
      `| ${row.runtime} | ${row.batch} | ${row.msPerImage.toFixed(2)} | ${(1000 / row.msPerImage).toFixed(1)} | ${row.runs} |`,
    );
  }
  const batchOne = (name: string) =>
    rows.find((row) => row.batch === 1 && row.runtime === name)?.msPerImage ?? NaN;
  console.log('');
  console.log(`speedup at batch 1: ${runtimes[0].name} vs ${runtimes[1].name}`);
  console.log(`onnx_vs_tfjs_speedup=${(batchOne(runtimes[0].name) / batchOne(runtimes[1].name)).toFixed(2)}`);
}

main(process.argv).catch((error: unknown) => {
  console.error(`bench:inference failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
