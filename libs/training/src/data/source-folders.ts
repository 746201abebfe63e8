import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { compare } from './split';

export interface SourceFile {
  /** Relative to the source directory, with `/` separators (the manifest's `path`). */
  relativePath: string;
  absolutePath: string;
  className: string;
}

export interface SourceScan {
  classNames: string[];
  /** Sorted by relative path. */
  files: SourceFile[];
  /** Dot-files and dot-folders (`.DS_Store`, `.git`) are operating-system or tool metadata, not samples. */
  hiddenEntriesIgnored: number;
}

/**
 * Finds the class folders (sorted sub-folder names, as Keras' directory iterator orders them, or the given
 * `classes`) and every file below each, in nested folders too. Files at the top level (README, LICENSE) are not samples.
 */
export async function scanSourceFolders(sourceDir: string, classes?: readonly string[]): Promise<SourceScan> {
  const root = path.resolve(sourceDir);
  const stat = await fs.stat(root).catch(() => undefined);
  if (!stat?.isDirectory()) throw new Error(`Source directory ${root} does not exist or is not a directory.`);
  const folders: string[] = [];
  for (const entry of await fs.readdir(root)) {
    if (entry.startsWith('.')) continue;
    if ((await fs.stat(path.join(root, entry)).catch(() => undefined))?.isDirectory()) folders.push(entry);
  }
  folders.sort(compare);
  const classNames = classes ? [...classes].sort(compare) : folders;
  const missing = classNames.filter((name) => !folders.includes(name));
  if (missing.length > 0) {
    throw new Error(
      `Class folder(s) ${missing.join(', ')} not found in ${root} (it has: ${folders.join(', ') || 'none'}).`,
    );
  }
  if (classNames.length < 2) {
    throw new Error(
      `Expected one folder per class (at least two, e.g. with_mask/ and without_mask/) in ${root}; found ${folders.join(', ') || 'none'}.`,
    );
  }
  const files: SourceFile[] = [];
  let hiddenEntriesIgnored = 0;
  const walk = async (dir: string, className: string): Promise<void> => {
    for (const name of (await fs.readdir(dir)).sort(compare)) {
      if (name.startsWith('.')) {
        hiddenEntriesIgnored++;
        continue;
      }
      const absolutePath = path.join(dir, name);
      const entryStat = await fs.stat(absolutePath).catch(() => undefined);
      if (entryStat?.isDirectory()) await walk(absolutePath, className);
      else
        files.push({
          relativePath: path.relative(root, absolutePath).split(path.sep).join('/'),
          absolutePath,
          className,
        });
    }
  };
  for (const className of classNames) await walk(path.join(root, className), className);
  files.sort((a, b) => compare(a.relativePath, b.relativePath));
  return { classNames, files, hiddenEntriesIgnored };
}
