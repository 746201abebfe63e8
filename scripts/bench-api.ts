/**
 * npm run bench:api [-- --duration 20 --bare-seconds 10]
 *
 * Starts the built API (building it first when the sources are newer) on the shipped models, drives
 * POST /detect with autocannon at concurrency 1 and 32: a real face crop and a 1280x720 photo classified
 * whole (`mode=whole`), and a 1280x720 group photo with several faces in the default `auto` mode (face
 * detection, then every face classified). Then it stops the server and runs the same preprocessed whole-image
 * inputs through a bare in-process onnxruntime session (batch 1, sequential, the server's thread settings).
 * The last line is `server_vs_bare_ratio=<server req/s, face crop at concurrency 32> / <bare face-crop images/s>`.
 * Numbers depend on what else the machine is running.
 */
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Command } from 'commander';
import sharp from 'sharp';
import { hasSharedData, preprocessImage, repoRoot, sharedDataPath } from '@maskd/imaging';
import { fromRaw, noiseRgb } from '@maskd/imaging/testing';
import { modelInputOptions, OnnxMaskClassifier, verifyModel } from '@maskd/inference';

const ROOT = repoRoot();
const SERVER_ENTRY = join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js');
const MODEL = join(ROOT, 'models', 'mask_detector.onnx');

interface CaseResult {
  name: string;
  connections: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  failures: number;
  /** CPU time the server process spent per request (all its threads); less sensitive to other load. */
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

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function buildIfNeeded(): void {
  const sources = Math.max(
    ...['apps/api/src', 'libs/imaging/src', 'libs/inference/src'].map((dir) => newestMtime(join(ROOT, dir))),
  );
  if (existsSync(SERVER_ENTRY) && statSync(SERVER_ENTRY).mtimeMs >= sources) return;
  console.log('Building the API (npm run build)...');
  execSync('npm run build', { cwd: ROOT, stdio: 'inherit' });
}

/** A scene photo of the shared set with seven faces of 32-90 px (as `npm run bench:faces` uses it). */
const GROUP_PHOTO = 'maksssksksss698.jpg';

/**
 * The test images: a real face crop, a real photo scaled to 1280x720, and the group photo enlarged into a
 * 1280x720 frame (faces of ~60-150 px); or generated stand-ins (without faces) when the shared data is absent.
 */
async function benchImages(): Promise<{ face: Buffer; photo: Buffer; group: Buffer; source: string }> {
  if (hasSharedData()) {
    const faces = sharedDataPath('datasets', 'chandrikadeb7', 'without_mask');
    const scenes = sharedDataPath('datasets', 'andrewmvd_scenes_dev', 'images');
    const faceFile = readdirSync(faces)
      .filter((name) => name.endsWith('.jpg'))
      .sort()[0];
    const sceneFile = readdirSync(scenes).sort()[0];
    const photo = await sharp(join(scenes, sceneFile))
      .resize(1280, 720, { fit: 'cover' })
      .jpeg({ quality: 90 })
      .toBuffer();
    const group = await sharp(join(scenes, GROUP_PHOTO))
      .resize(1280, 720, { fit: 'contain', background: { r: 128, g: 128, b: 128 } })
      .jpeg({ quality: 90 })
      .toBuffer();
    return {
      face: readFileSync(join(faces, faceFile)),
      photo,
      group,
      source: `${faceFile}, ${sceneFile} (scaled) and ${GROUP_PHOTO} (in a 1280x720 frame)`,
    };
  }
  const noise = (width: number, height: number) =>
    fromRaw(noiseRgb(width, height)).jpeg({ quality: 90 }).toBuffer();
  return {
    face: await noise(180, 270),
    photo: await noise(1280, 720),
    group: await noise(1280, 720),
    source: 'generated, without faces (shared data absent)',
  };
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

function formWith(image: Buffer): FormData {
  const form = new FormData();
  form.append('file', new Blob([image], { type: 'image/jpeg' }), 'group.jpg');
  return form;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function startServer(port: number): Promise<ChildProcess> {
  const server = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: ROOT,
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

async function drive(
  url: string,
  serverPid: number,
  name: string,
  image: Buffer,
  connections: number,
  seconds: number,
): Promise<CaseResult> {
  const { body, contentType } = multipart(image, `${name}.jpg`);
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
  const cpuBefore = processCpuMs(serverPid);
  const result = await autocannon({ ...options, duration: seconds });
  const cpuAfter = processCpuMs(serverPid);
  return {
    cpuMsPerRequest:
      cpuBefore === undefined || cpuAfter === undefined || result.requests.total === 0
        ? undefined
        : (cpuAfter - cpuBefore) / result.requests.total,
    name,
    connections,
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failures: result.errors + result.timeouts + result.non2xx,
  };
}

/** Batch-1 sequential inference in this process, with the server's default session settings. */
async function bare(
  input: Float32Array,
  seconds: number,
): Promise<{ imagesPerSec: number; p50: number; p99: number; cpuMsPerImage: number }> {
  const threads = {
    intraOpThreads: Number(process.env.ORT_INTRA_OP_THREADS ?? 1),
    interOpThreads: Number(process.env.ORT_INTER_OP_THREADS ?? 1),
  };
  const classifier = await OnnxMaskClassifier.load(MODEL, threads);
  for (let i = 0; i < 20; i++) await classifier.predict([input]);
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const t = performance.now();
    await classifier.predict([input]);
    latencies.push(performance.now() - t);
  }
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await classifier.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    imagesPerSec: latencies.length / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    cpuMsPerImage: (cpu.user + cpu.system) / 1000 / latencies.length,
  };
}

async function main(): Promise<void> {
  const options = new Command('bench:api')
    .option('--duration <seconds>', 'seconds per autocannon case', Number, 20)
    .option('--bare-seconds <seconds>', 'seconds of bare inference', Number, 10)
    .parse()
    .opts<{ duration: number; bareSeconds: number }>();
  buildIfNeeded();
  const { face, photo, group, source } = await benchImages();
  console.log(
    `Images: ${source}; face crop ${face.length} bytes, photo 1280x720 ${photo.length} bytes, ` +
      `group 1280x720 ${group.length} bytes`,
  );

  const port = await freePort();
  const server = await startServer(port);
  const url = `http://127.0.0.1:${port}/detect`;
  const results: CaseResult[] = [];
  try {
    const found = (await fetch(url, { method: 'POST', body: formWith(group) }).then((r) => r.json())) as {
      faces?: unknown[];
      message?: string;
    };
    console.log(`group 1280x720 (auto): ${found.faces?.length ?? '?'} faces found; ${found.message}`);
    for (const [name, image, mode] of [
      ['face crop', face, 'whole'],
      ['photo 1280x720', photo, 'whole'],
      ['group 1280x720', group, 'auto'],
    ] as const) {
      for (const connections of [1, 32]) {
        const result = await drive(
          `${url}?mode=${mode}`,
          server.pid!,
          name,
          image,
          connections,
          options.duration,
        );
        results.push(result);
        console.log(
          `server  ${`${name} (${mode})`.padEnd(22)} c=${String(connections).padStart(2)}  ${result.reqPerSec.toFixed(1).padStart(7)} req/s` +
            `  p50 ${result.p50.toFixed(1)} ms  p99 ${result.p99.toFixed(1)} ms  failures ${result.failures}` +
            `  server CPU ${result.cpuMsPerRequest?.toFixed(1) ?? '?'} ms/request`,
        );
      }
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }

  const { card } = await verifyModel(MODEL);
  const inputOptions = modelInputOptions(card);
  const faceInput = (await preprocessImage(face, inputOptions)).input;
  const photoInput = (await preprocessImage(photo, inputOptions)).input;
  const bareFace = await bare(faceInput, options.bareSeconds);
  const barePhoto = await bare(photoInput, options.bareSeconds / 2);
  console.log(
    `bare    face crop       batch 1, sequential, inference only: ${bareFace.imagesPerSec.toFixed(1)} images/s` +
      `  p50 ${bareFace.p50.toFixed(2)} ms  p99 ${bareFace.p99.toFixed(2)} ms  CPU ${bareFace.cpuMsPerImage.toFixed(1)} ms/image`,
  );
  console.log(
    `bare    photo 1280x720  batch 1, sequential, inference only: ${barePhoto.imagesPerSec.toFixed(1)} images/s` +
      `  p50 ${barePhoto.p50.toFixed(2)} ms  p99 ${barePhoto.p99.toFixed(2)} ms  CPU ${barePhoto.cpuMsPerImage.toFixed(1)} ms/image`,
  );
  const server32 = results.find((result) => result.name === 'face crop' && result.connections === 32)!;
  console.log(
    `ratio = server face-crop req/s at c=32 (${server32.reqPerSec.toFixed(1)}) / bare face-crop images/s (${bareFace.imagesPerSec.toFixed(1)})`,
  );
  console.log(`server_vs_bare_ratio=${(server32.reqPerSec / bareFace.imagesPerSec).toFixed(3)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
