import * as tf from '@tensorflow/tfjs';
import { HEAD_LAYER_NAMES } from '../model/classifier';
import { SeededDropout } from './seeded-dropout';

/*
 * Training splits the classifier at a "cut" layer. The frozen part (input -> cut) is exported to ONNX and run
 * by onnxruntime, ~10x faster than tfjs here; the trainable part (cut -> probability) is a separate tfjs model
 * trained on what the frozen part computes. In the trainable part every BatchNormalization that follows a
 * convolution is folded into it (conv with bias): BN stays in inference mode with its ImageNet moving statistics,
 * as Keras' fine-tuning guide recommends, and its costly gradient leaves the graph. `writeBack` puts the trained
 * weights into the classifier exactly: kernel W' and bias b' become conv kernel W' and a BN with the same moving
 * statistics, gamma = sqrt(var + eps) and beta = b' + mean, which computes z + b'.
 */

/** Phase 1's cut: the pooled 1280-d feature vector, so the frozen part is the whole backbone. */
export const HEAD_CUT_LAYER = HEAD_LAYER_NAMES.pool;
/** The last 1x1 convolution of MobileNetV2, always unfrozen in phase 2. */
const TOP_CONV = 'Conv_1';
export const MOBILENET_V2_BLOCKS = 16;

export interface ModelSplit {
  /** The classifier layer whose output the frozen part computes. */
  cutLayer: string;
  /** Shape of the cut layer's output without the batch dimension. */
  featureShape: number[];
  /** The classifier's input -> the cut layer's output (shares the classifier's weights). */
  frozen: tf.LayersModel;
  /** The cut layer's output -> probability, with its own variables (BN folded, per-step seeded dropout). */
  trainable: tf.LayersModel;
  /** Classifier layers the trainable part updates, in graph order. */
  trainableLayers: string[];
  /** Copies the trainable part's weights into the classifier. */
  writeBack(): void;
  /** Frees the trainable part. (Never dispose `frozen`: its layers are the classifier's.) */
  dispose(): void;
}

/**
 * The layer to cut at for fine-tuning: the input of the lowest unfrozen inverted-residual block when
 * `unfreezeBlocks` blocks are unfrozen from the top (block_16 downwards), else the input of Conv_1.
 */
export function fineTuneCutLayer(model: tf.LayersModel, unfreezeBlocks: number): string {
  if (!(Number.isInteger(unfreezeBlocks) && unfreezeBlocks >= 0 && unfreezeBlocks <= MOBILENET_V2_BLOCKS)) {
    throw new RangeError(
      `unfreezeBlocks must be an integer from 0 to ${MOBILENET_V2_BLOCKS}, got ${unfreezeBlocks}`,
    );
  }
  const first = unfreezeBlocks === 0 ? TOP_CONV : `block_${MOBILENET_V2_BLOCKS + 1 - unfreezeBlocks}_expand`;
  const inbound = singleNode(model.getLayer(first)).inboundLayers;
  if (inbound.length !== 1) throw new Error(`${first} has ${inbound.length} inputs, expected 1`);
  return inbound[0].name;
}

type Factory = (cls: unknown, config: tf.serialization.ConfigDict) => tf.layers.Layer;

/** A new layer of the same class and configuration (no weights copied). */
function cloneLayer(layer: tf.layers.Layer, overrides: tf.serialization.ConfigDict = {}): tf.layers.Layer {
  const registry = tf.serialization.SerializationMap.getMap().classNameMap as Record<
    string,
    [unknown, Factory]
  >;
  const entry = registry[layer.getClassName()];
  if (!entry)
    throw new Error(`cannot copy layer ${layer.name}: class ${layer.getClassName()} is not registered`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, { ...layer.getConfig(), ...overrides });
}

function singleNode(layer: tf.layers.Layer) {
  if (layer.inboundNodes.length !== 1) {
    throw new Error(
      `layer ${layer.name} is used ${layer.inboundNodes.length} times; cannot split the model there`,
    );
  }
  return layer.inboundNodes[0];
}

function isConvolution(layer: tf.layers.Layer): boolean {
  return ['Conv2D', 'DepthwiseConv2D'].includes(layer.getClassName());
}

/** The BatchNormalization that alone consumes `conv`'s output, if any. */
function followingBatchNorm(conv: tf.layers.Layer): tf.layers.Layer | undefined {
  if (conv.outboundNodes.length !== 1) return undefined;
  const next = conv.outboundNodes[0].outboundLayer;
  if (next.getClassName() !== 'BatchNormalization') return undefined;
  const { axis, center, scale } = next.getConfig();
  const lastAxis = axis === -1 || axis === 3;
  if (!lastAxis || center === false || scale === false) {
    throw new Error(`cannot fold ${next.name}: only channels-last BatchNormalization with center and scale`);
  }
  return next;
}

interface Folded {
  conv: tf.layers.Layer;
  batchNorm: tf.layers.Layer;
  folded: tf.layers.Layer;
}

/** s = gamma / sqrt(var + eps), per output channel; W' = W * s, b' = (b - mean) * s + beta. */
function foldedWeights(conv: tf.layers.Layer, batchNorm: tf.layers.Layer): tf.Tensor[] {
  return tf.tidy(() => {
    const [kernel, bias] = conv.getWeights();
    const [gamma, beta, mean, variance] = batchNorm.getWeights();
    const epsilon = batchNorm.getConfig().epsilon as number;
    const scale = tf.div(gamma, tf.sqrt(tf.add(variance, epsilon)));
    // Conv2D kernels are [kh, kw, in, out]; depthwise kernels [kh, kw, in, multiplier] with output in*multiplier+k.
    const kernelScale =
      conv.getClassName() === 'DepthwiseConv2D' ? scale.reshape(kernel.shape.slice(2)) : scale;
    const convBias = bias ?? tf.zerosLike(mean);
    return [tf.mul(kernel, kernelScale), tf.add(tf.mul(tf.sub(convBias, mean), scale), beta)];
  });
}

function writeFolded({ conv, batchNorm, folded }: Folded): void {
  const [kernel, bias] = folded.getWeights();
  const [, , mean, variance] = batchNorm.getWeights();
  const epsilon = batchNorm.getConfig().epsilon as number;
  tf.tidy(() => {
    const convWeights = conv.getWeights().length === 2 ? [kernel, tf.zerosLike(bias)] : [kernel];
    conv.setWeights(convWeights);
    batchNorm.setWeights([tf.sqrt(tf.add(variance, epsilon)), tf.add(bias, mean), mean, variance]);
  });
}

/**
 * Splits a classifier at `cutLayer` (see the note at the top). Every layer after the cut must read only the
 * cut's output or layers after it; dropout is replaced by SeededDropout drawing its masks from `seed`.
 */
export function splitModel(classifier: tf.LayersModel, cutLayer: string, seed: number): ModelSplit {
  const cut = classifier.getLayer(cutLayer);
  const cutIndex = classifier.layers.indexOf(cut);
  const after = classifier.layers.slice(cutIndex + 1);
  const featureShape = (cut.outputShape as (number | null)[]).slice(1) as number[];
  const cutOutput = cut.output as tf.SymbolicTensor;

  const input = tf.input({ shape: featureShape, name: 'features' });
  const outputs = new Map<string, tf.SymbolicTensor>([[cut.name, input]]);
  const folded: Folded[] = [];
  const copied: [tf.layers.Layer, tf.layers.Layer][] = [];
  const skipped = new Set<tf.layers.Layer>();

  for (const layer of after) {
    if (skipped.has(layer)) continue;
    const inbound = singleNode(layer).inboundLayers.map((source) => {
      const value = outputs.get(source.name);
      if (!value)
        throw new Error(`cannot cut at ${cutLayer}: ${layer.name} also reads ${source.name} from before it`);
      return value;
    });
    const batchNorm = isConvolution(layer) ? followingBatchNorm(layer) : undefined;
    let clone: tf.layers.Layer;
    if (batchNorm) {
      clone = cloneLayer(layer, { useBias: true, biasInitializer: 'zeros' });
      folded.push({ conv: layer, batchNorm, folded: clone });
      skipped.add(batchNorm);
    } else if (layer.getClassName() === 'Dropout') {
      clone = new SeededDropout({ rate: layer.getConfig().rate as number, seed, name: layer.name });
    } else if (layer.getClassName() === 'BatchNormalization') {
      throw new Error(`cannot keep ${layer.name} in inference mode: it does not follow a convolution`);
    } else {
      clone = cloneLayer(layer);
      if (layer.weights.length > 0) copied.push([layer, clone]);
    }
    const output = clone.apply(inbound.length === 1 ? inbound[0] : inbound) as tf.SymbolicTensor;
    outputs.set(layer.name, output);
    if (batchNorm) outputs.set(batchNorm.name, output);
  }

  const finalLayer = classifier.outputs[0].sourceLayer.name;
  const output = outputs.get(finalLayer);
  if (!output) throw new Error(`the classifier's output ${finalLayer} does not come after ${cutLayer}`);
  const trainable = tf.model({ name: `trainable_from_${cutLayer}`, inputs: input, outputs: output });
  for (const entry of folded) entry.folded.setWeights(foldedWeights(entry.conv, entry.batchNorm));
  for (const [source, clone] of copied) clone.setWeights(source.getWeights());
  const frozen = tf.model({ name: `frozen_to_${cutLayer}`, inputs: classifier.inputs, outputs: cutOutput });

  return {
    cutLayer,
    featureShape,
    frozen,
    trainable,
    trainableLayers: after.filter((layer) => layer.weights.length > 0).map((layer) => layer.name),
    writeBack: () => {
      folded.forEach(writeFolded);
      for (const [source, clone] of copied) source.setWeights(clone.getWeights());
    },
    dispose: () => {
      trainable.dispose();
    },
  };
}
