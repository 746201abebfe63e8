/*
 * npm run export -- --model <tfjs model dir or model.json URL> --out <file.onnx> [--version 1.0.0 --run-id <id>]
 * npm run export -- --untrained --out models/mask_detector.onnx --version 0.0.0-untrained --card
 */
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type * as tf from '@tensorflow/tfjs';
import { DEFAULT_RESIZE_MODE, RESIZE_MODES } from '@maskd/imaging';
import { initTensorflow } from '../model/backend';
import {
  buildMaskClassifier,
  DEFAULT_BACKBONE_NAME,
  defaultBackboneWeights,
  describeHead,
  formatAlpha,
  HEAD_LAYER_NAMES,
  inspectMobileNetV2,
  MASK_CLASS_NAMES,
  MASK_INPUT_NORMALIZATION,
} from '../model/classifier';
import { loadLayersModelFrom } from '../model/io';
import { exportToOnnx, ONNX_OPSET, writeOnnxFile, type WrittenOnnx } from './export';
import { maskModelCard, writeModelCard } from './model-card';
import { compareOnnxBytes, randomData } from './parity';

/** The export is checked against tfjs on random inputs; more than this is a bug, not rounding. */
const PARITY_LIMIT = 1e-4;

interface ExportCliOptions {
  model?: string;
  untrained: boolean;
  backbone: string;
  seed: number;
  out: string;
  version: string;
  runId?: string;
  outputName: string;
  resizeMode: string;
  card: boolean;
  name?: string;
  verify: boolean;
}

function parseInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError('not an integer');
  return parsed;
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('export')
    .description('Export a tfjs layers model (or an untrained MobileNetV2 mask classifier) to ONNX')
    .option('--model <source>', 'tfjs layers model folder or http(s) URL of its model.json')
    .option('--untrained', 'export an untrained classifier: ImageNet backbone + seeded random head', false)
    .option('--backbone <source>', 'backbone weights for --untrained', defaultBackboneWeights())
    .option('--seed <n>', 'head initialiser seed for --untrained', parseInteger, 42)
    .requiredOption('--out <file>', 'ONNX file to write')
    .option('--version <version>', 'model version (metadata and card)', '0.0.0-dev')
    .option('--run-id <id>', 'training run id (metadata and card)')
    .option('--output-name <name>', 'name of the ONNX output', 'probability')
    .addOption(
      new Option('--resize-mode <mode>', 'resize mode recorded in the metadata')
        .choices(RESIZE_MODES)
        .default(DEFAULT_RESIZE_MODE),
    )
    .option('--card', 'also write the model card <out>.json next to the ONNX file', false)
    .option('--name <name>', 'model name in the card (default: the ONNX file name)')
    .option('--no-verify', 'skip the tfjs vs onnxruntime check of the exported file')
    .parse(argv);
  const options = program.opts<ExportCliOptions>();
  if (Boolean(options.model) === options.untrained)
    program.error('give exactly one of --model or --untrained');

  await initTensorflow();
  const model = options.untrained
    ? await buildMaskClassifier({ weights: options.backbone, seed: options.seed })
    : await loadLayersModelFrom(options.model ?? '');
  const exportOptions = {
    outputNames: [options.outputName],
    metadata: {
      classNames: MASK_CLASS_NAMES,
      normalization: MASK_INPUT_NORMALIZATION,
      resizeMode: options.resizeMode,
      modelVersion: options.version,
      trainingRunId: options.runId ?? '',
    },
  };
  const bytes = exportToOnnx(model, exportOptions);
  if (options.verify) {
    const diff = await verify(model, bytes);
    console.log(`check: max |tfjs - onnxruntime| = ${diff.toExponential(2)} on 2 random inputs`);
    if (!(diff <= PARITY_LIMIT))
      throw new Error(`the exported model disagrees with tfjs (limit ${PARITY_LIMIT})`);
  }
  const written = await writeOnnxFile(bytes, options.out);
  console.log(`wrote ${written.file}: ${written.bytes} bytes, opset ${ONNX_OPSET}, sha256 ${written.sha256}`);
  if (options.card) {
    const cardFile = await writeModelCard(card(model, options, written), options.out);
    console.log(`wrote ${cardFile}`);
  }
}

async function verify(model: tf.LayersModel, bytes: Uint8Array): Promise<number> {
  const shape = [2, ...model.inputs[0].shape.slice(1).map((dim) => dim ?? 1)];
  const data = randomData(
    shape.reduce((a, b) => a * b, 1),
    1,
  );
  return (await compareOnnxBytes(model, bytes, data, shape)).maxAbsDiff;
}

function card(model: tf.LayersModel, options: ExportCliOptions, written: WrittenOnnx) {
  const backbone = inspectMobileNetV2(model);
  const headUnits = model.getLayer(HEAD_LAYER_NAMES.dense).getConfig().units;
  const dropout = model.getLayer(HEAD_LAYER_NAMES.dropout).getConfig().rate;
  const untrained = options.untrained;
  return maskModelCard({
    name: options.name ?? path.basename(options.out, path.extname(options.out)),
    version: options.version,
    onnx: written,
    classNames: MASK_CLASS_NAMES,
    inputSize: backbone.inputSize,
    normalization: MASK_INPUT_NORMALIZATION,
    resizeMode: options.resizeMode,
    status: untrained ? 'untrained bootstrap model' : 'exported',
    description: untrained
      ? `Untrained bootstrap: ImageNet MobileNetV2 ${formatAlpha(backbone.alpha)}/${backbone.inputSize} backbone with a randomly ` +
        `initialised head (seed ${options.seed}). Its predictions carry no information; it lets the API be built ` +
        `and tested against the real model contract until the trained model replaces it.`
      : `Mask classifier exported from ${options.model}.`,
    trainingRunId: options.runId,
    architecture: {
      backbone: 'MobileNetV2',
      alpha: backbone.alpha,
      input_size: backbone.inputSize,
      head: describeHead(Number(headUnits), Number(dropout)),
      ...(untrained ? { head_seed: options.seed } : {}),
    },
    provenance: {
      exporter: `maskd ONNX exporter (TypeScript, protobufjs, official onnx.proto), opset ${ONNX_OPSET}`,
      command: `npm run export -- ${process.argv.slice(2).join(' ')}`,
      backbone_weights: untrained
        ? `${options.backbone === defaultBackboneWeights() ? DEFAULT_BACKBONE_NAME : options.backbone} ` +
          `(ImageNet MobileNetV2, Keras layer names)`
        : undefined,
    },
    licenses: { code: 'MIT', backbone_weights: 'Apache-2.0 (ImageNet MobileNetV2)' },
  });
}

main(process.argv).catch((error: unknown) => {
  console.error(`export failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
