/*
 * npm run model:install -- --run <run id or folder> [--threshold val|<p>] [--models models] [--notes <yaml>]
 * Ships a training run as models/<name>.onnx with its JSON and Markdown model cards.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { repoRoot } from '@maskd/imaging';
import { runCli } from '../data/cli/run-cli';
import { installModel } from './install-model';
import type { ThresholdOption } from './threshold-decision';

function parseThreshold(value: string): ThresholdOption {
  if (value === 'val') return 'val';
  const parsed = Number(value);
  if (!(parsed > 0 && parsed < 1)) throw new InvalidArgumentError(`must be "val" or a number in (0, 1)`);
  return parsed;
}

async function main(argv: string[]): Promise<void> {
  const root = repoRoot();
  const options = new Command('model:install')
    .description('Ship a training run: copy its ONNX model into models/ and write its model cards')
    .requiredOption('--run <id or dir>', 'run id (a folder of --runs-dir) or a run folder')
    .option('--runs-dir <dir>', 'where runs are', path.join(root, 'training', 'runs'))
    .option(
      '--threshold <val|p>',
      'decision threshold: "val" = the one tuned on the validation split (rounded to 2 decimals), or a number',
      parseThreshold,
      'val' as ThresholdOption,
    )
    .option('--models <dir>', 'where the model and its cards go', path.join(root, 'models'))
    .option('--notes <file>', 'licences, provenance and limitations (YAML)')
    .parse(argv)
    .opts<{ run: string; runsDir: string; threshold: ThresholdOption; models: string; notes?: string }>();

  const runDir = existsSync(path.join(options.run, 'summary.json'))
    ? options.run
    : path.join(options.runsDir, options.run);
  const installed = await installModel({
    runDir,
    modelsDir: options.models,
    releaseNotes: options.notes ?? path.join(root, 'training', 'release', 'mask_detector.yaml'),
    threshold: options.threshold,
    command: `npm run model:install -- ${argv.slice(2).join(' ')}`,
  });
  const { card, files } = installed;
  console.log(`Installed ${card.name} ${card.version} from run ${card.training_run_id}`);
  console.log(
    `  ${path.relative(root, files.onnx)} (${(installed.verified.sizeBytes / 1e6).toFixed(1)} MB, sha256 ${card.sha256})`,
  );
  console.log(`  ${path.relative(root, files.json)}, ${path.relative(root, files.markdown)}`);
  console.log(`  threshold ${card.threshold}: ${card.threshold_selection.method}`);
  for (const m of [card.metrics.test_split, ...Object.values(card.metrics.face_crops)]) {
    console.log(
      `  ${m.set}: n=${m.count} accuracy ${m.accuracy.toFixed(4)} F1 ${m.f1.macro.toFixed(4)} ROC-AUC ${m.roc_auc?.toFixed(4) ?? 'n/a'}`,
    );
  }
}

runCli(() => main(process.argv));
