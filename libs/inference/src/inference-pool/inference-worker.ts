/** Worker-thread entry of InferencePool: owns one onnxruntime session and runs batches on request. */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { OnnxMaskClassifier } from './onnx-mask-classifier';
import { MASK_INPUT_LENGTH } from './model-signature';
import type { InferenceWorkerData, RunRequest, WorkerMessage } from './worker-protocol';

const port = parentPort;
const post = (message: WorkerMessage) => port?.postMessage(message);
const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function main(options: InferenceWorkerData): Promise<void> {
  let classifier: OnnxMaskClassifier;
  const started = performance.now();
  try {
    classifier = await OnnxMaskClassifier.load(options.modelPath, options);
    for (const size of options.warmupBatchSizes) {
      await classifier.predictPacked(new Float32Array(size * MASK_INPUT_LENGTH));
    }
  } catch (error) {
    post({ type: 'load-error', message: errorMessage(error) });
    return;
  }
  port?.on('message', async (request: RunRequest) => {
    const runStarted = performance.now();
    try {
      const probabilities = await classifier.predictPacked(request.batch);
      post({ type: 'result', id: request.id, probabilities, runMs: performance.now() - runStarted });
    } catch (error) {
      post({ type: 'run-error', id: request.id, message: errorMessage(error) });
    }
  });
  post({ type: 'ready', signature: classifier.signature, warmupMs: performance.now() - started });
}

void main(workerData as InferenceWorkerData);
