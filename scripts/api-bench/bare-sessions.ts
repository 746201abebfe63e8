/**
 * The model without the server: onnxruntime sessions in this process on already preprocessed inputs, with the
 * serving session options (sessionOptions from @maskd/inference), for the server/bare comparison of bench:api.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { MASK_MODEL_CONTRACT, OnnxMaskClassifier, sessionOptions } from '@maskd/inference';

export interface BareResult {
  imagesPerSec: number;
  /** Latency of one run (ms). */
  p50: number;
  p99: number;
  cpuMsPerImage: number;
}

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** One session with `threads` intra-op threads, runs of `batch` copies of `input` back to back for `seconds`. */
export async function bareSequential(
  modelPath: string,
  input: Float32Array,
  options: { threads: number; batch: number; seconds: number },
): Promise<BareResult> {
  const classifier = await OnnxMaskClassifier.load(modelPath, { intraOpThreads: options.threads });
  const batch = new Float32Array(input.length * options.batch);
  for (let i = 0; i < options.batch; i++) batch.set(input, i * input.length);
  for (let i = 0; i < 10; i++) await classifier.predictPacked(batch);
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < options.seconds * 1000) {
    const runStarted = performance.now();
    await classifier.predictPacked(batch);
    latencies.push(performance.now() - runStarted);
  }
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await classifier.close();
  latencies.sort((a, b) => a - b);
  const images = latencies.length * options.batch;
  return {
    imagesPerSec: images / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpuMsPerImage: (cpu.user + cpu.system) / 1000 / images,
  };
}

/**
 * What a worker thread of bareParallel runs: bareSequential's loop, reporting its runs. Plain JS (an eval'd worker
 * does not load TypeScript), so the model's input name and shape come in workerData from MASK_MODEL_CONTRACT.
 */
const PARALLEL_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require('onnxruntime-node');
(async () => {
  const { modelPath, options, input, seconds, contract } = workerData;
  const session = await ort.InferenceSession.create(modelPath, options);
  const { inputName, inputSize, channels } = contract;
  const feeds = { [inputName]: new ort.Tensor('float32', input, [1, inputSize, inputSize, channels]) };
  for (let i = 0; i < 10; i++) await session.run(feeds);
  parentPort.postMessage('ready');
  await new Promise((resolve) => parentPort.once('message', resolve));
  const latencies = [];
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const runStarted = performance.now();
    await session.run(feeds);
    latencies.push(performance.now() - runStarted);
  }
  await session.release();
  parentPort.postMessage({ latencies, elapsed: (performance.now() - started) / 1000 });
})();
`;

/**
 * `workers` worker threads, each with its own session of `threads` intra-op threads, running batch 1 at the same
 * time for `seconds`: the most images per second the server's inference configuration can give, with nothing else
 * (HTTP, decoding, resizing) on the cores.
 */
export async function bareParallel(
  modelPath: string,
  input: Float32Array,
  options: { workers: number; threads: number; seconds: number },
): Promise<BareResult> {
  const sessionConfig = sessionOptions({ intraOpThreads: options.threads });
  const workers = Array.from(
    { length: options.workers },
    () =>
      new Worker(PARALLEL_WORKER, {
        eval: true,
        workerData: {
          modelPath,
          options: sessionConfig,
          input,
          seconds: options.seconds,
          contract: MASK_MODEL_CONTRACT,
        },
      }),
  );
  const next = (worker: Worker) => new Promise<unknown>((resolve) => worker.once('message', resolve));
  await Promise.all(workers.map(next));
  const cpuBefore = process.cpuUsage();
  const results = workers.map(next) as Promise<{ latencies: number[]; elapsed: number }>[];
  workers.forEach((worker) => worker.postMessage('go'));
  const done = await Promise.all(results);
  const cpu = process.cpuUsage(cpuBefore);
  await Promise.all(workers.map((worker) => worker.terminate()));
  const latencies = done.flatMap((result) => result.latencies).sort((a, b) => a - b);
  const elapsed = Math.max(...done.map((result) => result.elapsed));
  return {
    imagesPerSec: latencies.length / elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpuMsPerImage: (cpu.user + cpu.system) / 1000 / latencies.length,
  };
}
