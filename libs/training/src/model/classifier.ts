import * as tf from '@tensorflow/tfjs';
import { sharedDataPath } from '@maskd/imaging';
import { loadLayersModelFrom, type ModelSource } from './io';

/** Output index order (alphabetical, as Keras' directory iterator orders them): the output is P(without_mask). */
export const MASK_CLASS_NAMES = ['with_mask', 'without_mask'] as const;
/** The pixel normalisation the ImageNet MobileNetV2 weights expect (and `preprocessImage` applies). */
export const MASK_INPUT_NORMALIZATION = 'x/127.5-1';
export const DEFAULT_BACKBONE_NAME = 'mobilenet_v2_1.0_224_no_top';

/** Stable names of the head layers, for freezing, fine-tuning and reading features. */
export const HEAD_LAYER_NAMES = {
  pool: 'head_pool',
  dense: 'head_dense',
  dropout: 'head_dropout',
  output: 'head_output',
} as const;

/** The MobileNetV2 layer whose filters are 320 * alpha (a multiple of 8), which is how alpha is read back. */
const ALPHA_LAYER = 'block_16_project';
const ALPHA_LAYER_BASE_FILTERS = 320;
/** The last 1x1 convolution: its filters are the feature channels (1280 for alpha <= 1). */
const FEATURE_LAYER = 'Conv_1';
const REQUIRED_LAYERS = ['Conv1', 'expanded_conv_depthwise', ALPHA_LAYER, FEATURE_LAYER];

export class BackboneWeightsError extends Error {
  override readonly name = 'BackboneWeightsError';
}

export interface MobileNetV2Backbone {
  model: tf.LayersModel;
  /** Width multiplier, e.g. 1 or 0.35. */
  alpha: number;
  /** Side of the square input, e.g. 224. */
  inputSize: number;
  /** Channels of the output feature map (1280 for alpha <= 1). */
  featureChannels: number;
}

export interface MaskClassifierOptions {
  /** Backbone folder or model.json URL. Default: `<shared>/weights/mobilenet_v2_1.0_224_no_top`. */
  weights?: ModelSource;
  /** Dropout rate before the output layer (default 0.5, as the reference head). */
  dropout?: number;
  /** Units of the hidden dense layer (default 128). */
  headUnits?: number;
  /**
   * Seed of the head's initialisers (default 42), so a build is reproducible. Not of its dropout: tfjs' Dropout
   * re-seeds on every call, so a seeded one drops the same units at every step (the trainer swaps in its own
   * SeededDropout, which is reproducible and draws a fresh mask each step).
   */
  seed?: number;
}

/** "1.0", "0.35": alpha as MobileNetV2 weight files name it. */
export function formatAlpha(alpha: number): string {
  return alpha.toFixed(Number.isInteger(alpha) ? 1 : 2);
}

export function defaultBackboneWeights(): string {
  return sharedDataPath('weights', DEFAULT_BACKBONE_NAME);
}

/**
 * Loads an ImageNet MobileNetV2 without its top (Keras layer names) and reads alpha and input size from it.
 * Throws BackboneWeightsError naming the source and the mismatch when the model is something else.
 */
export async function loadMobileNetV2Backbone(
  weights: ModelSource = defaultBackboneWeights(),
): Promise<MobileNetV2Backbone> {
  const model = await loadLayersModelFrom(weights);
  try {
    const outputShape = model.outputs.length === 1 ? model.outputs[0].shape : [];
    if (outputShape.length !== 4) {
      throw new Error(
        `its output shape is [${outputShape.join(', ')}], expected one 4-D feature map ` +
          `(was it saved with its classification top?)`,
      );
    }
    return { model, ...inspectMobileNetV2(model) };
  } catch (error) {
    model.dispose();
    const reason = error instanceof Error ? error.message : String(error);
    throw new BackboneWeightsError(`${weights} does not look like a MobileNetV2 no-top backbone: ${reason}`);
  }
}

/** Alpha, input size and feature channels of a MobileNetV2 backbone, or of a classifier built on one. */
export function inspectMobileNetV2(model: tf.LayersModel): Omit<MobileNetV2Backbone, 'model'> {
  if (model.inputs.length !== 1) throw new Error(`it has ${model.inputs.length} inputs, expected 1`);
  const [batch, height, width, channels] = model.inputs[0].shape;
  if (batch !== null || height === null || height !== width || channels !== 3) {
    throw new Error(`its input shape is [${model.inputs[0].shape.join(', ')}], expected [null, S, S, 3]`);
  }
  const names = new Set(model.layers.map((layer) => layer.name));
  const missing = REQUIRED_LAYERS.filter((name) => !names.has(name));
  if (missing.length > 0) throw new Error(`it has no layer ${missing.join(', ')}`);
  const filters = (name: string) => {
    const value = model.getLayer(name).getConfig().filters;
    if (typeof value !== 'number') throw new Error(`layer ${name} is not a convolution`);
    return value;
  };
  return {
    alpha: Math.round((filters(ALPHA_LAYER) / ALPHA_LAYER_BASE_FILTERS) * 100) / 100,
    inputSize: height,
    featureChannels: filters(FEATURE_LAYER),
  };
}

/** The head in one line, as the model cards describe it. */
export const describeHead = (headUnits: number, dropout: number): string =>
  `GlobalAveragePooling2D -> Dense(${headUnits}, relu) -> Dropout(${dropout}) -> Dense(1, sigmoid)`;

/**
 * The mask classifier: the ImageNet MobileNetV2 backbone followed by the reference head,
 * GlobalAveragePooling2D -> Dense(headUnits, relu) -> Dropout -> Dense(1, sigmoid) = P(without_mask).
 * The head sits directly on the backbone's layers (no nested model), so every backbone layer keeps its Keras
 * name and can be frozen, unfrozen or used as a cut point by name.
 */
export async function buildMaskClassifier(options: MaskClassifierOptions = {}): Promise<tf.LayersModel> {
  const { weights = defaultBackboneWeights(), dropout = 0.5, headUnits = 128, seed = 42 } = options;
  if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`dropout must be in [0, 1), got ${dropout}`);
  if (!(Number.isInteger(headUnits) && headUnits > 0)) {
    throw new RangeError(`headUnits must be a positive integer, got ${headUnits}`);
  }
  const backbone = await loadMobileNetV2Backbone(weights);
  const features = backbone.model.outputs[0];
  const apply = (layer: tf.layers.Layer, input: tf.SymbolicTensor) => layer.apply(input) as tf.SymbolicTensor;
  let x = apply(tf.layers.globalAveragePooling2d({ name: HEAD_LAYER_NAMES.pool }), features);
  x = apply(
    tf.layers.dense({
      name: HEAD_LAYER_NAMES.dense,
      units: headUnits,
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
    }),
    x,
  );
  x = apply(tf.layers.dropout({ name: HEAD_LAYER_NAMES.dropout, rate: dropout }), x);
  const probability = apply(
    tf.layers.dense({
      name: HEAD_LAYER_NAMES.output,
      units: 1,
      activation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }),
    }),
    x,
  );
  return tf.model({ name: 'mask_classifier', inputs: backbone.model.inputs, outputs: probability });
}
