import * as tf from '@tensorflow/tfjs';
import { initTensorflow } from '../model/backend';
import { registerWasmGradientKernels } from '../model/wasm-gradients';
import { mulberry32 } from '../data/split';
import { randomData } from '../onnx/parity';
import { parseTrainingConfig, type PhaseConfig } from './config';
import { splitModel, type ModelSplit } from './model-split';
import { lineProgress } from './progress';
import { residualModel, TOY_SIZE } from './testing/toy-models';
import {
  epochOrder,
  scoreProbabilities,
  trainPhase,
  type BatchSource,
  type PhaseOptions,
} from './train-phase';
import { captureWeights, weightChanges } from './weight-changes';

const FEATURES = 4;

/** Input -> stem (identity) -> hidden -> dropout -> output: the split at `stem` trains hidden and output. */
function denseModel(): tf.LayersModel {
  const input = tf.input({ shape: [FEATURES] });
  const stem = tf.layers.dense({
    name: 'stem',
    units: FEATURES,
    kernelInitializer: 'identity',
    useBias: false,
  });
  const hidden = tf.layers.dense({
    name: 'hidden',
    units: 8,
    activation: 'relu',
    kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
  });
  const dropout = tf.layers.dropout({ name: 'dropout', rate: 0.2 });
  const output = tf.layers.dense({
    name: 'output',
    units: 1,
    activation: 'sigmoid',
    kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
  });
  const x = [stem, hidden, dropout, output].reduce<tf.SymbolicTensor>(
    (value, layer) => layer.apply(value) as tf.SymbolicTensor,
    input,
  );
  return tf.model({ inputs: input, outputs: x });
}

/** Points labelled by the sign of x0 + x1. */
function separable(count: number, seed: number): { features: Float32Array; labels: Float32Array } {
  const features = randomData(count * FEATURES, seed);
  const labels = Float32Array.from({ length: count }, (_, i) =>
    features[i * 4] + features[i * 4 + 1] > 0 ? 1 : 0,
  );
  return { features, labels };
}

function sourceOf(features: Float32Array, width: number, transform = (_epoch: number) => 1): BatchSource {
  return async (indices, epoch) => {
    const batch = new Float32Array(indices.length * width);
    indices.forEach((index, i) => {
      for (let k = 0; k < width; k++) batch[i * width + k] = transform(epoch) * features[index * width + k];
    });
    return batch;
  };
}

function phaseConfig(overrides: Partial<PhaseConfig>): PhaseConfig {
  return { ...parseTrainingConfig({}).head, ...overrides };
}

function options(split: ModelSplit, overrides: Partial<PhaseOptions>): PhaseOptions {
  const train = separable(256, 1);
  const val = separable(128, 2);
  return {
    phase: 'head',
    split,
    config: phaseConfig({ epochs: 6, learningRate: 0.05, schedule: { type: 'constant' } }),
    batchSize: 32,
    seed: 3,
    trainLabels: train.labels,
    source: sourceOf(train.features, FEATURES),
    validation: { features: tf.tensor(val.features, [128, FEATURES]), labels: val.labels },
    progress: lineProgress(() => undefined),
    ...overrides,
  };
}

const weightsOf = (model: tf.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));

describe('trainPhase', () => {
  beforeAll(async () => {
    await initTensorflow({ log: () => undefined });
    registerWasmGradientKernels();
  });

  it('learns a separable problem, records every epoch and moves every trainable weight', async () => {
    const split = splitModel(denseModel(), 'stem', 1);
    const before = captureWeights(split.trainable, ['hidden', 'output']);
    const result = await trainPhase(options(split, {}));
    expect(result.history.map((row) => [row.phase, row.epoch, row.lr])).toEqual(
      [1, 2, 3, 4, 5, 6].map((epoch) => ['head', epoch, 0.05]),
    );
    expect(result.history[5].val_accuracy).toBeGreaterThan(0.9);
    expect(result.history[5].loss).toBeLessThan(result.history[0].loss);
    for (const change of weightChanges(before, split.trainable))
      expect(change.relativeChange).toBeGreaterThan(0.01);
  });

  it('stops early and ends with the weights of the best epoch', async () => {
    const split = splitModel(denseModel(), 'stem', 1);
    const atEpoch = new Map<number, number[][]>();
    // From epoch 3 on the features are negated: the model unlearns and the validation loss rises.
    const train = separable(256, 1);
    const result = await trainPhase(
      options(split, {
        config: phaseConfig({
          epochs: 10,
          learningRate: 0.05,
          schedule: { type: 'constant' },
          earlyStopping: { patience: 2, minDelta: 0 },
        }),
        source: sourceOf(train.features, FEATURES, (epoch) => (epoch >= 3 ? -1 : 1)),
        onEpoch: (row) => void atEpoch.set(row.epoch, weightsOf(split.trainable)),
      }),
    );
    expect(result.bestEpoch).toBe(2);
    expect(result.stoppedEarly).toBe(true);
    expect(result.epochsRun).toBe(4);
    expect(result.bestValLoss).toBe(result.history[1].val_loss);
    expect(weightsOf(split.trainable)).toEqual(atEpoch.get(2));
  });

  it('keeps the starting weights when no epoch beats the baseline', async () => {
    const split = splitModel(denseModel(), 'stem', 1);
    const start = weightsOf(split.trainable);
    const result = await trainPhase(options(split, { baselineValLoss: 1e-9 }));
    expect(result.bestEpoch).toBeNull();
    expect(weightsOf(split.trainable)).toEqual(start);
  });

  it('fine-tunes the layers above the cut of a conv/BN model and leaves the ones below untouched', async () => {
    const classifier = residualModel();
    const split = splitModel(classifier, 'stem', 1);
    const count = 64;
    const images = tf.tensor(randomData(count * TOY_SIZE * TOY_SIZE * 4, 11), [count, TOY_SIZE, TOY_SIZE, 4]);
    const features = (split.frozen.predict(images) as tf.Tensor).dataSync() as Float32Array;
    const random = mulberry32(4);
    const labels = Float32Array.from({ length: count }, () => (random() > 0.5 ? 1 : 0));
    const frozenBefore = captureWeights(classifier, ['stem']);
    const tunedBefore = captureWeights(classifier, ['expand', 'depthwise', 'project', 'dense', 'output']);
    const width = features.length / count;
    await trainPhase(
      options(split, {
        phase: 'fine_tune',
        config: phaseConfig({ epochs: 2, learningRate: 0.01, schedule: { type: 'constant' } }),
        trainLabels: labels,
        source: sourceOf(features, width),
        validation: null,
      }),
    );
    split.writeBack();
    expect(weightChanges(frozenBefore, classifier).every((change) => change.maxAbsChange === 0)).toBe(true);
    for (const change of weightChanges(tunedBefore, classifier))
      expect(change.maxAbsChange).toBeGreaterThan(0);
  });
});

describe('epochOrder', () => {
  it('is a reproducible permutation that changes between epochs', () => {
    const order = epochOrder(50, 7, 1);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(epochOrder(50, 7, 1)).toEqual(order);
    expect(epochOrder(50, 7, 2)).not.toEqual(order);
  });
});

describe('scoreProbabilities', () => {
  it('computes clipped binary cross-entropy and accuracy at 0.5', () => {
    const { loss, accuracy } = scoreProbabilities([0.9, 0.2, 0.6, 1], [1, 0, 0, 1]);
    const expected = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(1 - 1e-7)) / 4;
    expect(loss).toBeCloseTo(expected, 6);
    expect(accuracy).toBe(0.75);
  });
});
