/**
 * npm run predict -- <files or folders...> [--json] [--batch-size N] [--model path]
 * One line per file (label and confidence, or the error); exit code 1 if any file failed, 2 if the
 * model cannot be loaded.
 */
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { repoRoot } from '@maskd/imaging';
import { OnnxMaskClassifier, verifyModel } from '@maskd/inference';
import { collectImageFiles, FilePrediction, predictFiles } from './predict-files';

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('must be a positive integer');
  return parsed;
}

function formatLine(result: FilePrediction, json: boolean): string {
  if (json) return JSON.stringify(result);
  if ('error' in result) return `${result.file}: error: ${result.error}`;
  return `${result.file}: ${result.prediction} (${(result.confidence * 100).toFixed(1)}%)`;
}

async function main(): Promise<number> {
  const program = new Command('predict')
    .description('Classify images as with_mask or without_mask with the shipped ONNX model')
    .argument('<paths...>', 'image files, or folders to search for images')
    .option('--json', 'one JSON object per line: {file, prediction, confidence, has_mask} or {file, error}')
    .option('--batch-size <n>', 'images per inference run', positiveInteger, 32)
    .option(
      '--model <path>',
      'ONNX model, with its card <name>.json beside it',
      join(repoRoot(), 'models', 'mask_detector.onnx'),
    )
    .parse();
  const paths = program.args;
  const { json, batchSize, model } = program.opts<{ json?: boolean; batchSize: number; model: string }>();

  let classifier: OnnxMaskClassifier;
  let card;
  try {
    ({ card } = await verifyModel(model));
    classifier = await OnnxMaskClassifier.load(model);
  } catch (error) {
    console.error(`Cannot load the model: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }

  const files = await collectImageFiles(paths);
  let failed = 0;
  for await (const result of predictFiles(files, classifier, card, batchSize)) {
    if ('error' in result) failed++;
    const line = formatLine(result, json ?? false);
    if (!json && 'error' in result) console.error(line);
    else console.log(line);
  }
  await classifier.close();
  if (!json) console.error(`${files.length} file(s): ${files.length - failed} classified, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);
