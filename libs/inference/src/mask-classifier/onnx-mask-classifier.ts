import * as ort from 'onnxruntime-node';
import { SessionThreads, sessionOptions } from '../session-options';
import { MaskClassifier, packBatch } from './mask-classifier';
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

  /** Loads the model (see sessionOptions) and checks it against the mask model contract. */
  static async load(modelPath: string, threads: SessionThreads = {}): Promise<OnnxMaskClassifier> {
    const session = await ort.InferenceSession.create(modelPath, sessionOptions(threads));
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
