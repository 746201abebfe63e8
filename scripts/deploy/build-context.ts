import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ignore from '@balena/dockerignore';

/*
 * What `docker build` would send as its context: the repository filtered by .dockerignore, with Docker's
 * own matching rules (@balena/dockerignore ports moby's implementation, including `!` exceptions under an
 * ignored parent).
 */

export const DOCKERIGNORE_PATH = '.dockerignore';

export interface BuildContextFilter {
  /** True when `docker build` would leave the path (relative, `/`-separated) out of the context. */
  excludes(relativePath: string): boolean;
}

function readRules(repoDir: string): string[] {
  const path = join(repoDir, DOCKERIGNORE_PATH);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export function buildContextFilter(repoDir: string): BuildContextFilter {
  const matcher = ignore().add(readRules(repoDir));
  return { excludes: (relativePath) => matcher.ignores(relativePath) };
}

/** The files `docker build` would send, relative to the repository, sorted. */
export function listBuildContext(repoDir: string): string[] {
  const rules = readRules(repoDir);
  const matcher = ignore().add(rules);
  const exceptions = rules
    .filter((rule) => rule.startsWith('!'))
    .map((rule) => rule.slice(1).replace(/^\/+/, ''));
  // Like Docker, skip an excluded directory unless an exception could re-include something below it.
  const mayReinclude = (dir: string) =>
    exceptions.some((rule) => rule.startsWith(`${dir}/`) || rule.startsWith('**'));
  const files: string[] = [];
  const walk = (relativeDir: string) => {
    for (const entry of readdirSync(join(repoDir, relativeDir), { withFileTypes: true })) {
      const relative = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      const excluded = matcher.ignores(relative);
      if (entry.isDirectory()) {
        if (!excluded || mayReinclude(relative)) walk(relative);
      } else if (!excluded) {
        files.push(relative);
      }
    }
  };
  walk('');
  return files.sort();
}

/** Copies the build context into `destination` (an empty directory); returns the files copied. */
export function copyBuildContext(repoDir: string, destination: string): string[] {
  const files = listBuildContext(repoDir);
  for (const file of files) {
    mkdirSync(dirname(join(destination, file)), { recursive: true });
    cpSync(join(repoDir, file), join(destination, file), { preserveTimestamps: true });
  }
  return files;
}
