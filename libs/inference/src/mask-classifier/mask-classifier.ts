import { MASK_INPUT_LENGTH } from './model-signature';

/**
 * Scores preprocessed images (see `preprocessImage` in @maskd/imaging) with the mask model.
 * `predict` returns P(class 1) = P(without_mask) per input, in input order.
 */
export interface MaskClassifier {
  predict(inputs: readonly Float32Array[]): Promise<number[]>;
  close(): Promise<void>;
}

/** Copies the inputs into one contiguous NHWC batch, checking each has the contract's length. */
export function packBatch(inputs: readonly Float32Array[]): Float32Array {
  const batch = new Float32Array(inputs.length * MASK_INPUT_LENGTH);
  inputs.forEach((input, index) => {
    if (input.length !== MASK_INPUT_LENGTH) {
      throw new RangeError(
        `input ${index} has ${input.length} values, expected ${MASK_INPUT_LENGTH} (224x224x3)`,
      );
    }
    batch.set(input, index * MASK_INPUT_LENGTH);
  });
  return batch;
}
