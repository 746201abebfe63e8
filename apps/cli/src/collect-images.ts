import { Dirent, Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { IMAGE_FILE_EXTENSIONS } from '@maskd/imaging';
import { fileErrorMessage } from './file-error';

/** A file to classify, or a path that cannot be read, with why (reported in its place as a failed entry). */
export interface InputFile {
  file: string;
  error?: string;
}

/**
 * The files to classify: each file argument as given, and every image file under each folder argument
 * (recursively, sorted, following symbolic links). A path that does not exist is kept as a file (it fails
 * when read); a folder that cannot be listed, or a linked image whose target is gone, is an entry with an
 * error. A link back to a folder being walked (a loop) is skipped.
 */
export async function collectImageFiles(paths: readonly string[]): Promise<InputFile[]> {
  const found: InputFile[] = [];
  for (const path of paths) {
    const stats = await stat(path).catch(() => undefined);
    if (stats?.isDirectory()) found.push(...(await imagesUnder(path, stats, new Set())));
    else found.push({ file: path });
  }
  return found;
}

/** `ancestors`: the folders (device:inode) on the way down to `dir`, to see links that loop. */
async function imagesUnder(dir: string, stats: Stats, ancestors: ReadonlySet<string>): Promise<InputFile[]> {
  const id = `${stats.dev}:${stats.ino}`;
  if (ancestors.has(id)) return [];
  const onPath = new Set(ancestors).add(id);
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    return [{ file: dir, error: `cannot read folder: ${fileErrorMessage(error)}` }];
  }
  const found: InputFile[] = [];
  // One entry at a time: a deep tree does not open every folder at once.
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    const isImage = IMAGE_FILE_EXTENSIONS.has(extname(entry.name).toLowerCase());
    if (entry.isFile()) {
      if (isImage) found.push({ file: path });
      continue;
    }
    if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
    let target: Stats;
    try {
      target = await stat(path);
    } catch (error) {
      const dangling = entry.isSymbolicLink() && (error as NodeJS.ErrnoException).code === 'ENOENT';
      const reason = dangling ? 'broken symbolic link' : fileErrorMessage(error);
      if (entry.isDirectory() || isImage) found.push({ file: path, error: reason });
      continue;
    }
    if (target.isDirectory()) found.push(...(await imagesUnder(path, target, onPath)));
    else if (target.isFile() && isImage) found.push({ file: path });
  }
  return found;
}
