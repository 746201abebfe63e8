/**
 * Worker-thread entry of InferencePool: owns one mask classifier session and, when asked, a face detector;
 * runs classification batches and face detections on request, one at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { FaceDetector } from '../face-detection/face-detector';
import { OnnxMaskClassifier } from '../mask-classifier/onnx-mask-classifier';
import { MASK_INPUT_LENGTH } from '../mask-classifier/model-signature';
import type { FaceDetectorState, InferenceWorkerData, WorkerMessage, WorkerRequest } from './worker-protocol';

const port = parentPort;
const post = (message: WorkerMessage) => port?.postMessage(message);
const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A blank 1280x720 frame: in balanced mode it runs both models and the tiles, so every session is warm. */
const WARMUP_FRAME = { width: 1280, height: 720 };

async function loadFaceDetector(
  options: InferenceWorkerData,
): Promise<{ detector?: FaceDetector; state?: FaceDetectorState }> {
  if (!options.faceDetector) return {};
  try {
    const detector = await FaceDetector.load({
      ...options.faceDetector,
      intraOpThreads: options.intraOpThreads,
    });
    const { width, height } = WARMUP_FRAME;
    const blank = { data: Buffer.alloc(width * height * 3, 128), width, height, format: 'jpeg' as const };
    await detector.detect(blank, { mode: 'balanced' });
    return { detector, state: { status: 'ready', signature: detector.signature } };
  } catch (error) {
    // The classifier still serves whole images; the pool reports the detector as failed.
    return { state: { status: 'failed', error: errorMessage(error) } };
  }
}

/** The worker's mask model sessions: `solo`, with more threads, for runs nothing else competes with. */
interface Classifiers {
  shared: OnnxMaskClassifier;
  solo?: OnnxMaskClassifier;
}

async function loadClassifiers(options: InferenceWorkerData): Promise<Classifiers> {
  const load = async (intraOpThreads: number) => {
    const classifier = await OnnxMaskClassifier.load(options.modelPath, { ...options, intraOpThreads });
    for (const size of options.warmupBatchSizes) {
      await classifier.predictPacked(new Float32Array(size * MASK_INPUT_LENGTH));
    }
    return classifier;
  };
  const shared = await load(options.intraOpThreads ?? 0);
  const wantsSolo = options.soloIntraOpThreads > (options.intraOpThreads || Infinity);
  return { shared, solo: wantsSolo ? await load(options.soloIntraOpThreads) : undefined };
}

async function run(
  request: WorkerRequest,
  classifiers: Classifiers,
  detector: FaceDetector | undefined,
): Promise<WorkerMessage> {
  const started = performance.now();
  const runMs = () => performance.now() - started;
  if (request.type === 'classify') {
    const classifier = (request.solo && classifiers.solo) || classifiers.shared;
    const probabilities = await classifier.predictPacked(request.batch);
    return { type: 'probabilities', id: request.id, probabilities, runMs: runMs() };
  }
  if (!detector) throw new Error('this worker has no face detector');
  const { width, height, levels } = request.pyramid;
  const pyramid = {
    width,
    height,
    levels: levels.map(({ data, ...size }) => ({
      ...size,
      data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    })),
  };
  if (request.units) {
    const candidates = await detector.candidates(pyramid, request.options, request.units);
    return { type: 'candidates', id: request.id, candidates, runMs: runMs() };
  }
  const faces = await detector.detectInPyramid(pyramid, request.options);
  return { type: 'faces', id: request.id, faces, runMs: runMs() };
}

async function main(options: InferenceWorkerData): Promise<void> {
  let classifiers: Classifiers;
  const started = performance.now();
  try {
    classifiers = await loadClassifiers(options);
  } catch (error) {
    post({ type: 'load-error', message: errorMessage(error) });
    return;
  }
  const { detector, state } = await loadFaceDetector(options);
  port?.on('message', async (request: WorkerRequest) => {
    try {
      post(await run(request, classifiers, detector));
    } catch (error) {
      post({ type: 'run-error', id: request.id, message: errorMessage(error) });
    }
  });
  post({
    type: 'ready',
    signature: classifiers.shared.signature,
    faceDetector: state,
    warmupMs: performance.now() - started,
  });
}

void main(workerData as InferenceWorkerData);
