import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/*
 * The one place that knows where the shared data and weights live (`../shared` next to the repository).
 * Nothing from there is ever copied into the repository.
 */

const REPO_PACKAGE_NAME = 'maskd';

function isRepoRoot(dir: string): boolean {
  const packageJson = join(dir, 'package.json');
  if (!existsSync(packageJson)) return false;
  try {
    return (JSON.parse(readFileSync(packageJson, 'utf8')) as { name?: unknown }).name === REPO_PACKAGE_NAME;
  } catch {
    return false;
  }
}

let cachedRepoRoot: string | undefined;

/**
 * The directory holding the root package.json (name "maskd"), searched upwards from this file so it works from
 * sources (tsx, jest) and from the compiled `dist/`; falls back to the working directory.
 */
export function repoRoot(): string {
  if (cachedRepoRoot !== undefined) return cachedRepoRoot;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (isRepoRoot(dir)) return (cachedRepoRoot = dir);
    if (dirname(dir) === dir) return (cachedRepoRoot = process.cwd());
  }
}

/** `MASKD_SHARED_DIR` if set, else `<repo root>/../shared`; always absolute. */
export function sharedDataDir(): string {
  const configured = process.env.MASKD_SHARED_DIR;
  return configured ? resolve(configured) : resolve(repoRoot(), '..', 'shared');
}

/** A path inside the shared data directory, e.g. `sharedDataPath('datasets', 'chandrikadeb7')`. */
export function sharedDataPath(...segments: string[]): string {
  return join(sharedDataDir(), ...segments);
}

/** What is missing for the shared data to be usable, or an empty list when it is all there. */
export function missingSharedData(): string[] {
  const dir = sharedDataDir();
  if (!existsSync(dir)) return [dir];
  return ['weights', 'datasets'].map((name) => join(dir, name)).filter((path) => !existsSync(path));
}

/** True when the shared directory exists with its `weights/` and `datasets/`. */
export function hasSharedData(): boolean {
  return missingSharedData().length === 0;
}
