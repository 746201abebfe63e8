import { spawn } from 'node:child_process';
import { chmodSync, cpSync, createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, posix } from 'node:path';
import { DockerStage, StageStep } from './dockerfile';

/*
 * Replays a Dockerfile stage on this machine, without a Docker engine: each stage gets its own directory
 * standing in for the image's `/`, COPY copies from the filtered build context or another stage's
 * directory, RUN runs through `sh -c` with only the stage's ENV (plus PATH and HOME) in the stage's
 * WORKDIR. HOME is this machine's, so a BuildKit cache mount under the build user's home (/root/.npm)
 * is this machine's npm cache, as a cache mount is shared between builds and never part of the image.
 * RUN lines that change the operating system (apt-get, useradd, ...) cannot run here and are reported
 * as skipped; ones that would act on this machine's npm cache are refused.
 */

/** Commands that act on the base image's operating system, not on the application. */
const OS_LEVEL_COMMANDS = ['apt-get', 'apt', 'apk', 'dpkg', 'useradd', 'groupadd', 'adduser', 'addgroup'];
/** HOME of the user the build runs as (root). */
const BUILD_HOME = '/root';

export interface ReplayedStage {
  stage: DockerStage;
  /** The directory standing in for the stage's `/`. */
  root: string;
  /** The stage's final working directory, inside the image. */
  workdir: string;
  /** The stage's final ENV. */
  env: Record<string, string>;
}

export interface ReplayEvent {
  stage: string;
  step: string;
  seconds: number;
  skipped?: string;
}

export interface ReplayContext {
  /** The filtered build context. */
  contextDir: string;
  /** Where the stage directories go. */
  workDir: string;
  /** Stages replayed so far, for COPY --from. */
  stages: Map<string, ReplayedStage>;
  /** Extra environment for RUN (e.g. npm's prefer-offline, which changes speed, not results). */
  runEnv: Record<string, string>;
  /** Receives the output of every RUN. */
  logFile: string;
  onEvent?: (event: ReplayEvent) => void;
}

export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}

/** This machine's PATH without the node_modules/.bin folders `npm run` prepends: the image has none of them. */
export function systemPath(): string {
  return (process.env.PATH ?? '/usr/bin:/bin')
    .split(':')
    .filter((dir) => !dir.includes('node_modules'))
    .join(':');
}

/** A path inside the image, mapped to the directory standing in for the image's root. */
export function hostPath(root: string, workdir: string, imagePath: string): string {
  return join(root, posix.resolve(workdir, imagePath));
}

function isOsLevel(command: string): boolean {
  const first = command.trim().split(/\s+/)[0];
  return OS_LEVEL_COMMANDS.includes(first);
}

async function runShell(
  command: string,
  cwd: string,
  env: Record<string, string>,
  logFile: string,
): Promise<void> {
  const log = createWriteStream(logFile, { flags: 'a' });
  log.write(`\n$ ${command}\n`);
  const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  await new Promise<void>((resolve) => log.end(resolve));
  if (code !== 0) throw new ReplayError(`RUN ${command} exited with ${code}; output in ${logFile}`);
}

function copy(
  step: Extract<StageStep, { kind: 'COPY' }>,
  root: string,
  workdir: string,
  context: ReplayContext,
): void {
  const destination = hostPath(root, workdir, step.destination);
  const intoDirectory = step.destination.endsWith('/') || step.sources.length > 1;
  for (const source of step.sources) {
    let sourcePath: string;
    if (step.from !== undefined) {
      const from = context.stages.get(step.from);
      if (!from) throw new ReplayError(`COPY --from=${step.from}: no such stage replayed before`);
      sourcePath = hostPath(from.root, '/', source);
    } else {
      if (isAbsolute(source) || source.split('/').includes('..')) {
        throw new ReplayError(`COPY source outside the build context: ${source}`);
      }
      sourcePath = join(context.contextDir, source);
    }
    if (!existsSync(sourcePath)) {
      throw new ReplayError(
        `COPY ${source}: not found${step.from === undefined ? ' in the build context (left out by .dockerignore?)' : ''}`,
      );
    }
    // A directory's contents go into the destination; a file goes into it when it names a directory.
    const target =
      statSync(sourcePath).isDirectory() || !intoDirectory
        ? destination
        : join(destination, basename(source));
    cpSync(sourcePath, target, { recursive: true, preserveTimestamps: true });
  }
}

/** Replays one stage; returns where it left its files. */
export async function replayStage(stage: DockerStage, context: ReplayContext): Promise<ReplayedStage> {
  const root = join(context.workDir, 'stages', stage.name);
  mkdirSync(root, { recursive: true });
  let workdir = '/';
  const env: Record<string, string> = {};
  for (const step of stage.steps) {
    const started = process.hrtime.bigint();
    let label: string = step.kind;
    let skipped: string | undefined;
    switch (step.kind) {
      case 'WORKDIR':
        workdir = posix.resolve(workdir, step.path);
        mkdirSync(hostPath(root, '/', workdir), { recursive: true });
        label = `WORKDIR ${workdir}`;
        break;
      case 'ENV':
        Object.assign(env, step.vars);
        break;
      case 'COPY':
        copy(step, root, workdir, context);
        label = `COPY ${step.from ? `--from=${step.from} ` : ''}${step.sources.join(' ')} ${step.destination}`;
        break;
      case 'RUN':
        label = `RUN ${step.command}`;
        if (isOsLevel(step.command)) {
          skipped = 'changes the base image operating system; cannot run outside Docker';
          break;
        }
        if (/\bnpm cache\b/.test(step.command)) {
          throw new ReplayError(
            `RUN ${step.command}: would act on this machine's npm cache; use a cache mount`,
          );
        }
        for (const target of step.cacheMounts) {
          if (!target.startsWith(`${BUILD_HOME}/`)) {
            throw new ReplayError(
              `cache mount ${target}: only mounts under ${BUILD_HOME} map to this machine`,
            );
          }
        }
        await runShell(
          step.command,
          hostPath(root, '/', workdir),
          {
            PATH: systemPath(),
            HOME: process.env.HOME ?? BUILD_HOME,
            ...context.runEnv,
            ...env,
          },
          context.logFile,
        );
        break;
      default:
        continue; // USER, EXPOSE, HEALTHCHECK, CMD describe the container, they build nothing
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    context.onEvent?.({ stage: stage.name, step: label, seconds, skipped });
  }
  // The image's files must be readable by its unprivileged user, as they are in a real image.
  chmodSync(root, 0o755);
  const replayed = { stage, root, workdir, env };
  context.stages.set(stage.name, replayed);
  return replayed;
}
