/*
 * npm run train -- --config training/configs/default.yaml [flags that override the file]
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { parseInteger, runCli } from '../data/cli/run-cli';
import { prepareDataset } from '../data/prepare-dataset';
import { DATASET_JSON_FILE, loadPreparedDataset, type PreparedDataset } from '../data/prepared-dataset';
import { loadTrainingConfig, parseSetOption, resolveConfigPath, type TrainingConfig } from './config';
import { terminalProgress } from './progress';
import { trainModel } from './train-model';
import { formatTrainingSummary } from './training-result';

interface TrainCliOptions {
  config?: string;
  data?: string;
  source?: string;
  weights?: string;
  headEpochs?: number;
  fineTuneEpochs?: number;
  unfreezeBlocks?: number;
  batchSize?: number;
  seed?: number;
  runName?: string;
  runsDir?: string;
  trackingUri?: string;
  augment: boolean;
  evaluate: boolean;
  export: boolean;
  set: string[];
}

/** The prepared dataset the config names, prepared from `data.source` first when it is not there yet. */
async function resolveDataset(config: TrainingConfig, log: (line: string) => void): Promise<PreparedDataset> {
  const prepared = resolveConfigPath(config.data.prepared);
  if (existsSync(path.join(prepared, DATASET_JSON_FILE))) return loadPreparedDataset(prepared);
  if (!config.data.source) {
    throw new Error(
      `${prepared} holds no prepared dataset: run npm run data:prepare -- --src <folder> --out ${config.data.prepared}, ` +
        'or set data.source (--source) to prepare it now',
    );
  }
  const sourceDir = resolveConfigPath(config.data.source);
  log(`[train] preparing ${sourceDir} into ${prepared} (seed ${config.seed})`);
  return prepareDataset({ sourceDir, outDir: prepared, seed: config.seed });
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('train')
    .description(
      'Train the MobileNetV2 mask classifier (head, then fine-tuning), export it to ONNX and evaluate it. ' +
        'Flags override the config file.',
    )
    .option('-c, --config <file>', 'YAML training config (training/configs/*.yaml); without it, the defaults')
    .option('--data <dir>', 'prepared dataset folder (data.prepared)')
    .option(
      '--source <dir>',
      'class folders to prepare the dataset from when --data holds none (data.source)',
    )
    .option('--weights <source>', 'ImageNet MobileNetV2 backbone folder or model.json URL (model.weights)')
    .option('--head-epochs <n>', 'phase 1 epochs (head.epochs)', parseInteger('--head-epochs'))
    .option(
      '--fine-tune-epochs <n>',
      'phase 2 epochs, 0 to skip (fineTune.epochs)',
      parseInteger('--fine-tune-epochs'),
    )
    .option(
      '--unfreeze-blocks <n>',
      'top blocks fine-tuned (fineTune.unfreezeBlocks)',
      parseInteger('--unfreeze-blocks'),
    )
    .option('--batch-size <n>', 'batch size (batchSize)', parseInteger('--batch-size'))
    .option('--seed <n>', 'seed of shuffling, augmentation and initialisation (seed)', parseInteger('--seed'))
    .option('--run-name <name>', 'MLflow run name (runName)')
    .option('--runs-dir <dir>', 'where run folders go (output.runsDir)')
    .option('--tracking-uri <uri>', 'MLflow tracking directory or http(s) server (output.trackingUri)')
    .option('--no-augment', 'train without augmentation (augmentation.enabled=false)')
    .option('--no-evaluate', 'skip the evaluation at the end (evaluation.enabled=false)')
    .option('--no-export', 'skip the ONNX export and evaluation (export.enabled=false)')
    .option(
      '--set <key=value>',
      'override any config key, e.g. --set fineTune.learningRate=5e-5 (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .parse(argv);
  const options = program.opts<TrainCliOptions>();

  const overrides: Record<string, unknown> = {
    'data.prepared': options.data,
    'data.source': options.source,
    'model.weights': options.weights,
    'head.epochs': options.headEpochs,
    'fineTune.epochs': options.fineTuneEpochs,
    'fineTune.unfreezeBlocks': options.unfreezeBlocks,
    batchSize: options.batchSize,
    seed: options.seed,
    runName: options.runName,
    'output.runsDir': options.runsDir,
    'output.trackingUri': options.trackingUri,
    'augmentation.enabled': options.augment ? undefined : false,
    'evaluation.enabled': options.evaluate ? undefined : false,
    'export.enabled': options.export ? undefined : false,
    ...Object.fromEntries(options.set.map(parseSetOption)),
  };
  const config = await loadTrainingConfig(options.config, overrides);
  const log = (line: string) => console.log(line);
  const dataset = await resolveDataset(config, log);
  const result = await trainModel(config, dataset, {
    log,
    progress: terminalProgress(),
    command: `npm run train -- ${argv.slice(2).join(' ')}`.trim(),
  });
  console.log(formatTrainingSummary(result));
}

runCli(() => main(process.argv));
