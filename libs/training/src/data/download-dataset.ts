// Fetches a dataset archive (a Kaggle face-mask set, a GitHub repository archive) for users with internet,
// unpacks it and finds the folder with one sub-folder per class, ready for `data:prepare --src`.
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { IMAGE_FILE_EXTENSIONS } from '@maskd/imaging';
import { ArchiveError, DEFAULT_MAX_EXTRACTED_BYTES, extractArchive, type ArchiveKind } from './archive';
import { compare } from './split';

/** Folders archivers add that never hold samples. */
const SKIPPED_FOLDERS = new Set(['__MACOSX']);
const MAX_SEARCH_DEPTH = 6;

export interface DownloadDatasetOptions {
  /** An http(s) URL of a zip, tar or tar.gz archive, or the path of one already on disk. */
  url: string;
  /** Must not exist or be empty; receives the unpacked archive. */
  outDir: string;
  /** Time to wait for the server's response headers. */
  connectTimeoutMs?: number;
  maxExtractedBytes?: number;
  fetch?: typeof fetch;
  onProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
}

export interface ClassFolderCandidate {
  dir: string;
  classes: { name: string; files: number }[];
}

export interface DownloadedDataset {
  archiveKind: ArchiveKind;
  extractedDir: string;
  /** The folder with one sub-folder per class: pass it to `data:prepare --src`. */
  datasetDir: string;
  classes: { name: string; files: number }[];
  /** Other folders with the same layout (e.g. a set's Train/ and Test/), largest first. */
  otherCandidates: ClassFolderCandidate[];
}

/** A failure with a message meant for the user as it stands (no stack trace needed). */
export class DatasetDownloadError extends Error {
  override readonly name = 'DatasetDownloadError';
}

export async function downloadDataset(options: DownloadDatasetOptions): Promise<DownloadedDataset> {
  const outDir = path.resolve(options.outDir);
  const existing = await fs.readdir(outDir).catch(() => []);
  if (existing.length > 0)
    throw new DatasetDownloadError(`${outDir} is not empty; choose a new folder for the download.`);
  const isUrl = /^https?:\/\//i.test(options.url);
  const archive = isUrl
    ? path.join(path.dirname(outDir), `.${path.basename(outDir)}.download`)
    : path.resolve(options.url);
  if (!isUrl && !(await fs.stat(archive).catch(() => undefined))?.isFile()) {
    throw new DatasetDownloadError(`${options.url} is neither an http(s) URL nor an archive file.`);
  }
  // Also makes outDir's parent, where the download is written; `created` is the first folder this run made.
  const created = await fs.mkdir(outDir, { recursive: true });
  let archiveKind: ArchiveKind;
  try {
    if (isUrl) await fetchToFile(options, archive);
    archiveKind = await extractArchive(
      archive,
      outDir,
      options.maxExtractedBytes ?? DEFAULT_MAX_EXTRACTED_BYTES,
    );
  } catch (error) {
    // Nothing usable arrived: leave no folder (or, in an empty folder the user made, no file) behind.
    await removeWrittenBy(created, outDir);
    if (error instanceof ArchiveError) throw new DatasetDownloadError(error.message);
    throw error;
  } finally {
    if (isUrl) await fs.rm(archive, { force: true });
  }
  const [best, ...others] = await findClassFolders(outDir);
  if (!best) {
    // Kept: what was unpacked is what the user needs to see to pick the folder by hand.
    throw new DatasetDownloadError(
      `The archive was unpacked to ${outDir}, but no folder in it holds one sub-folder of images per class.`,
    );
  }
  return {
    archiveKind,
    extractedDir: outDir,
    datasetDir: best.dir,
    classes: best.classes,
    otherCandidates: others,
  };
}

/**
 * Undoes a failed run: removes the folders it created, or empties outDir when it existed (empty, as
 * downloadDataset checked) before. A folder that existed before is never removed.
 */
async function removeWrittenBy(created: string | undefined, outDir: string): Promise<void> {
  if (created) {
    await fs.rm(created, { recursive: true, force: true });
    return;
  }
  for (const name of await fs.readdir(outDir).catch(() => [])) {
    await fs.rm(path.join(outDir, name), { recursive: true, force: true });
  }
}

async function fetchToFile(options: DownloadDatasetOptions, file: string): Promise<void> {
  const { url } = options;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.connectTimeoutMs ?? 30_000);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { signal: controller.signal, redirect: 'follow' });
  } catch (error) {
    throw new DatasetDownloadError(
      `Cannot download ${url}: ${networkReason(error)}. data:download needs internet access; offline, copy a ` +
        'dataset folder (one sub-folder per class) onto this machine and run npm run data:prepare -- --src <folder>.',
    );
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok || !response.body) {
    throw new DatasetDownloadError(
      `Cannot download ${url}: the server answered ${response.status} ${response.statusText}.`,
    );
  }
  const total = Number(response.headers.get('content-length')) || undefined;
  let received = 0;
  const progress = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      options.onProgress?.(received, total);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream), progress, createWriteStream(file));
  } catch (error) {
    throw new DatasetDownloadError(
      `The download of ${url} broke off after ${received} bytes: ${networkReason(error)}.`,
    );
  }
}

/**
 * Folders whose sub-folders directly hold image files (at least two such sub-folders), most images first.
 * Hidden and archiver folders are skipped.
 */
export async function findClassFolders(root: string): Promise<ClassFolderCandidate[]> {
  const candidates: ClassFolderCandidate[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    const subdirs = (await fs.readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !SKIPPED_FOLDERS.has(e.name))
      .map((e) => e.name)
      .sort(compare);
    const classes: { name: string; files: number }[] = [];
    for (const name of subdirs) {
      const entries = await fs.readdir(path.join(dir, name), { withFileTypes: true });
      const files = entries.filter(
        (e) => e.isFile() && IMAGE_FILE_EXTENSIONS.has(path.extname(e.name).toLowerCase()),
      ).length;
      if (files > 0) classes.push({ name, files });
    }
    if (classes.length >= 2) candidates.push({ dir, classes });
    if (depth < MAX_SEARCH_DEPTH) for (const name of subdirs) await visit(path.join(dir, name), depth + 1);
  };
  await visit(root, 0);
  const size = (c: ClassFolderCandidate) => c.classes.reduce((sum, k) => sum + k.files, 0);
  return candidates.sort((a, b) => size(b) - size(a) || a.dir.length - b.dir.length);
}

function networkReason(error: unknown): string {
  type Cause = { code?: string; message?: string; errors?: { code?: string }[] };
  const { name, message, cause } = (error ?? {}) as { name?: string; message?: string; cause?: Cause };
  if (name === 'AbortError' || name === 'TimeoutError') return 'no answer from the server in time';
  const code = cause?.code ?? cause?.errors?.[0]?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `the host name cannot be resolved (${code}; offline?)`;
  if (code) return `the connection failed (${code})`;
  return cause?.message ?? message ?? String(error);
}
