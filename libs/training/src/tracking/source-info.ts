// Where a run came from: the tags MLflow's Python client sets on every run, plus maskd's own.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const RUN_TAGS = {
  runName: 'mlflow.runName',
  user: 'mlflow.user',
  sourceName: 'mlflow.source.name',
  sourceType: 'mlflow.source.type',
  gitCommit: 'mlflow.source.git.commit',
  gitBranch: 'mlflow.source.git.branch',
  gitDirty: 'maskd.source.git.dirty',
  maskdVersion: 'maskd.version',
  datasetManifestSha256: 'maskd.dataset.manifest_sha256',
} as const;

export interface GitInfo {
  commit?: string;
  branch?: string;
  /** True when tracked files differ from the commit, so the commit alone does not reproduce the run. */
  dirty?: boolean;
}

/** The same user name MLflow records (`getpass.getuser()`: LOGNAME, USER, LNAME, USERNAME, then the OS). */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.LOGNAME || env.USER || env.LNAME || env.USERNAME;
  if (fromEnv) return fromEnv;
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

export function gitInfo(cwd: string = process.cwd()): GitInfo {
  const git = (...args: string[]): string | undefined => {
    try {
      return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  const commit = git('rev-parse', 'HEAD');
  if (!commit) return {};
  const branch = git('rev-parse', '--abbrev-ref', 'HEAD');
  const status = git('status', '--porcelain', '--untracked-files=no');
  return {
    commit,
    branch: branch && branch !== 'HEAD' ? branch : undefined,
    dirty: status === undefined ? undefined : status.length > 0,
  };
}

/** The git source a run's tags record (`standardRunTags`), read back. */
export function gitInfoFromTags(tags: Readonly<Record<string, string | undefined>>): GitInfo {
  const dirty = tags[RUN_TAGS.gitDirty];
  return {
    commit: tags[RUN_TAGS.gitCommit],
    branch: tags[RUN_TAGS.gitBranch],
    dirty: dirty === undefined ? undefined : dirty === 'true',
  };
}

let cachedVersion: string | undefined;

/** The version in the maskd root package.json. */
export function maskdVersion(): string {
  if (cachedVersion) return cachedVersion;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'maskd' && pkg.version) return (cachedVersion = pkg.version);
    } catch {
      // not the root yet
    }
    if (path.dirname(dir) === dir) return (cachedVersion = 'unknown');
  }
}

export interface StandardTagOptions {
  cwd?: string;
  /** Defaults to the running script, relative to `cwd`. */
  sourceName?: string;
  env?: NodeJS.ProcessEnv;
}

/** The tags that tell where a run came from: user, script, git commit/branch/dirty and maskd version. */
export function standardRunTags(options: StandardTagOptions = {}): Record<string, string> {
  const cwd = options.cwd ?? process.cwd();
  const script = process.argv[1] ? path.relative(cwd, process.argv[1]) : 'unknown';
  const git = gitInfo(cwd);
  const tags: Record<string, string> = {
    [RUN_TAGS.user]: currentUser(options.env),
    [RUN_TAGS.sourceName]: options.sourceName ?? script,
    [RUN_TAGS.sourceType]: 'LOCAL',
    [RUN_TAGS.maskdVersion]: maskdVersion(),
  };
  if (git.commit) tags[RUN_TAGS.gitCommit] = git.commit;
  if (git.branch) tags[RUN_TAGS.gitBranch] = git.branch;
  if (git.dirty !== undefined) tags[RUN_TAGS.gitDirty] = String(git.dirty);
  return tags;
}

/** Links a run to the prepared dataset it used (`manifestSha256` from `loadPreparedDataset`). */
export function datasetTags(manifestSha256: string): Record<string, string> {
  return { [RUN_TAGS.datasetManifestSha256]: manifestSha256 };
}
