// The prepared dataset's manifest: one CSV row per source file, kept or dropped, with the reason.
import type { ImageErrorCode } from '@maskd/imaging';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

export const MANIFEST_COLUMNS = [
  'path',
  'class',
  'split',
  'sha256',
  'bytes',
  'width',
  'height',
  'format',
  'group',
  'reason',
] as const;

export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];
export type ManifestSplit = Split | 'dropped';

/**
 * Why a file is not used: the shared decoder's ImageDecodeError code, `unreadable` (the file system refused it),
 * `exact_duplicate` (same bytes as a kept file of the same class) or `label_conflict` (same bytes under
 * different classes: every copy is dropped, since we cannot tell which label is right).
 */
export type DropReason = ImageErrorCode | 'unreadable' | 'exact_duplicate' | 'label_conflict';

export interface ManifestRow {
  /** Relative to the source directory, with `/` separators. */
  path: string;
  className: string;
  split: ManifestSplit;
  /** Empty only for an `unreadable` file. */
  sha256: string;
  bytes: number;
  /** Upright size of the source image; absent when it could not be decoded. */
  width?: number;
  height?: number;
  /** Format sniffed from the content (never the file extension). */
  format?: string;
  /** Near-duplicate group; every member of a group is in the same split. */
  group?: string;
  reason?: DropReason;
}

export function formatManifestCsv(rows: readonly ManifestRow[]): string {
  const records = rows.map((row) => [
    row.path,
    row.className,
    row.split,
    row.sha256,
    row.bytes,
    row.width ?? '',
    row.height ?? '',
    row.format ?? '',
    row.group ?? '',
    row.reason ?? '',
  ]);
  return stringify(records, { header: true, columns: [...MANIFEST_COLUMNS], record_delimiter: '\n' });
}

export function parseManifestCsv(text: string, source = 'manifest.csv'): ManifestRow[] {
  const records = parse(text, { columns: false, skip_empty_lines: true }) as string[][];
  const [header, ...rows] = records;
  if (!header || header.join(',') !== MANIFEST_COLUMNS.join(',')) {
    throw new Error(
      `${source}: expected the columns ${MANIFEST_COLUMNS.join(',')}, found ${header?.join(',')}`,
    );
  }
  return rows.map((record, index) => {
    const [path, className, split, sha256, bytes, width, height, format, group, reason] = record;
    const where = `${source} line ${index + 2}`;
    if (split !== 'dropped' && !(SPLITS as readonly string[]).includes(split)) {
      throw new Error(`${where}: unknown split '${split}'`);
    }
    if (!/^[0-9a-f]{64}$/.test(sha256) && !(sha256 === '' && reason === 'unreadable'))
      throw new Error(`${where}: invalid sha256 '${sha256}'`);
    return {
      path,
      className,
      split: split as ManifestSplit,
      sha256,
      bytes: Number(bytes),
      width: width ? Number(width) : undefined,
      height: height ? Number(height) : undefined,
      format: format || undefined,
      group: group || undefined,
      reason: (reason || undefined) as DropReason | undefined,
    };
  });
}
