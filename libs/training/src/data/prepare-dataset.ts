// prepare(source folders) -> manifest: clean, de-duplicate, group near-duplicates and split reproducibly.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { mapWithConcurrency } from '../map-with-concurrency';
import { maskdVersion } from '../tracking/source-info';
import {
  countRows,
  describeSource,
  renderDatasetCard,
  type DatasetCard,
  type NearDuplicateStats,
} from './dataset-card';
import { inspectImage, type InspectedImage } from './inspect-image';
import { formatManifestCsv, type DropReason, type ManifestRow, type Split } from './manifest';
import { DEFAULT_NEAR_DUPLICATE_DISTANCE, groupNearDuplicates } from './near-duplicates';
import {
  DATASET_CARD_FILE,
  DATASET_JSON_FILE,
  loadPreparedDataset,
  MANIFEST_FILE,
  type PreparedDataset,
} from './prepared-dataset';
import { scanSourceFolders, type SourceFile } from './source-folders';
import {
  assignSplits,
  DEFAULT_SPLIT_RATIOS,
  validateSplitRatios,
  type SplitRatios,
  type SplitUnit,
} from './split';

/**
 * Images with a side under 16 px carry too little to label. Larger small images stay: the 26-40 px crops in
 * the public sets look like the small faces users send from camera frames.
 */
export const DEFAULT_MIN_SIDE = 16;
export const DEFAULT_SEED = 42;
/** Files decoded at once: enough to keep libuv's 4 threads busy, few enough to bound memory. */
const DEFAULT_CONCURRENCY = 4;

export interface PrepareDatasetOptions {
  /** One sub-folder per class. */
  sourceDir: string;
  /** Receives manifest.csv, dataset.json and dataset_card.md. */
  outDir: string;
  seed?: number;
  ratios?: SplitRatios;
  /** Images with a shorter side are dropped as `too_small`. */
  minSide?: number;
  /** pHash Hamming distance for near-duplicates (see DEFAULT_NEAR_DUPLICATE_DISTANCE). */
  nearDuplicateDistance?: number;
  /** Use only these class folders (default: every sub-folder). */
  classes?: string[];
  /** Dataset name in the card (default: the source folder's name). */
  name?: string;
  /** Where the data came from, for the card (default: SOURCE.md in the source directory). */
  origin?: string;
  /** The data's licence, for the card (default: the first line of a LICENSE in the source directory). */
  licence?: string;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

interface Draft {
  file: SourceFile;
  info: InspectedImage;
  reason?: DropReason;
  group?: string;
  split?: Split;
}

export async function prepareDataset(options: PrepareDatasetOptions): Promise<PreparedDataset> {
  const sourceDir = path.resolve(options.sourceDir);
  const outDir = path.resolve(options.outDir);
  const seed = options.seed ?? DEFAULT_SEED;
  const ratios = validateSplitRatios(options.ratios ?? DEFAULT_SPLIT_RATIOS);
  const minSide = options.minSide ?? DEFAULT_MIN_SIDE;
  const maxDistance = options.nearDuplicateDistance ?? DEFAULT_NEAR_DUPLICATE_DISTANCE;
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`The seed must be a non-negative integer, got ${seed}.`);
  if (!Number.isInteger(minSide) || minSide < 1)
    throw new Error(`--min-side must be a positive integer, got ${minSide}.`);
  if (!Number.isInteger(maxDistance) || maxDistance < 0 || maxDistance > 64) {
    throw new Error(`The near-duplicate distance must be an integer from 0 to 64, got ${maxDistance}.`);
  }

  const scan = await scanSourceFolders(sourceDir, options.classes);
  const inspected = await mapWithConcurrency(
    scan.files,
    options.concurrency ?? DEFAULT_CONCURRENCY,
    (file) => inspectImage(file.absolutePath, minSide),
    options.onProgress,
  );
  const drafts: Draft[] = scan.files.map((file, i) => ({
    file,
    info: inspected[i],
    reason: inspected[i].reason,
  }));
  dropExactDuplicates(drafts);
  const nearDuplicates = groupKept(drafts, maxDistance);
  splitGroups(drafts, scan.classNames, ratios, seed);

  const rows: ManifestRow[] = drafts.map(toManifestRow);
  const manifest = formatManifestCsv(rows);
  const { counts, ...tallies } = countRows(rows, scan.classNames);
  const card: DatasetCard = {
    name: options.name ?? path.basename(sourceDir),
    createdWith: { tool: 'maskd data:prepare', maskdVersion: maskdVersion() },
    source: await describeSource(sourceDir, outDir, { origin: options.origin, licence: options.licence }),
    classNames: scan.classNames,
    seed,
    ratios,
    minSide,
    counts: { ...counts, hiddenEntriesIgnored: scan.hiddenEntriesIgnored },
    ...tallies,
    nearDuplicates,
    manifest: {
      file: MANIFEST_FILE,
      sha256: createHash('sha256').update(manifest).digest('hex'),
      rows: rows.length,
    },
  };
  await fs.mkdir(outDir, { recursive: true });
  await writeAtomic(path.join(outDir, MANIFEST_FILE), manifest);
  await writeAtomic(path.join(outDir, DATASET_CARD_FILE), renderDatasetCard(card));
  // Written last: a reader that finds dataset.json finds the manifest it describes.
  await writeAtomic(path.join(outDir, DATASET_JSON_FILE), `${JSON.stringify(card, null, 2)}\n`);
  return loadPreparedDataset(outDir);
}

/** Same bytes twice in one class: keep the first path. Same bytes under two classes: the label is unknowable. */
function dropExactDuplicates(drafts: Draft[]): void {
  const bySha = new Map<string, Draft[]>();
  for (const draft of drafts) {
    if (draft.reason) continue;
    const copies = bySha.get(draft.info.sha256!) ?? [];
    copies.push(draft);
    bySha.set(draft.info.sha256!, copies);
  }
  for (const copies of bySha.values()) {
    if (copies.length < 2) continue;
    const conflict = copies.some((copy) => copy.file.className !== copies[0].file.className);
    for (const copy of conflict ? copies : copies.slice(1))
      copy.reason = conflict ? 'label_conflict' : 'exact_duplicate';
  }
}

/** Names each kept image's near-duplicate group by its first member's content hash; duplicates join their original's. */
function groupKept(drafts: Draft[], maxDistance: number): NearDuplicateStats {
  const kept = drafts.filter((draft) => !draft.reason);
  const roots = groupNearDuplicates(
    kept.map((draft) => draft.info.hashes!),
    maxDistance,
  );
  kept.forEach((draft, i) => (draft.group = `g${kept[roots[i]].info.sha256!.slice(0, 12)}`));
  const groupOfSha = new Map(kept.map((draft) => [draft.info.sha256!, draft.group!]));
  for (const draft of drafts)
    if (draft.reason === 'exact_duplicate') draft.group = groupOfSha.get(draft.info.sha256!);

  const members = new Map<string, Draft[]>();
  for (const draft of kept) members.set(draft.group!, [...(members.get(draft.group!) ?? []), draft]);
  const sizes = [...members.values()].map((list) => list.length);
  const shared = sizes.filter((size) => size > 1);
  return {
    method: 'pHash (64-bit DCT of a 32x32 grey thumbnail), compared with and without a left-right mirror',
    maxHammingDistance: maxDistance,
    groups: members.size,
    sharedGroups: shared.length,
    imagesInSharedGroups: shared.reduce((a, b) => a + b, 0),
    largestGroup: Math.max(0, ...sizes),
    mixedClassGroups: [...members.values()].filter(
      (list) => new Set(list.map((d) => d.file.className)).size > 1,
    ).length,
  };
}

/** Each group is stratified under its majority class (ties: the first class name). */
function splitGroups(drafts: Draft[], classNames: string[], ratios: SplitRatios, seed: number): void {
  const classCounts = new Map<string, number[]>();
  for (const draft of drafts) {
    if (draft.reason) continue;
    const counts = classCounts.get(draft.group!) ?? classNames.map(() => 0);
    counts[classNames.indexOf(draft.file.className)]++;
    classCounts.set(draft.group!, counts);
  }
  const units: SplitUnit[] = [...classCounts].map(([id, counts]) => ({
    id,
    stratum: classNames[counts.indexOf(Math.max(...counts))],
    size: counts.reduce((a, b) => a + b, 0),
  }));
  const assignment = assignSplits(units, ratios, seed);
  for (const draft of drafts) if (!draft.reason) draft.split = assignment.get(draft.group!);
}

function toManifestRow(draft: Draft): ManifestRow {
  const { info } = draft;
  return {
    path: draft.file.relativePath,
    className: draft.file.className,
    split: draft.reason ? 'dropped' : draft.split!,
    sha256: info.sha256 ?? '',
    bytes: info.bytes,
    width: info.width,
    height: info.height,
    format: info.format,
    group: draft.reason === 'exact_duplicate' || !draft.reason ? draft.group : undefined,
    reason: draft.reason,
  };
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, text, 'utf8');
  await fs.rename(temp, file);
}
