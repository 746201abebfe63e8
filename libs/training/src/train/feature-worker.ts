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
import { mapWithConcurrency } from '../map-with-concurrency';
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

/** A batch of model inputs ready for onnxruntime. */
interface PreparedBatch {
  inputs: Float32Array;
  count: number;
  prepareMs: number;
}

async function prepareBatch<T>(
  items: readonly T[],
  input: (item: T) => Promise<Float32Array>,
): Promise<PreparedBatch> {
  const started = performance.now();
  const length = data.inputSize * data.inputSize * 3;
  const inputs = new Float32Array(items.length * length);
  await mapWithConcurrency(items, CONCURRENCY, async (item, index) =>
    inputs.set(await input(item), index * length),
  );
  return { inputs, count: items.length, prepareMs: performance.now() - started };
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
    return prepareBatch(request.paths, async (file) => modelInput(await decodeFile(file)));
  }
  const { indices, epoch, augment } = request;
  return prepareBatch(indices, async (imageIndex) => {
    const image = decoded[imageIndex];
    if (!image) throw new Error(`training image ${imageIndex} is not decoded`);
    if (!augment) return modelInput(image);
    const params = sampleAugmentation(data.augmentation, augmentationRandom(data.seed, epoch, imageIndex));
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
  let bytes = 0;
  const images = await mapWithConcurrency(
    data.trainPaths,
    CONCURRENCY,
    async (file) => {
      const image = await decodeFile(file);
      bytes += image.data.byteLength;
      return image;
    },
    (done, total) => {
      if (done % 100 === 0 || done === total) post({ type: 'progress', id: request.id, done, total });
    },
  );
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
