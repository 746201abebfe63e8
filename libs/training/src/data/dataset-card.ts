// dataset.json (for programs) and dataset_card.md (for people): what the prepared dataset holds and how it was made.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SPLITS, type DropReason, type ManifestRow, type Split } from './manifest';
import type { SplitRatios } from './split';

export interface NearDuplicateStats {
  method: string;
  maxHammingDistance: number;
  /** Groups among the kept images, singletons included. */
  groups: number;
  /** Groups of two or more images. */
  sharedGroups: number;
  imagesInSharedGroups: number;
  largestGroup: number;
  /** Groups holding images of more than one class (e.g. one face with and without a mask). */
  mixedClassGroups: number;
}

export interface DatasetSource {
  /** Absolute path of the source directory when prepared. */
  dir: string;
  /** The same, relative to the prepared directory: still valid when both move together. */
  relativeDir: string;
  /** Where the data came from (`--source`, or the text of a SOURCE.md in the source directory). */
  origin?: string;
  /** `--licence`, or the first line of a LICENSE file in the source directory. */
  licence?: string;
  /** Provenance files found at the top of the source directory. */
  files: string[];
}

export interface DatasetCard {
  name: string;
  createdWith: { tool: string; maskdVersion: string };
  source: DatasetSource;
  classNames: string[];
  seed: number;
  ratios: SplitRatios;
  minSide: number;
  counts: {
    files: number;
    kept: number;
    dropped: number;
    hiddenEntriesIgnored: number;
    byClass: Record<string, Record<Split | 'dropped' | 'total', number>>;
    bySplit: Record<Split, number>;
  };
  droppedByReason: Partial<Record<DropReason, number>>;
  nearDuplicates: NearDuplicateStats;
  /** Kept images by the format sniffed from their content. */
  formats: Record<string, number>;
  /** Kept images whose file extension names another format than their content. */
  extensionMismatches: number;
  manifest: { file: string; sha256: string; rows: number };
}

const PROVENANCE_FILE = /^(source|licen[cs]e|copying|readme)(\.(md|txt))?$/i;
const EXTENSIONS: Record<string, string[]> = {
  jpeg: ['jpg', 'jpeg', 'jpe', 'jfif'],
  png: ['png'],
  webp: ['webp'],
  gif: ['gif'],
  tiff: ['tif', 'tiff'],
  avif: ['avif'],
  heif: ['heic', 'heif'],
};

/** Reads SOURCE.md / LICENSE in the source directory unless `--source` / `--licence` were given. */
export async function describeSource(
  sourceDir: string,
  outDir: string,
  given: { origin?: string; licence?: string },
): Promise<DatasetSource> {
  const entries = await fs.readdir(sourceDir, { withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && PROVENANCE_FILE.test(e.name))
    .map((e) => e.name)
    .sort();
  const read = async (pattern: RegExp) => {
    const file = files.find((name) => pattern.test(name));
    return file ? (await fs.readFile(path.join(sourceDir, file), 'utf8')).trim() : undefined;
  };
  const origin = given.origin ?? (await read(/^source/i))?.slice(0, 2000);
  const licence =
    given.licence ?? (await read(/^(licen[cs]e|copying)/i))?.split('\n')[0].trim().slice(0, 200);
  return {
    dir: sourceDir,
    relativeDir: path.relative(outDir, sourceDir).split(path.sep).join('/') || '.',
    ...(origin ? { origin } : {}),
    ...(licence ? { licence } : {}),
    files,
  };
}

export function countRows(rows: readonly ManifestRow[], classNames: readonly string[]) {
  const byClass: DatasetCard['counts']['byClass'] = {};
  for (const name of classNames) byClass[name] = { train: 0, val: 0, test: 0, dropped: 0, total: 0 };
  const bySplit: Record<Split, number> = { train: 0, val: 0, test: 0 };
  const droppedByReason: Partial<Record<DropReason, number>> = {};
  const formats: Record<string, number> = {};
  let extensionMismatches = 0;
  for (const row of rows) {
    byClass[row.className][row.split]++;
    byClass[row.className].total++;
    if (row.split === 'dropped') {
      droppedByReason[row.reason!] = (droppedByReason[row.reason!] ?? 0) + 1;
      continue;
    }
    bySplit[row.split]++;
    formats[row.format!] = (formats[row.format!] ?? 0) + 1;
    const extension = row.path.split('.').pop()!.toLowerCase();
    if (!(EXTENSIONS[row.format!] ?? []).includes(extension)) extensionMismatches++;
  }
  const kept = bySplit.train + bySplit.val + bySplit.test;
  return {
    counts: { files: rows.length, kept, dropped: rows.length - kept, byClass, bySplit },
    droppedByReason: sortKeys(droppedByReason),
    formats: sortKeys(formats),
    extensionMismatches,
  };
}

export function renderDatasetCard(card: DatasetCard): string {
  const { counts } = card;
  const percent = (n: number, of: number) => (of > 0 ? `${((100 * n) / of).toFixed(1)}%` : '-');
  const lines = [
    `# Dataset card: ${card.name}`,
    '',
    `Prepared by \`${card.createdWith.tool}\` (maskd ${card.createdWith.maskdVersion}) from \`${card.source.dir}\`.`,
    '',
    '## Source and licence',
    '',
    `- Origin: ${card.source.origin ?? 'not recorded (pass --source or add a SOURCE.md)'}`,
    `- Licence: ${card.source.licence ?? 'not recorded (pass --licence or add a LICENSE)'}`,
    `- Provenance files: ${card.source.files.length ? card.source.files.join(', ') : 'none'}`,
    '',
    '## Classes and splits',
    '',
    `Classes in label order: ${card.classNames.map((name, i) => `${i} = \`${name}\``).join(', ')}.`,
    `Split: seed ${card.seed}, ratios train ${card.ratios.train} / val ${card.ratios.val} / test ${card.ratios.test}, ` +
      'stratified by class over near-duplicate groups.',
    '',
    '| class | train | val | test | kept | dropped | files |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...card.classNames.map((name) => {
      const c = counts.byClass[name];
      return `| ${name} | ${c.train} | ${c.val} | ${c.test} | ${c.train + c.val + c.test} | ${c.dropped} | ${c.total} |`;
    }),
    `| **all** | ${SPLITS.map((s) => counts.bySplit[s]).join(' | ')} | ${counts.kept} | ${counts.dropped} | ${counts.files} |`,
    '',
    `Split shares of kept images: ${SPLITS.map((s) => `${s} ${percent(counts.bySplit[s], counts.kept)}`).join(', ')}.`,
    '',
    '## Dropped files',
    '',
    ...(counts.dropped === 0
      ? ['None.']
      : [
          '| reason | files |',
          '|---|---:|',
          ...Object.entries(card.droppedByReason).map(([reason, n]) => `| \`${reason}\` | ${n} |`),
          '',
          'Reasons: `exact_duplicate` = same bytes as a kept file of the same class (one copy kept); `label_conflict` = ' +
            'same bytes under different classes (all copies dropped); `corrupt`, `empty`, `unsupported_format`, ' +
            `\`too_many_pixels\` = the shared decoder rejected the file; \`too_small\` = a side under ${card.minSide} px; ` +
            '`unreadable` = the file could not be read.',
        ]),
    ...(counts.hiddenEntriesIgnored
      ? ['', `${counts.hiddenEntriesIgnored} hidden entries (dot-files) were ignored.`]
      : []),
    '',
    '## Near-duplicates',
    '',
    `Method: ${card.nearDuplicates.method}, Hamming distance <= ${card.nearDuplicates.maxHammingDistance}, grouped transitively. ` +
      'A group is never split between train, val and test.',
    '',
    `- Groups: ${card.nearDuplicates.groups} (${card.nearDuplicates.sharedGroups} with more than one image, ` +
      `holding ${card.nearDuplicates.imagesInSharedGroups} images; largest ${card.nearDuplicates.largestGroup})`,
    `- Groups mixing classes: ${card.nearDuplicates.mixedClassGroups}`,
    '',
    '## Formats',
    '',
    `Kept images by content: ${
      Object.entries(card.formats)
        .map(([f, n]) => `${f} ${n}`)
        .join(', ') || 'none'
    }; ` + `${card.extensionMismatches} with a file extension that names another format.`,
    '',
    '## Files',
    '',
    `- \`${card.manifest.file}\`: ${card.manifest.rows} rows, sha256 \`${card.manifest.sha256}\``,
    '- `dataset.json`: this card, machine-readable',
    '',
    '## Reproduce',
    '',
    '```sh',
    `npm run data:prepare -- --src ${card.source.dir} --out <dir> --seed ${card.seed} ` +
      `--ratios ${card.ratios.train},${card.ratios.val},${card.ratios.test} --min-side ${card.minSide} ` +
      `--near-duplicate-distance ${card.nearDuplicates.maxHammingDistance}`,
    '```',
    '',
  ];
  return lines.join('\n');
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}
