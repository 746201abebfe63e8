import { readFile } from 'node:fs/promises';
import type * as tf from '@tensorflow/tfjs';
import { DEFAULT_RESIZE_MODE, preprocessImage } from '@maskd/imaging';
import { MASK_CLASS_NAMES, MASK_INPUT_NORMALIZATION } from '../model/classifier';
import { exportToOnnx, writeOnnxFile, type WrittenOnnx } from '../onnx/export';
import { compareOnnxBytes } from '../onnx/parity';

export interface ExportedModel extends WrittenOnnx {
  parity: {
    images: number;
    /** max |p_tfjs - p_onnx| over the parity images. */
    maxAbsDiff: number;
    /** Predicted labels (at 0.5) identical for every parity image. */
    labelsAgree: boolean;
  };
}

export interface ExportOptions {
  file: string;
  modelVersion: string;
  runId: string;
  /** Real images, preprocessed as for serving, on which tfjs and onnxruntime must agree. */
  parityImages: string[];
  tolerance: number;
}

/** Exports the trained classifier to ONNX, checks it against tfjs on real images, then writes it. */
export async function exportTrainedModel(
  model: tf.LayersModel,
  options: ExportOptions,
): Promise<ExportedModel> {
  const bytes = exportToOnnx(model, {
    outputNames: ['probability'],
    metadata: {
      classNames: MASK_CLASS_NAMES,
      normalization: MASK_INPUT_NORMALIZATION,
      resizeMode: DEFAULT_RESIZE_MODE,
      modelVersion: options.modelVersion,
      trainingRunId: options.runId,
    },
  });
  const size = model.inputs[0].shape[1] as number;
  const length = size * size * 3;
  const inputs = new Float32Array(options.parityImages.length * length);
  for (const [i, file] of options.parityImages.entries()) {
    const { input } = await preprocessImage(await readFile(file), { size, resize: DEFAULT_RESIZE_MODE });
    inputs.set(input, i * length);
  }
  const count = options.parityImages.length;
  const result = await compareOnnxBytes(model, bytes, inputs, [count, size, size, 3]);
  const [tfjs, onnx] = [result.tfjs[0], result.onnx[0]];
  const labelsAgree = tfjs.every((p, i) => p >= 0.5 === onnx[i] >= 0.5);
  if (!(result.maxAbsDiff <= options.tolerance) || !labelsAgree) {
    throw new Error(
      `the exported ONNX model disagrees with tfjs on ${count} real images: max |difference| ` +
        `${result.maxAbsDiff.toExponential(2)} (limit ${options.tolerance}), labels ${labelsAgree ? 'agree' : 'differ'}`,
    );
  }
  const written = await writeOnnxFile(bytes, options.file);
  return { ...written, parity: { images: count, maxAbsDiff: result.maxAbsDiff, labelsAgree } };
}
