// The trainer's and evaluator's view of a prepared dataset directory.
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DatasetCard } from './dataset-card';
import { parseManifestCsv, type ManifestRow, type Split } from './manifest';

export const MANIFEST_FILE = 'manifest.csv';
export const DATASET_JSON_FILE = 'dataset.json';
export const DATASET_CARD_FILE = 'dataset_card.md';

export interface DatasetEntry {
  /** Relative to the source directory, as in the manifest. */
  path: string;
  absolutePath: string;
  className: string;
  /** Index of `className` in `classNames` (the model's output order). */
  label: number;
  split: Split;
  sha256: string;
  group: string;
  width: number;
  height: number;
  format: string;
}

export interface PreparedDataset {
  /** The prepared directory (manifest.csv, dataset.json, dataset_card.md). */
  dir: string;
  /** Where the images are read from. */
  sourceDir: string;
  classNames: string[];
  /** Kept images, in manifest order. */
  entries: DatasetEntry[];
  /** Every manifest row, dropped files included. */
  rows: ManifestRow[];
  /** sha256 of manifest.csv: identifies the exact data and split (tag runs with it). */
  manifestSha256: string;
  card: DatasetCard;
}

export interface LoadPreparedDatasetOptions {
  /** Read images from here instead of the source directory recorded in dataset.json. */
  sourceDir?: string;
}

/**
 * Loads a directory written by `prepareDataset`. Images are found through the source path recorded relative
 * to the prepared directory (so both may move together), else its absolute path. A manifest changed since
 * preparation is refused: its hash is what runs are tagged with.
 */
export async function loadPreparedDataset(
  dir: string,
  options: LoadPreparedDatasetOptions = {},
): Promise<PreparedDataset> {
  const root = path.resolve(dir);
  const readText = (file: string) =>
    fs.readFile(path.join(root, file)).catch(() => {
      throw new Error(
        `${path.join(root, file)} not found: is ${root} a dataset prepared with npm run data:prepare?`,
      );
    });
  const card = JSON.parse((await readText(DATASET_JSON_FILE)).toString('utf8')) as DatasetCard;
  const manifestBytes = await readText(MANIFEST_FILE);
  const manifestSha256 = createHash('sha256').update(manifestBytes).digest('hex');
  if (manifestSha256 !== card.manifest.sha256) {
    throw new Error(
      `${path.join(root, MANIFEST_FILE)} has sha256 ${manifestSha256} but ${DATASET_JSON_FILE} records ${card.manifest.sha256}: ` +
        'the manifest was changed after preparation; prepare the dataset again.',
    );
  }
  const sourceDir = resolveSourceDir(root, card, options.sourceDir);
  const rows = parseManifestCsv(manifestBytes.toString('utf8'), path.join(root, MANIFEST_FILE));
  const labels = new Map(card.classNames.map((name, index) => [name, index]));
  const entries: DatasetEntry[] = [];
  for (const row of rows) {
    if (row.split === 'dropped') continue;
    const label = labels.get(row.className);
    if (label === undefined)
      throw new Error(`${MANIFEST_FILE}: class '${row.className}' is not in ${DATASET_JSON_FILE}`);
    entries.push({
      path: row.path,
      absolutePath: path.join(sourceDir, ...row.path.split('/')),
      className: row.className,
      label,
      split: row.split,
      sha256: row.sha256,
      group: row.group ?? '',
      width: row.width ?? 0,
      height: row.height ?? 0,
      format: row.format ?? '',
    });
  }
  return { dir: root, sourceDir, classNames: card.classNames, entries, rows, manifestSha256, card };
}

/** The kept images of one split. */
export function entriesOfSplit(dataset: PreparedDataset, split: Split): DatasetEntry[] {
  return dataset.entries.filter((entry) => entry.split === split);
}

function resolveSourceDir(root: string, card: DatasetCard, override: string | undefined): string {
  if (override) return path.resolve(override);
  const relative = path.resolve(root, card.source.relativeDir);
  if (existsSync(relative)) return relative;
  if (existsSync(card.source.dir)) return card.source.dir;
  throw new Error(
    `The images of ${root} are not at ${relative} nor ${card.source.dir}; pass the source directory explicitly.`,
  );
}
