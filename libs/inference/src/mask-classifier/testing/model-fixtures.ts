import { join } from 'node:path';
import { repoRoot } from '@maskd/imaging';

/** The shipped mask model (models/mask_detector.onnx), which the specs run for real. */
export const SHIPPED_MASK_MODEL = join(repoRoot(), 'models', 'mask_detector.onnx');

/** A model with another contract (BlazeFace), for the contract checks. */
export const OTHER_MODEL = join(repoRoot(), 'models', 'blazeface_front_128.onnx');

/** Deterministic, distinct model inputs in [-1, 1]. */
export function syntheticInputs(count: number, seed = 1): Float32Array[] {
  return Array.from({ length: count }, (_, index) => {
    const input = new Float32Array(224 * 224 * 3);
    let state = (seed * 7919 + index * 104729) >>> 0;
    for (let i = 0; i < input.length; i++) {
      state = (state * 1664525 + 1013904223) >>> 0;
      input[i] = (state / 0xffffffff) * 2 - 1;
    }
    return input;
  });
}
