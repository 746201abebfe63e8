/*
 * npm run evaluate -- --model <tfjs model dir or .onnx> --data <prepared dir> [--split test]
 *   [--voc <dir with images/ and annotations/> ...] [--out <dir>] [--report docs/evaluation_report.md]
 *   [--threshold 0.5]
 * A thin wrapper over evaluateModel: parses flags, opens the tracking run, shows progress, prints a summary.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { sharedDataPath } from '@maskd/imaging';
import { runCli } from '../data/cli/run-cli';
import { createTracker, type TrackedRun } from '../tracking';
import { evaluateModel } from './evaluate';
import type { ThresholdCriterion } from './metrics';
import type { EvaluationReport } from './types';
import { DEFAULT_MARGIN_SWEEP, DEFAULT_MIN_FACE_SIZE, FACE_CROP_MARGIN } from './voc-crops';

export const EVALUATION_EXPERIMENT = 'maskd-evaluation';

interface EvaluateCliOptions {
  model: string;
  data: string;
  split: string;
  tuneSplit: string | false;
  criterion: ThresholdCriterion;
  threshold?: number;
  /** Empty when not given; false with --no-voc. */
  voc: string[] | false;
  margin: number;
  minFaceSize: number;
  marginSweep: number[];
  out?: string;
  report?: string;
  history?: string;
  batchSize: number;
  tracking: boolean;
  trackingUri?: string;
  experiment: string;
}

function parseFraction(name: string, { allowZero }: { allowZero: boolean }) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < 0 || parsed >= 1 || (!allowZero && parsed === 0)) {
      throw new InvalidArgumentError(
        `${name} must be a number in ${allowZero ? '[0' : '(0'}, 1), got "${value}".`,
      );
    }
    return parsed;
  };
}

function parsePositiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError(`must be a positive integer`);
  return parsed;
}

function parseMargins(value: string): number[] {
  if (value === 'none') return [];
  return value.split(',').map((part) => parseFraction('--margin-sweep', { allowZero: true })(part.trim()));
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** The default scene set for face-crop evaluation, when the shared data is there. */
function defaultVocDirs(): string[] {
  const dir = sharedDataPath('datasets', 'andrewmvd_scenes_dev');
  return existsSync(join(dir, 'annotations')) ? [dir] : [];
}

const quote = (arg: string): string =>
  /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;

function printSummary(report: EvaluationReport, outDir: string, reportPath: string | undefined): void {
  const rows = [report.split, ...report.voc.map((v) => v.binary)].map((set) => ({
    set: set.name,
    images: set.count,
    accuracy: set.atThreshold.accuracy.toFixed(4),
    'macro F1': set.atThreshold.macro.f1.toFixed(4),
    'ROC-AUC': set.summary.rocAuc?.toFixed(4) ?? 'n/a',
    ...(set.atTunedThreshold ? { 'accuracy @ tuned': set.atTunedThreshold.accuracy.toFixed(4) } : {}),
  }));
  console.log(
    `\nThreshold ${report.threshold.value} (${report.threshold.source})` +
      (report.threshold.tuned
        ? `; tuned on ${report.threshold.tuned.split}: ${report.threshold.tuned.threshold.toFixed(3)}`
        : ''),
  );
  console.table(rows);
  console.log(
    `Results: ${join(outDir, 'evaluation.json')}${reportPath ? `; report section updated in ${reportPath}` : ''}`,
  );
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('evaluate')
    .description(
      'Evaluate a mask classifier on a prepared dataset split and on face crops from labelled photos',
    )
    .requiredOption('--model <path>', 'an .onnx file or a tfjs layers model folder')
    .requiredOption('--data <dir>', 'a prepared dataset folder (npm run data:prepare)')
    .option('--split <name>', 'split to evaluate', 'test')
    .option('--tune-split <name>', 'split to tune a comparison threshold on', 'val')
    .option('--no-tune-split', 'do not tune a threshold')
    .addOption(
      new Option('--criterion <name>', 'threshold tuning criterion')
        .choices(['youden', 'f1'])
        .default('youden'),
    )
    .option(
      '--threshold <p>',
      'decision threshold (default: the model card, else 0.5)',
      parseFraction('--threshold', { allowZero: false }),
    )
    .option(
      '--voc <dir>',
      'labelled photos (images/ + VOC annotations/); repeatable (default: shared andrewmvd_scenes_dev)',
      collect,
      [],
    )
    .option('--no-voc', 'skip the face-crop evaluation')
    .option(
      '--margin <fraction>',
      'face crop margin on each side, as a fraction of the box',
      parseFraction('--margin', { allowZero: true }),
      FACE_CROP_MARGIN,
    )
    .option(
      '--min-face-size <px>',
      'smallest face evaluated (sqrt of the box area)',
      parsePositiveInteger,
      DEFAULT_MIN_FACE_SIZE,
    )
    .option(
      '--margin-sweep <list>',
      'other crop margins to compare, comma-separated, or "none"',
      parseMargins,
      [...DEFAULT_MARGIN_SWEEP],
    )
    .option('--out <dir>', 'output folder (default: training/runs/evaluations/<timestamp>)')
    .option(
      '--report <file>',
      'Markdown report whose classifier section is replaced, e.g. docs/evaluation_report.md',
    )
    .option('--history <file>', 'history.json of the training run, for the training curves')
    .option('--batch-size <n>', 'images per forward pass', parsePositiveInteger, 32)
    .option('--tracking-uri <uri>', 'MLflow tracking URI (default: MLFLOW_TRACKING_URI, else ./mlruns)')
    .option('--experiment <name>', 'MLflow experiment', EVALUATION_EXPERIMENT)
    .option('--no-tracking', 'do not record an MLflow run')
    .parse(argv);
  const options = program.opts<EvaluateCliOptions>();

  const outDir =
    options.out ?? join('training', 'runs', 'evaluations', new Date().toISOString().replace(/[:.]/g, '-'));
  const vocDirs = options.voc === false ? [] : options.voc.length > 0 ? options.voc : defaultVocDirs();
  if (options.voc !== false && vocDirs.length === 0) {
    console.warn(
      'No labelled photos found (shared andrewmvd_scenes_dev is absent): skipping the face-crop evaluation.',
    );
  }

  let run: TrackedRun | undefined;
  if (options.tracking) {
    const tracker = createTracker({ trackingUri: options.trackingUri });
    run = await tracker.startRun({
      experimentName: options.experiment,
      runName: `evaluate-${options.split}`,
    });
  }
  const bar = new SingleBar(
    { format: '{stage} [{bar}] {value}/{total} | ETA {eta_formatted}', hideCursor: true },
    Presets.shades_classic,
  );
  let stage: string | undefined;
  try {
    const report = await evaluateModel({
      model: options.model,
      data: options.data,
      split: options.split,
      tuneSplit: options.tuneSplit === false ? null : options.tuneSplit,
      thresholdCriterion: options.criterion,
      threshold: options.threshold,
      voc: vocDirs,
      vocMargin: options.margin,
      minFaceSize: options.minFaceSize,
      marginSweep: options.marginSweep,
      outDir,
      reportPath: options.report,
      historyPath: options.history,
      command: ['npm run evaluate --', ...argv.slice(2).map(quote)].join(' '),
      scoring: { batchSize: options.batchSize },
      run,
      onProgress: (name, done, total) => {
        if (name !== stage) {
          if (stage !== undefined) bar.stop();
          stage = name;
          bar.start(total, 0, { stage: name.padEnd(20) });
        }
        bar.update(done);
      },
    });
    bar.stop();
    await run?.end('FINISHED');
    printSummary(report, outDir, options.report);
    if (run) console.log(`MLflow run ${run.id} in experiment '${options.experiment}'`);
  } catch (error) {
    bar.stop();
    await run?.end('FAILED').catch(() => undefined);
    throw error;
  }
}

runCli(() => main(process.argv));
