// npm run data:prepare -- --src <class folders> --out <prepared dir> [--seed 42] [--ratios 0.7,0.15,0.15] …
import { SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_NEAR_DUPLICATE_DISTANCE } from '../near-duplicates';
import { DEFAULT_MIN_SIDE, DEFAULT_SEED, prepareDataset } from '../prepare-dataset';
import { DEFAULT_SPLIT_RATIOS, parseSplitRatios, type SplitRatios } from '../split';
import { parseInteger, runCli } from './run-cli';

const argument =
  <T>(parse: (value: string) => T) =>
  (value: string): T => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };

const program = new Command('data:prepare')
  .description(
    'Clean, de-duplicate and split a dataset with one folder per class; writes manifest.csv and a dataset card.',
  )
  .requiredOption(
    '--src <dir>',
    'source folder with one sub-folder per class (e.g. with_mask/, without_mask/)',
  )
  .requiredOption('--out <dir>', 'output folder for manifest.csv, dataset.json and dataset_card.md')
  .option('--seed <n>', 'split seed', argument(parseInteger('--seed')), DEFAULT_SEED)
  .option(
    '--ratios <train,val,test>',
    'split ratios',
    argument(parseSplitRatios),
    DEFAULT_SPLIT_RATIOS as SplitRatios,
  )
  .option(
    '--min-side <px>',
    'drop images with a shorter side',
    argument(parseInteger('--min-side')),
    DEFAULT_MIN_SIDE,
  )
  .option(
    '--near-duplicate-distance <bits>',
    'pHash Hamming distance for near-duplicates (0-64)',
    argument(parseInteger('--near-duplicate-distance')),
    DEFAULT_NEAR_DUPLICATE_DISTANCE,
  )
  .option('--classes <names>', 'comma-separated class folders to use (default: all)', (v: string) =>
    v.split(','),
  )
  .option('--name <name>', 'dataset name for the card (default: the source folder name)')
  .option('--source <text>', 'where the data came from, for the card (default: SOURCE.md in --src)')
  .option('--licence <text>', 'the data licence, for the card (default: first line of LICENSE in --src)')
  .option('--license <text>', 'alias of --licence')
  .option('--concurrency <n>', 'images decoded at once', argument(parseInteger('--concurrency')), 4);

runCli(async () => {
  const options = program.parse().opts();
  const started = Date.now();
  const bar = process.stderr.isTTY
    ? new SingleBar({
        format: 'decoding {bar} {value}/{total} images | ETA {eta_formatted}',
        hideCursor: true,
      })
    : undefined;
  const dataset = await prepareDataset({
    sourceDir: options.src,
    outDir: options.out,
    seed: options.seed,
    ratios: options.ratios,
    minSide: options.minSide,
    nearDuplicateDistance: options.nearDuplicateDistance,
    classes: options.classes,
    name: options.name,
    origin: options.source,
    licence: options.licence ?? options.license,
    concurrency: options.concurrency,
    onProgress: (done, total) => {
      if (!bar) return;
      if (done === 1) bar.start(total, 0);
      bar.update(done);
      if (done === total) bar.stop();
    },
  });
  const { counts, droppedByReason, nearDuplicates } = dataset.card;
  const dropped =
    Object.entries(droppedByReason)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ') || 'none';
  console.log(
    [
      `Prepared ${dataset.card.name} in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${dataset.dir}`,
      `  files ${counts.files}: kept ${counts.kept}, dropped ${counts.dropped} (${dropped})`,
      `  splits: train ${counts.bySplit.train}, val ${counts.bySplit.val}, test ${counts.bySplit.test}`,
      ...dataset.classNames.map((name, label) => {
        const c = counts.byClass[name];
        return `  class ${label} ${name}: train ${c.train}, val ${c.val}, test ${c.test}, dropped ${c.dropped}`;
      }),
      `  near-duplicate groups: ${nearDuplicates.sharedGroups} holding ${nearDuplicates.imagesInSharedGroups} images ` +
        `(largest ${nearDuplicates.largestGroup}, distance <= ${nearDuplicates.maxHammingDistance})`,
      `  manifest sha256 ${dataset.manifestSha256}`,
    ].join('\n'),
  );
});
