import * as ort from 'onnxruntime-node';
import { MaskClassifier, SessionThreads, packBatch } from './mask-classifier';
import {
  MASK_INPUT_LENGTH,
  MASK_MODEL_CONTRACT,
  ModelSignature,
  assertMaskModelSignature,
  sessionSignature,
} from './model-signature';

const { inputName, outputName, inputSize, channels } = MASK_MODEL_CONTRACT;

/**
 * The mask model in an in-process onnxruntime session. Its `run` blocks the calling thread for the
 * whole inference, so servers use it inside worker threads (InferencePool in ../inference-pool); CLIs and evaluation
 * code may use it directly.
 */
export class OnnxMaskClassifier implements MaskClassifier {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly signature: ModelSignature,
  ) {}

  /** Loads the model with full graph optimisation and checks it against the mask model contract. */
  static async load(modelPath: string, threads: SessionThreads = {}): Promise<OnnxMaskClassifier> {
    const session = await ort.InferenceSession.create(modelPath, {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: threads.intraOpThreads ?? 0,
      interOpNumThreads: threads.interOpThreads ?? 0,
      // Idle pool threads sleep instead of spinning: a server shares its cores with HTTP and image decoding,
      // and spinning doubled the CPU per image (15 vs 9 ms, 2 threads) on a busy 2-core machine.
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
    const signature = sessionSignature(session);
    try {
      assertMaskModelSignature(signature);
    } catch (error) {
      await session.release();
      throw error;
    }
    return new OnnxMaskClassifier(session, signature);
  }

  async predict(inputs: readonly Float32Array[]): Promise<number[]> {
    if (inputs.length === 0) return [];
    return Array.from(await this.predictPacked(packBatch(inputs)));
  }

  /** Runs one inference on `batch`, N contiguous 224x224x3 images; returns N probabilities. */
  async predictPacked(batch: Float32Array): Promise<Float32Array> {
    const count = batch.length / MASK_INPUT_LENGTH;
    if (!Number.isInteger(count) || count === 0) {
      throw new RangeError(
        `batch has ${batch.length} values, not a positive multiple of ${MASK_INPUT_LENGTH}`,
      );
    }
    const feeds = { [inputName]: new ort.Tensor('float32', batch, [count, inputSize, inputSize, channels]) };
    const results = await this.session.run(feeds, [outputName]);
    return results[outputName].data as Float32Array;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
