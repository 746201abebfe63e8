/**
 * npm run bench:api [-- --duration 20 --bare-seconds 10]
 *
 * Starts the built API (building it first when the sources are newer) on the shipped models, in its default
 * configuration unless the environment says otherwise, and drives POST /detect with autocannon at concurrency 1
 * and 32: a real face crop and a 1280x720 photo classified whole (`mode=whole`), and a 1280x720 group photo with
 * several faces in the default `auto` mode (face detection, then every face classified). Each case: 2 s warm-up,
 * then the timed run on an idle server. Then it stops the server and runs the same preprocessed whole-image inputs
 * through bare in-process onnxruntime sessions with the serving session options:
 * - the reference (`bare images/s`): batch 1, sequential, one session with the server's onnxruntime thread budget
 *   (workers x intra-op threads, or the solo session's threads if more, at most one per CPU);
 * - for context: the server's own layout (one session per worker, all running at once) and batched runs.
 * The last line is `server_vs_bare_ratio=<server face-crop req/s at concurrency 32> / <bare images/s>`.
 * Numbers depend on what else the machine runs: the load average is printed first.
 */
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { hasSharedData, preprocessImage, repoRoot, sharedDataPath } from '@maskd/imaging';
import { fromRaw, noiseRgb } from '@maskd/imaging/testing';
import { modelInputOptions, verifyModel } from '@maskd/inference';
import { validateEnvironment } from '../apps/api/src/common/config/environment';
import { bareParallel, BareResult, bareSequential } from './api-bench/bare-sessions';
import { drive, LoadResult, startServer } from './api-bench/server-load';
import { freePort } from './deploy/server-check';

const ROOT = repoRoot();
const SERVER_ENTRY = join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js');

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

function serverLine(name: string, connections: number, result: LoadResult): string {
  return (
    `| ${name} | ${connections} | ${result.reqPerSec.toFixed(1)} | ${result.p50} | ${result.p90} | ` +
    `${result.p99} | ${result.failures} | ${result.cpuMsPerRequest?.toFixed(1) ?? '?'} |`
  );
}

function bareLine(name: string, result: BareResult): string {
  return (
    `| ${name} | ${result.imagesPerSec.toFixed(1)} | ${result.p50.toFixed(2)} | ${result.p99.toFixed(2)} | ` +
    `${result.cpuMsPerImage.toFixed(1)} |`
  );
}

async function main(): Promise<void> {
  const options = new Command('bench:api')
    .option('--duration <seconds>', 'seconds per autocannon case', Number, 20)
    .option('--bare-seconds <seconds>', 'seconds per bare inference measurement', Number, 10)
    .parse()
    .opts<{ duration: number; bareSeconds: number }>();
  buildIfNeeded();
  // The server's own configuration (its defaults, or what the environment sets), so the bare runs match it.
  const environment = validateEnvironment(process.env);
  const config = environment.inference;
  const modelPath = environment.models.maskModelPath;
  const cpus = availableParallelism();
  const [load1, load5] = loadavg();
  console.log(
    `Machine: ${cpus} CPUs, load average ${load1.toFixed(2)} (1 min), ${load5.toFixed(2)} (5 min)` +
      (load1 > 0.5 ? ' -- busy: expect noisy numbers' : ''),
  );
  const solo =
    config.soloIntraOpThreads > (config.intraOpThreads || Infinity) ? config.soloIntraOpThreads : 0;
  console.log(
    `Server inference: ${config.workers} worker(s) x ${config.intraOpThreads || 'auto'} intra-op thread(s)` +
      `${solo ? `, solo session ${solo} threads` : ''}, runs of at most ${config.maxImagesPerRun} images, ` +
      `batch window ${config.batchWindowMs} ms`,
  );
  const { face, photo, group, source } = await benchImages();
  console.log(
    `Images: ${source}; face crop ${face.length} bytes, photo 1280x720 ${photo.length} bytes, ` +
      `group 1280x720 ${group.length} bytes`,
  );

  const port = await freePort();
  const server = await startServer(SERVER_ENTRY, ROOT, port);
  const url = `http://127.0.0.1:${port}/detect`;
  const results: Array<{ name: string; connections: number; result: LoadResult }> = [];
  try {
    const form = new FormData();
    form.append('file', new Blob([group], { type: 'image/jpeg' }), 'group.jpg');
    const found = (await fetch(url, { method: 'POST', body: form }).then((r) => r.json())) as {
      faces?: unknown[];
      message?: string;
    };
    console.log(`group 1280x720 (auto): ${found.faces?.length ?? '?'} faces found; ${found.message}`);
    console.log('');
    console.log(
      '| server, POST /detect | connections | req/s | p50 ms | p90 ms | p99 ms | failures | server CPU ms/request |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    // Latency at concurrency 1 first, on a server no load has run on yet: after the c=32 runs V8 sometimes keeps
    // doing full collections for a while, which added ~20 CPU ms and ~13 ms p50 to the group case in half the runs.
    for (const connections of [1, 32]) {
      for (const [name, image, mode] of [
        ['face crop (whole)', face, 'whole'],
        ['photo 1280x720 (whole)', photo, 'whole'],
        ['group 1280x720 (auto)', group, 'auto'],
      ] as const) {
        const result = await drive(`${url}?mode=${mode}`, server.pid!, image, connections, options.duration);
        results.push({ name, connections, result });
        console.log(serverLine(name, connections, result));
      }
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }

  const { card } = await verifyModel(modelPath);
  const inputOptions = modelInputOptions(card);
  const faceInput = (await preprocessImage(face, inputOptions)).input;
  const photoInput = (await preprocessImage(photo, inputOptions)).input;
  const budget = Math.min(cpus, Math.max(config.workers * (config.intraOpThreads || cpus), solo));
  const seconds = options.bareSeconds;
  const reference = await bareSequential(modelPath, faceInput, { threads: budget, batch: 1, seconds });
  const rows: Array<[string, BareResult]> = [
    [`face crop: batch 1, sequential, 1 session x ${budget} threads (reference)`, reference],
    [
      `photo 1280x720: batch 1, sequential, 1 session x ${budget} threads`,
      await bareSequential(modelPath, photoInput, { threads: budget, batch: 1, seconds: seconds / 2 }),
    ],
    [
      `face crop: batch 1, ${config.workers} sessions x ${config.intraOpThreads || 'auto'} threads at once (server layout)`,
      await bareParallel(modelPath, faceInput, {
        workers: config.workers,
        threads: config.intraOpThreads,
        seconds: seconds / 2,
      }),
    ],
  ];
  for (const batch of new Set([config.maxImagesPerRun, 32])) {
    rows.push([
      `face crop: batch ${batch}, sequential, 1 session x ${budget} threads`,
      await bareSequential(modelPath, faceInput, { threads: budget, batch, seconds: seconds / 2 }),
    ]);
  }
  console.log('');
  console.log(
    '| bare onnxruntime, in process, inference only | images/s | p50 ms/run | p99 ms/run | CPU ms/image |',
  );
  console.log('|---|---:|---:|---:|---:|');
  for (const [name, result] of rows) console.log(bareLine(name, result));

  const server32 = results.find((entry) => entry.name.startsWith('face crop') && entry.connections === 32)!;
  const ratio = server32.result.reqPerSec / reference.imagesPerSec;
  console.log('');
  console.log(
    `ratio = server face-crop req/s at c=32 (${server32.result.reqPerSec.toFixed(1)}) / bare images/s ` +
      `(${reference.imagesPerSec.toFixed(1)}: batch 1, sequential, one session with the server's ${budget} threads)`,
  );
  console.log(`server_vs_bare_ratio=${ratio.toFixed(3)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
