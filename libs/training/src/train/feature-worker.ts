/**
 * Worker-thread entry of FeatureExtractor: decodes the training images once, then for each request augments
 * them (seeded per epoch and image), makes the model input with the shared preprocessing and runs the frozen part
 * of the classifier in onnxruntime. Runs beside the tfjs training step on the main thread.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { InferenceSession } from 'onnxruntime-node';
import {
  decodeImage,
  DEFAULT_RESIZE_MODE,
  modelInputDecodeOptions,
  toModelInput,
  type DecodedImage,
} from '@maskd/imaging';
import { createOnnxSession, runOnnx } from '../onnx/onnx-session';
import { applyAugmentation, augmentationRandom, sampleAugmentation } from './augmentation';
import type { FeatureRequest, FeatureResponse, FeatureTimings, FeatureWorkerData } from './feature-protocol';

/** Images prepared at once: keeps libuv's threads busy with sharp work. */
const CONCURRENCY = 4;

const data = workerData as FeatureWorkerData;
const port = parentPort;
const post = (message: FeatureResponse, transfer: ArrayBuffer[] = []) => port?.postMessage(message, transfer);

let session: InferenceSession | undefined;
const decoded: DecodedImage[] = [];

async function decodeFile(file: string): Promise<DecodedImage> {
  // The whole-image decode serving uses too, so an unaugmented training image is the model input serving makes.
  return decodeImage(await readFile(file), undefined, modelInputDecodeOptions(data.inputSize));
}

function modelInput(image: DecodedImage): Promise<Float32Array> {
  return toModelInput(image, { size: data.inputSize, resize: DEFAULT_RESIZE_MODE, layout: 'nhwc' });
}

async function mapLimited<T>(count: number, body: (index: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const run = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await body(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, run));
  return results;
}

/** A batch of model inputs ready for onnxruntime. */
interface PreparedBatch {
  inputs: Float32Array;
  count: number;
  prepareMs: number;
}

async function prepareBatch(
  count: number,
  input: (index: number) => Promise<Float32Array>,
): Promise<PreparedBatch> {
  const started = performance.now();
  const length = data.inputSize * data.inputSize * 3;
  const inputs = new Float32Array(count * length);
  await mapLimited(count, async (index) => inputs.set(await input(index), index * length));
  return { inputs, count, prepareMs: performance.now() - started };
}

async function infer(batch: PreparedBatch): Promise<{ features: Float32Array; timings: FeatureTimings }> {
  if (!session) throw new Error('no frozen model loaded');
  const started = performance.now();
  const size = data.inputSize;
  const outputs = await runOnnx(session, batch.inputs, [batch.count, size, size, 3]);
  // A copy the worker owns, so it can be transferred (onnxruntime's output buffer may be external memory).
  const features = outputs[session.outputNames[0]].slice();
  return {
    features,
    timings: { images: batch.count, prepareMs: batch.prepareMs, inferMs: performance.now() - started },
  };
}

function prepareRequest(
  request: FeatureRequest & { type: 'train-batch' | 'file-batch' },
): Promise<PreparedBatch> {
  if (request.type === 'file-batch') {
    return prepareBatch(request.paths.length, async (i) => modelInput(await decodeFile(request.paths[i])));
  }
  const { indices, epoch, augment } = request;
  return prepareBatch(indices.length, async (i) => {
    const image = decoded[indices[i]];
    if (!image) throw new Error(`training image ${indices[i]} is not decoded`);
    if (!augment) return modelInput(image);
    const params = sampleAugmentation(data.augmentation, augmentationRandom(data.seed, epoch, indices[i]));
    return modelInput(await applyAugmentation(image, params));
  });
}

async function handle(request: FeatureRequest & { type: 'load-model' | 'decode' }): Promise<void> {
  if (request.type === 'load-model') {
    await session?.release();
    session = await createOnnxSession(request.onnx, { threads: request.threads });
    post({ type: 'done', id: request.id });
    return;
  }
  const total = data.trainPaths.length;
  let done = 0;
  let bytes = 0;
  const images = await mapLimited(total, async (index) => {
    const image = await decodeFile(data.trainPaths[index]);
    bytes += image.data.byteLength;
    if (++done % 100 === 0 || done === total) post({ type: 'progress', id: request.id, done, total });
    return image;
  });
  decoded.splice(0, decoded.length, ...images);
  post({ type: 'done', id: request.id, decodedBytes: bytes });
}

const fail = (id: number) => (error: unknown) =>
  post({ type: 'error', id, message: error instanceof Error ? error.message : String(error) });
const settled = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    () => undefined,
  );

/*
 * Two-stage pipeline: batch k+1 is prepared (sharp, on libuv's threads) while onnxruntime runs batch k; each
 * stage takes one batch at a time, in arrival order. Loading a model or decoding waits for both stages.
 */
let preparing: Promise<unknown> = Promise.resolve();
let inferring: Promise<unknown> = Promise.resolve();

port?.on('message', (request: FeatureRequest) => {
  if (request.type === 'load-model' || request.type === 'decode') {
    const barrier = Promise.all([preparing, inferring]).then(() => handle(request));
    barrier.catch(fail(request.id));
    preparing = inferring = settled(barrier);
    return;
  }
  const prepared = preparing.then(() => prepareRequest(request));
  const inferred = Promise.all([prepared, inferring]).then(([batch]) => infer(batch));
  preparing = settled(prepared);
  inferring = settled(inferred);
  inferred.then(
    (result) => post({ type: 'done', id: request.id, ...result }, [result.features.buffer as ArrayBuffer]),
    fail(request.id),
  );
});
