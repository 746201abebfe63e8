import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';

/*
 * Starts the replayed image's command as the container would, and checks what an orchestrator relies on:
 * the health endpoints, the image's HEALTHCHECK command, a real inference, memory, and a graceful stop
 * on SIGTERM while a request is in flight.
 */

export interface ServerSpec {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /** Numeric user and group to run as (only when this process may switch to them). */
  uid?: number;
  gid?: number;
  logFile: string;
}

export interface RunningServer {
  child: ChildProcess;
  baseUrl: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

export function startServer(spec: ServerSpec, port: number): RunningServer {
  const log = createWriteStream(spec.logFile, { flags: 'a' });
  const child = spawn(spec.argv[0], spec.argv.slice(1), {
    cwd: spec.cwd,
    env: spec.env,
    uid: spec.uid,
    gid: spec.gid,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, baseUrl: `http://127.0.0.1:${port}`, exited };
}

/** Polls `path` until it answers 200; fails early if the process exits. Returns the seconds it took. */
export async function waitUntilHealthy(
  server: RunningServer,
  path: string,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void server.exited.then((result) => (exit = result));
  while (Date.now() - started < timeoutMs) {
    if (exit)
      throw new Error(`the server exited (code ${exit.code}, signal ${exit.signal}) before ${path} was 200`);
    try {
      const response = await fetch(server.baseUrl + path, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return (Date.now() - started) / 1000;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${path} was not 200 within ${timeoutMs / 1000} s`);
}

/** Runs the image's HEALTHCHECK command with the container's environment; returns its exit code. */
export function runHealthcheck(argv: string[], spec: ServerSpec): number | null {
  const result = spawnSync(argv[0], argv.slice(1), {
    cwd: spec.cwd,
    env: spec.env,
    uid: spec.uid,
    gid: spec.gid,
    timeout: 10_000,
  });
  return result.status;
}

/** Distinct small JPEGs (a synthetic gradient each): the checks need real decodes and inferences. */
export async function sampleJpegs(count: number, size = 640): Promise<Buffer[]> {
  return Promise.all(
    Array.from({ length: count }, (_, index) => {
      const pixels = Buffer.alloc(size * size * 3);
      for (let i = 0; i < pixels.length; i += 3) {
        const x = (i / 3) % size;
        const y = Math.floor(i / 3 / size);
        pixels[i] = (x + index * 17) & 255;
        pixels[i + 1] = (y * 2) & 255;
        pixels[i + 2] = (x ^ y) & 255;
      }
      return sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer();
    }),
  );
}

export function uploadForm(field: string, images: Buffer[]): FormData {
  const form = new FormData();
  images.forEach((image, index) =>
    form.append(field, new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), `sample-${index}.jpg`),
  );
  return form;
}

/** Resident and peak memory of the node process (under tini, of tini's child), in MiB, from /proc. */
export function memoryMiB(server: RunningServer): { rss: number; peak: number } | undefined {
  const pid = server.child.pid;
  if (pid === undefined || !existsSync(`/proc/${pid}/status`)) return undefined;
  const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  const nodePid =
    comm === 'node'
      ? pid
      : Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]);
  const status = readFileSync(`/proc/${nodePid}/status`, 'utf8');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

export interface LoadResult {
  batches: number;
  failures: number;
  /** Highest resident memory sampled (every 200 ms) during the load, in MiB. */
  peakRssMiB: number;
}

/** Sends `concurrency` back-to-back /detect-batch requests of `images` for `seconds`, sampling memory. */
export async function batchLoad(
  server: RunningServer,
  images: Buffer[],
  seconds: number,
  concurrency: number,
): Promise<LoadResult> {
  const result: LoadResult = { batches: 0, failures: 0, peakRssMiB: 0 };
  const sample = () => (result.peakRssMiB = Math.max(result.peakRssMiB, memoryMiB(server)?.rss ?? 0));
  const sampler = setInterval(sample, 200);
  const end = Date.now() + seconds * 1000;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          const response = await fetch(`${server.baseUrl}/detect-batch`, {
            method: 'POST',
            body: uploadForm('files', images),
          });
          await response.arrayBuffer();
          if (response.status === 200) result.batches++;
          else result.failures++;
        }
      }),
    );
  } finally {
    clearInterval(sampler);
  }
  sample();
  return result;
}

export interface ShutdownResult {
  seconds: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether the request sent just before SIGTERM was still running when the signal arrived. */
  requestInFlight: boolean;
  /** The status of that request (0 when the connection failed). */
  inFlightStatus: number;
}

/**
 * Sends a request, then SIGTERM while it runs, and waits for the process to exit. A graceful server
 * answers the request and exits on its own well before `timeoutMs`.
 */
export async function stopWhileBusy(
  server: RunningServer,
  request: () => Promise<Response>,
  timeoutMs: number,
): Promise<ShutdownResult> {
  let answered = false;
  const response = request().then(
    (r) => {
      answered = true;
      return r.status;
    },
    () => {
      answered = true;
      return 0;
    },
  );
  await sleep(30);
  const requestInFlight = !answered;
  const started = Date.now();
  server.child.kill('SIGTERM');
  const timeout = sleep(timeoutMs, undefined, { ref: false }).then(() => undefined);
  const exit = await Promise.race([server.exited, timeout]);
  if (!exit) {
    server.child.kill('SIGKILL');
    throw new Error(`the server did not exit within ${timeoutMs / 1000} s of SIGTERM`);
  }
  return { seconds: (Date.now() - started) / 1000, ...exit, requestInFlight, inFlightStatus: await response };
}
