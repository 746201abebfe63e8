/**
 * The built API as a child process, driven with autocannon: one case is one image POSTed to /detect by N
 * connections for some seconds, after a warm-up and with the server idle again before the timed part starts.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadResult {
  reqPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  failures: number;
  /** CPU time the server process spent per request sent (all its threads, until it was idle again). */
  cpuMsPerRequest?: number;
}

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined off Linux. */
function processCpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in 100 Hz ticks
  } catch {
    return undefined;
  }
}

/** Starts `entry` (the built main.js) on `port` and waits until /health/ready answers 200. */
export async function startServer(entry: string, cwd: string, port: number): Promise<ChildProcess> {
  const server = spawn(process.execPath, [entry], {
    cwd,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server exited with code ${server.exitCode}`);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return server;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  server.kill('SIGTERM');
  throw new Error('the server did not become ready within 60 s');
}

/**
 * Waits until the server has worked off what the last run left queued (autocannon closes its connections at the
 * end, the server still finishes their requests): less than 5% of a core for half a second, 60 s at most.
 */
async function serverIdle(pid: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  let quiet = 0;
  let last = processCpuMs(pid);
  while (last !== undefined && quiet < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = processCpuMs(pid);
    quiet = now !== undefined && now - last < 0.05 * 250 ? quiet + 1 : 0;
    last = now;
  }
}

function multipart(bytes: Buffer, filename: string): { body: Buffer; contentType: string } {
  const boundary = 'maskdbenchboundary7MA4YWxkTrZu0gW';
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: image/jpeg\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POSTs `image` to `url` from `connections` connections for `seconds` (after a 2 s warm-up and a quiet server). */
export async function drive(
  url: string,
  serverPid: number,
  image: Buffer,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const { body, contentType } = multipart(image, 'image.jpg');
  const options = {
    url,
    method: 'POST' as const,
    headers: { 'content-type': contentType },
    body,
    connections,
    // At c=32 a group photo waits seconds in the queue; count that latency instead of dropping it at 10 s.
    timeout: 30,
  };
  await autocannon({ ...options, duration: 2 }); // warm-up, not counted
  await serverIdle(serverPid);
  const cpuBefore = processCpuMs(serverPid);
  const result = await autocannon({ ...options, duration: seconds });
  // Requests still in flight at the end are finished by the server: their CPU counts, and so do they.
  await serverIdle(serverPid);
  const cpuAfter = processCpuMs(serverPid);
  return {
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
    cpuMsPerRequest:
      cpuBefore === undefined || cpuAfter === undefined || result.requests.sent === 0
        ? undefined
        : (cpuAfter - cpuBefore) / result.requests.sent,
  };
}
