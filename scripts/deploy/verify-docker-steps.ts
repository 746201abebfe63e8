/*
 * Replays docker/Dockerfile without a Docker engine and checks the result as an orchestrator would:
 *   1. copies the build context, filtered by .dockerignore, into a clean temporary directory;
 *   2. replays each stage (COPY, WORKDIR, ENV, RUN) in its own directory standing in for the image's `/`;
 *      so the runtime stage gets only what the Dockerfile copies into it;
 *   3. starts the final stage's ENTRYPOINT + CMD with its ENV, as its USER (when run as root), then checks
 *      /health, the Kubernetes probe paths of docker/k8s, the HEALTHCHECK command, a real /detect and
 *      /detect-batch, memory, and a graceful exit on SIGTERM with a request in flight;
 *   4. removes everything (unless --keep).
 * With --memory-load, it also drives the server with concurrent full batches of large images and prints the
 * peak resident memory: the figure the Kubernetes memory request and limit are sized from.
 * Usage: npm run verify:docker [-- --keep] [-- --memory-load]
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { copyBuildContext } from './build-context';
import { DockerStage, lastStep, readDockerfile } from './dockerfile';
import { hostPath, replayStage, ReplayContext, ReplayEvent, systemPath } from './image-replay';
import { apiContainer, probePaths, readManifests } from './k8s-manifests';
import {
  batchLoad,
  freePort,
  LoadResult,
  memoryMiB,
  runHealthcheck,
  sampleJpegs,
  ServerSpec,
  ShutdownResult,
  startServer,
  stopWhileBusy,
  uploadForm,
  waitUntilHealthy,
} from './server-check';

export interface VerifyOptions {
  repoDir: string;
  /** Keep the temporary directory (stages, logs) for inspection. */
  keep?: boolean;
  /** Also measure peak memory under concurrent full batches (adds MEMORY_LOAD.seconds). */
  memoryLoad?: boolean;
  log?: (line: string) => void;
}

export interface VerifyReport {
  events: ReplayEvent[];
  contextFiles: number;
  /** Entrypoint actually used: the image's, or none when it does not exist on this machine. */
  entrypoint: string[];
  ranAs: string;
  startupSeconds: number;
  probes: Record<string, number>;
  healthcheckExitCode: number | null;
  detect: { status: number; prediction?: string };
  batch: { status: number; count?: number };
  memoryMiB?: { rss: number; peak: number };
  load?: LoadResult;
  shutdown: ShutdownResult;
  workDir: string;
}

const STARTUP_TIMEOUT_MS = 120_000;
/** The memory load: concurrent batches of MAX_BATCH (default) 1280x1280 JPEGs. */
const MEMORY_LOAD = { seconds: 20, concurrency: 8, images: 32, size: 1280 };
/** The Deployment's terminationGracePeriodSeconds minus its preStop sleep, rounded down. */
const SHUTDOWN_TIMEOUT_MS = 30_000;

function parseUser(user: string | undefined): { uid?: number; gid?: number } {
  if (!user) return {};
  const [uid, gid] = user.split(':').map((part) => Number.parseInt(part, 10));
  if (!Number.isInteger(uid)) throw new Error(`USER ${user} is not numeric`);
  return { uid, gid: Number.isInteger(gid) ? gid : uid };
}

function serverSpec(
  runtime: { stage: DockerStage; root: string; workdir: string; env: Record<string, string> },
  port: number,
  workDir: string,
) {
  const entrypoint = lastStep(runtime.stage, 'ENTRYPOINT')?.argv ?? [];
  const cmd = lastStep(runtime.stage, 'CMD')?.argv;
  if (!cmd) throw new Error('the final stage has no CMD');
  // tini and the like come from the base image; use this machine's copy when there is one.
  const usableEntrypoint = entrypoint.length > 0 && existsSync(entrypoint[0]) ? entrypoint : [];
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? parseUser(lastStep(runtime.stage, 'USER')?.user) : {};
  // HOME of the image's user, root-owned here: as on a read-only root filesystem, the app cannot write it.
  const home = hostPath(runtime.root, '/', '/home/node');
  mkdirSync(home, { recursive: true });
  const spec: ServerSpec = {
    argv: [...usableEntrypoint, ...cmd],
    cwd: hostPath(runtime.root, '/', runtime.workdir),
    // The port is free one here instead of the image's (8000 may be taken); HOST keeps it on loopback.
    env: {
      PATH: systemPath(),
      HOME: home,
      ...runtime.env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    ...user,
    logFile: join(workDir, 'server.log'),
  };
  return {
    spec,
    entrypoint: usableEntrypoint,
    ranAs: user.uid !== undefined ? `uid ${user.uid}, gid ${user.gid}` : 'this user',
  };
}

export async function verifyDockerSteps(options: VerifyOptions): Promise<VerifyReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const repoDir = resolve(options.repoDir);
  const stages = readDockerfile(repoDir);
  const container = apiContainer(readManifests(repoDir));
  const workDir = mkdtempSync(join(tmpdir(), 'maskd-docker-verify-'));
  chmodSync(workDir, 0o755);
  const events: ReplayEvent[] = [];
  let server: ReturnType<typeof startServer> | undefined;
  try {
    const contextDir = join(workDir, 'context');
    const contextFiles = copyBuildContext(repoDir, contextDir).length;
    log(`build context: ${contextFiles} files after .dockerignore -> ${contextDir}`);
    const context: ReplayContext = {
      contextDir,
      workDir,
      stages: new Map(),
      // Same packages, from the npm cache when it has them: faster here, identical results.
      runEnv: { npm_config_prefer_offline: 'true' },
      logFile: join(workDir, 'build.log'),
      onEvent: (event) => {
        events.push(event);
        const what = event.skipped ? `SKIPPED (${event.skipped})` : `${event.seconds.toFixed(1)} s`;
        log(
          `[${event.stage}] ${event.step.length > 110 ? `${event.step.slice(0, 107)}...` : event.step}: ${what}`,
        );
      },
    };
    mkdirSync(join(workDir, 'stages'), { recursive: true, mode: 0o755 });
    let runtime;
    for (const stage of stages) runtime = await replayStage(stage, context);
    if (!runtime) throw new Error('the Dockerfile has no stage');

    const port = await freePort();
    const { spec, entrypoint, ranAs } = serverSpec(runtime, port, workDir);
    log(`start: ${spec.argv.join(' ')} (as ${ranAs}, PORT=${port}) in ${spec.cwd}`);
    server = startServer(spec, port);
    const startupSeconds = await waitUntilHealthy(server, '/health', STARTUP_TIMEOUT_MS);
    log(`/health 200 after ${startupSeconds.toFixed(1)} s`);

    const probes: Record<string, number> = {};
    for (const [probe, path] of Object.entries(probePaths(container))) {
      if (path) probes[`${probe} ${path}`] = (await fetch(server.baseUrl + path)).status;
    }
    log(`Kubernetes probe paths: ${JSON.stringify(probes)}`);
    const healthcheck = lastStep(runtime.stage, 'HEALTHCHECK');
    const healthcheckExitCode = healthcheck ? runHealthcheck(healthcheck.argv, spec) : null;
    log(`HEALTHCHECK command exit code: ${healthcheckExitCode}`);

    const [one, ...many] = await sampleJpegs(9);
    const detectResponse = await fetch(`${server.baseUrl}/detect`, {
      method: 'POST',
      body: uploadForm('file', [one]),
    });
    const detectBody = (await detectResponse.json()) as { prediction?: string };
    const detect = { status: detectResponse.status, prediction: detectBody.prediction };
    const batchResponse = await fetch(`${server.baseUrl}/detect-batch`, {
      method: 'POST',
      body: uploadForm('files', many),
    });
    const batch = {
      status: batchResponse.status,
      count: ((await batchResponse.json()) as { count?: number }).count,
    };
    log(
      `POST /detect: ${detect.status} ${detect.prediction}; POST /detect-batch (${many.length} files): ${batch.status}, count ${batch.count}`,
    );
    const memory = memoryMiB(server);
    if (memory) log(`memory: RSS ${memory.rss.toFixed(0)} MiB, peak ${memory.peak.toFixed(0)} MiB`);
    let load: LoadResult | undefined;
    if (options.memoryLoad) {
      const { seconds, concurrency, images, size } = MEMORY_LOAD;
      load = await batchLoad(server, await sampleJpegs(images, size), seconds, concurrency);
      log(
        `memory load (${concurrency} concurrent ${images}-image batches of ${size}x${size} JPEGs, ${seconds} s): ` +
          `${load.batches} batches, ${load.failures} failed, peak RSS ${load.peakRssMiB.toFixed(0)} MiB`,
      );
    }

    const shutdown = await stopWhileBusy(
      server,
      () => fetch(`${server!.baseUrl}/detect-batch`, { method: 'POST', body: uploadForm('files', many) }),
      SHUTDOWN_TIMEOUT_MS,
    );
    server = undefined;
    log(
      `SIGTERM: exited after ${shutdown.seconds.toFixed(2)} s (code ${shutdown.code}, signal ${shutdown.signal}); ` +
        `request ${shutdown.requestInFlight ? 'in flight' : 'already answered'} at SIGTERM -> ${shutdown.inFlightStatus}`,
    );
    return {
      events,
      contextFiles,
      entrypoint,
      ranAs,
      startupSeconds,
      probes,
      healthcheckExitCode,
      detect,
      batch,
      memoryMiB: memory,
      load,
      shutdown,
      workDir,
    };
  } finally {
    server?.child.kill('SIGKILL');
    await server?.exited;
    if (options.keep) log(`kept ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
}

/** What the report shows to be wrong, one line each; empty when the image would work. */
export function reportProblems(report: VerifyReport): string[] {
  const problems: string[] = [];
  for (const [probe, status] of Object.entries(report.probes)) {
    if (status !== 200) problems.push(`Kubernetes ${probe} answered ${status}`);
  }
  if (report.healthcheckExitCode !== 0)
    problems.push(`HEALTHCHECK exited with ${report.healthcheckExitCode}`);
  if (report.detect.status !== 200) problems.push(`POST /detect answered ${report.detect.status}`);
  if (report.batch.status !== 200) problems.push(`POST /detect-batch answered ${report.batch.status}`);
  if (report.load && report.load.failures > 0)
    problems.push(`${report.load.failures} batches failed under load`);
  if (report.shutdown.requestInFlight && report.shutdown.inFlightStatus !== 200) {
    problems.push(`the request in flight at SIGTERM got ${report.shutdown.inFlightStatus || 'no answer'}`);
  }
  return problems;
}

if (require.main === module) {
  verifyDockerSteps({
    repoDir: resolve(__dirname, '..', '..'),
    keep: process.argv.includes('--keep'),
    memoryLoad: process.argv.includes('--memory-load'),
  }).then(
    (report) => {
      const problems = reportProblems(report);
      if (problems.length === 0) return console.log('verify-docker-steps: OK');
      console.error(`verify-docker-steps: FAILED:\n  ${problems.join('\n  ')}`);
      process.exit(1);
    },
    (error: unknown) => {
      console.error(`verify-docker-steps: FAILED: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
