// Safe extraction of downloaded dataset archives (zip, tar, tar.gz): no path escapes the target folder,
// no links are created, and the unpacked size is capped against archive bombs.
import { createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import * as yauzl from 'yauzl';

export type ArchiveKind = 'zip' | 'tar.gz' | 'tar';

/** 20 GB: several times the largest public face-mask sets, far below what a bomb would expand to. */
export const DEFAULT_MAX_EXTRACTED_BYTES = 20 * 1024 ** 3;

export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}

/** The archive kind from its first bytes (file names and Content-Type headers are often wrong). */
export async function sniffArchive(file: string): Promise<ArchiveKind | undefined> {
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(262);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (bytesRead >= 4 && head.readUInt32BE(0) === 0x504b0304) return 'zip';
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
    if (bytesRead >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
    return undefined;
  } finally {
    await handle.close();
  }
}

export async function extractArchive(
  file: string,
  targetDir: string,
  maxBytes: number = DEFAULT_MAX_EXTRACTED_BYTES,
): Promise<ArchiveKind> {
  const kind = await sniffArchive(file);
  if (!kind) throw new ArchiveError(`${path.basename(file)} is not a zip, tar or tar.gz archive.`);
  await fs.mkdir(targetDir, { recursive: true });
  if (kind === 'zip') await extractZip(file, targetDir, maxBytes);
  else await extractTar(file, targetDir, maxBytes);
  return kind;
}

async function extractZip(file: string, targetDir: string, maxBytes: number): Promise<void> {
  // yauzl rejects absolute paths and `..` in entry names, and checks entry sizes against the headers.
  const zip = await yauzl.openPromise(file, { validateEntrySizes: true }).catch((cause: Error) => {
    throw new ArchiveError(`Cannot read the zip archive: ${cause.message}`);
  });
  let total = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      const destination = insideTarget(targetDir, entry.fileName);
      if (entry.fileName.endsWith('/')) {
        await fs.mkdir(destination, { recursive: true });
        continue;
      }
      if (isSymlink(entry)) continue;
      total += entry.uncompressedSize;
      if (total > maxBytes) throw new ArchiveError(`The archive unpacks to more than ${maxBytes} bytes.`);
      await fs.mkdir(path.dirname(destination), { recursive: true });
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(destination));
    }
  } catch (error) {
    if (error instanceof ArchiveError) throw error;
    throw new ArchiveError(`Cannot extract the zip archive: ${(error as Error).message}`);
  } finally {
    zip.close();
  }
}

async function extractTar(file: string, targetDir: string, maxBytes: number): Promise<void> {
  let total = 0;
  let refusal: string | undefined;
  try {
    // strict: damaged data and entries tar refuses (absolute or `..` paths) raise errors instead of warnings.
    await tar.x({
      file,
      cwd: targetDir,
      strict: true,
      // Plain files and folders only: links could point outside the target.
      filter: (entryPath, entry) => {
        const type = 'type' in entry ? entry.type : undefined;
        if (type !== 'File' && type !== 'OldFile' && type !== 'Directory') return false;
        total += 'size' in entry ? Number(entry.size) : 0;
        if (total > maxBytes) refusal ??= `The archive unpacks to more than ${maxBytes} bytes.`;
        if (!isInside(targetDir, entryPath))
          refusal ??= `The archive entry '${entryPath}' points outside the folder.`;
        return refusal === undefined;
      },
    });
  } catch (error) {
    throw new ArchiveError(`Cannot extract the tar archive: ${(error as Error).message}`);
  }
  if (refusal) throw new ArchiveError(refusal);
}

function isInside(targetDir: string, entryName: string): boolean {
  const root = path.resolve(targetDir);
  const destination = path.resolve(root, entryName);
  return destination === root || destination.startsWith(root + path.sep);
}

/** Resolves an entry name inside the target folder, refusing any that would land outside it. */
function insideTarget(targetDir: string, entryName: string): string {
  if (!isInside(targetDir, entryName)) {
    throw new ArchiveError(`The archive entry '${entryName}' points outside the extraction folder.`);
  }
  return path.resolve(targetDir, entryName);
}

function isSymlink(entry: yauzl.Entry): boolean {
  const unixMode = (entry.externalFileAttributes >>> 16) & 0o170000;
  return unixMode === 0o120000;
}
