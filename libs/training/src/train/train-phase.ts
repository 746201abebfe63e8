import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../data/split';
import type { TrainingHistoryRow, TrainingPhase } from '../evaluation/history';
import type { PhaseConfig } from './config';
import { EarlyStopping } from './early-stopping';
import type { ModelSplit } from './model-split';
import type { TrainingProgress } from './progress';
import { learningRateAt } from './schedule';
import { WeightSnapshot } from './weight-snapshot';

/** Same clipping as Keras' binary cross-entropy on probabilities. */
const EPSILON = 1e-7;
/** Feature batches requested ahead of the one being trained on. */
const PREFETCH = 3;

/** Frozen-part outputs of the validation images, computed once per phase. */
export interface ValidationSet {
  features: tf.Tensor;
  labels: Float32Array;
}

/** Where training batches come from: the frozen part's output for the given training images. */
export type BatchSource = (indices: number[], epoch: number) => Promise<Float32Array>;

export interface PhaseOptions {
  phase: TrainingPhase;
  split: ModelSplit;
  config: PhaseConfig;
  batchSize: number;
  seed: number;
  /** Label (0/1) of every training image, by index. */
  trainLabels: Float32Array;
  source: BatchSource;
  validation: ValidationSet | null;
  /** A validation loss the phase must beat (the loss it starts from); without one any first epoch is best. */
  baselineValLoss?: number;
  progress: TrainingProgress;
  onEpoch?: (row: TrainingHistoryRow, seconds: number) => Promise<void> | void;
}

export interface PhaseResult {
  phase: TrainingPhase;
  epochsRun: number;
  /** Epoch whose weights the phase ends with (null: none beat the baseline, the starting weights were kept). */
  bestEpoch: number | null;
  bestValLoss: number | null;
  stoppedEarly: boolean;
  seconds: number;
  history: TrainingHistoryRow[];
}

export interface Evaluation {
  loss: number;
  accuracy: number;
}

/** Mean binary cross-entropy and accuracy at 0.5 of probabilities against labels. */
export function scoreProbabilities(probabilities: ArrayLike<number>, labels: ArrayLike<number>): Evaluation {
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - EPSILON, Math.max(EPSILON, probabilities[i]));
    loss -= labels[i] * Math.log(p) + (1 - labels[i]) * Math.log(1 - p);
    if (probabilities[i] >= 0.5 === labels[i] >= 0.5) correct++;
  }
  return { loss: loss / labels.length, accuracy: correct / labels.length };
}

/** The trainable part's validation loss and accuracy (inference mode: no dropout). */
export function evaluateSplit(split: ModelSplit, validation: ValidationSet, batchSize = 256): Evaluation {
  const count = validation.labels.length;
  const probabilities = new Float32Array(count);
  for (let start = 0; start < count; start += batchSize) {
    const size = Math.min(batchSize, count - start);
    const values = tf.tidy(() => {
      const chunk = tf.slice(validation.features, start, size);
      return (split.trainable.predict(chunk) as tf.Tensor).dataSync();
    });
    probabilities.set(values, start);
  }
  return scoreProbabilities(probabilities, validation.labels);
}

/** The epoch's order of training images, shuffled reproducibly. */
export function epochOrder(count: number, seed: number, epoch: number): number[] {
  const random = mulberry32((seed * 7919 + epoch * 104729) >>> 0);
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  // Adam reads this field on every step; tfjs exposes no setter.
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

/** Keeps PREFETCH feature requests in flight ahead of training, across epoch boundaries. */
class BatchStream {
  private readonly inFlight: Promise<Float32Array>[] = [];
  private next = 0;

  constructor(
    private readonly plan: { epoch: number; indices: number[] }[],
    private readonly source: BatchSource,
  ) {
    this.fill();
  }

  async take(): Promise<Float32Array> {
    const batch = this.inFlight.shift();
    if (!batch) throw new Error('no batch left in the plan');
    this.fill();
    return batch;
  }

  /** Waits for requests still in flight (after early stopping) so the source is idle for the next phase. */
  async drain(): Promise<void> {
    await Promise.allSettled(this.inFlight.splice(0));
  }

  private fill(): void {
    while (this.inFlight.length < PREFETCH && this.next < this.plan.length) {
      const { epoch, indices } = this.plan[this.next++];
      const request = this.source(indices, epoch);
      request.catch(() => undefined); // surfaced by take()
      this.inFlight.push(request);
    }
  }
}

/**
 * One training phase with Adam on the trainable part of `split`: per-batch learning-rate schedule, per-epoch
 * validation, early stopping on validation loss and, at the end, the weights of the best epoch.
 */
export async function trainPhase(options: PhaseOptions): Promise<PhaseResult> {
  const { phase, split, config, batchSize, trainLabels, validation, progress } = options;
  const started = performance.now();
  const count = trainLabels.length;
  const stepsPerEpoch = Math.ceil(count / batchSize);
  const plan = Array.from({ length: config.epochs }, (_, e) =>
    epochOrder(count, options.seed, e + 1),
  ).flatMap((order, e) =>
    Array.from({ length: stepsPerEpoch }, (_, step) => ({
      epoch: e + 1,
      indices: order.slice(step * batchSize, (step + 1) * batchSize),
    })),
  );
  const stream = new BatchStream(plan, options.source);
  const optimizer = tf.train.adam(config.learningRate);
  const variables = split.trainable.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const stopping = new EarlyStopping(config.earlyStopping, options.baselineValLoss);
  let best =
    options.baselineValLoss !== undefined && validation ? WeightSnapshot.of(split.trainable) : undefined;
  const history: TrainingHistoryRow[] = [];
  let stoppedEarly = false;
  progress.startPhase(
    phase === 'head' ? 'phase 1 (head)' : 'phase 2 (fine-tune)',
    plan.length,
    config.epochs,
  );

  try {
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      const epochStarted = performance.now();
      let lossSum = 0;
      let correct = 0;
      let learningRate = config.learningRate;
      for (let step = 0; step < stepsPerEpoch; step++) {
        const { indices } = plan[(epoch - 1) * stepsPerEpoch + step];
        const features = await stream.take();
        learningRate = learningRateAt(
          config.learningRate,
          config.schedule,
          epoch - 1 + step / stepsPerEpoch,
          config.epochs,
        );
        setLearningRate(optimizer, learningRate);
        const [batchLoss, batchCorrect] = trainStep(
          split,
          optimizer,
          variables,
          features,
          indices,
          trainLabels,
        );
        lossSum += batchLoss * indices.length;
        correct += batchCorrect;
        const seen = Math.min(count, (step + 1) * batchSize);
        progress.step({ epoch, epochs: config.epochs, loss: lossSum / seen, accuracy: correct / seen });
      }
      const row: TrainingHistoryRow = {
        phase,
        epoch,
        loss: lossSum / count,
        accuracy: correct / count,
        val_loss: null,
        val_accuracy: null,
        lr: learningRate,
      };
      let decision = { improved: false, stop: false };
      if (validation) {
        const scored = evaluateSplit(split, validation);
        row.val_loss = scored.loss;
        row.val_accuracy = scored.accuracy;
        decision = stopping.update(epoch, scored.loss);
        if (decision.improved) {
          best?.dispose();
          best = WeightSnapshot.of(split.trainable);
        }
      }
      history.push(row);
      const seconds = (performance.now() - epochStarted) / 1000;
      progress.message(formatEpoch(row, config.epochs, seconds, decision.improved));
      await options.onEpoch?.(row, seconds);
      if (decision.stop) {
        stoppedEarly = epoch < config.epochs;
        if (stoppedEarly)
          progress.message(
            `  early stopping: no val_loss improvement for ${config.earlyStopping.patience} epochs`,
          );
        break;
      }
    }
  } finally {
    progress.endPhase();
    await stream.drain();
    optimizer.dispose();
  }
  if (best) {
    best.restore(split.trainable);
    best.dispose();
  }
  return {
    phase,
    epochsRun: history.length,
    bestEpoch: validation ? stopping.bestEpoch : history.length,
    bestValLoss: validation && Number.isFinite(stopping.bestValLoss) ? stopping.bestValLoss : null,
    stoppedEarly,
    seconds: (performance.now() - started) / 1000,
    history,
  };
}

/** One Adam step on a batch; returns the batch's mean loss and its number of correct predictions. */
function trainStep(
  split: ModelSplit,
  optimizer: tf.Optimizer,
  variables: tf.Variable[],
  features: Float32Array,
  indices: number[],
  trainLabels: Float32Array,
): [number, number] {
  const kept: { correct?: tf.Tensor } = {};
  const loss = tf.tidy(() => {
    const x = tf.tensor(features, [indices.length, ...split.featureShape]);
    const y = tf.tensor2d(
      indices.map((index) => trainLabels[index]),
      [indices.length, 1],
    );
    return optimizer.minimize(
      () => {
        const p = split.trainable.apply(x, { training: true }) as tf.Tensor;
        kept.correct = tf.keep(
          tf.sum(tf.cast(tf.equal(tf.greaterEqual(p, 0.5), tf.greaterEqual(y, 0.5)), 'int32')),
        );
        return tf.mean(tf.metrics.binaryCrossentropy(y, p)) as tf.Scalar;
      },
      true,
      variables,
    ) as tf.Scalar;
  });
  const result: [number, number] = [loss.dataSync()[0], kept.correct?.dataSync()[0] ?? 0];
  tf.dispose([loss, kept.correct ?? []]);
  return result;
}

function formatEpoch(row: TrainingHistoryRow, epochs: number, seconds: number, improved: boolean): string {
  const phase = row.phase === 'head' ? 'head' : 'fine-tune';
  const validation =
    row.val_loss === null
      ? ''
      : ` | val_loss ${row.val_loss.toFixed(4)} val_acc ${(row.val_accuracy ?? 0).toFixed(4)}${improved ? ' (best)' : ''}`;
  return (
    `${phase} epoch ${row.epoch}/${epochs}: loss ${row.loss.toFixed(4)} acc ${row.accuracy.toFixed(4)}` +
    `${validation} | lr ${row.lr.toExponential(2)} | ${seconds.toFixed(1)}s`
  );
}
