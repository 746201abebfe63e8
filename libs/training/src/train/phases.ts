import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { TrainingHistoryRow, TrainingPhase } from '../evaluation/history';
import { exportToOnnx } from '../onnx/export';
import type { TrainingConfig } from './config';
import type { FeatureExtractor } from './feature-extractor';
import { fineTuneCutLayer, HEAD_CUT_LAYER, splitModel, type ModelSplit } from './model-split';
import type { TrainingProgress } from './progress';
import { evaluateSplit, trainPhase, type ValidationSet } from './train-phase';
import type { PhaseSummary, TrainingResult } from './training-result';
import { captureWeights, weightChanges } from './weight-changes';

/** What both phases share. */
export interface PhaseContext {
  config: TrainingConfig;
  features: FeatureExtractor;
  trainLabels: Float32Array;
  validation: { paths: string[]; labels: Float32Array };
  progress: TrainingProgress;
  log: (line: string) => void;
  onEpoch: (row: TrainingHistoryRow, seconds: number) => void;
}

export interface FineTuneOutcome {
  summary: PhaseSummary;
  valLossBefore: number | null;
  valLossAfter: number | null;
  fineTunedWeights: TrainingResult['fineTunedWeights'];
  frozenWeightsUnchanged: boolean;
}

/** Validation images go through the frozen part in requests of this many. */
const FEATURE_CHUNK = 64;
/** Augmentation streams of phase 2 start here, so they do not repeat phase 1's epochs. */
const FINE_TUNE_EPOCH_OFFSET = 1000;

/**
 * Phase 1: the head on the whole frozen backbone (cut at the pooled features). The main thread has little to do,
 * so onnxruntime gets every core.
 */
export async function runHeadPhase(context: PhaseContext, classifier: tf.LayersModel): Promise<PhaseSummary> {
  const split = splitModel(classifier, HEAD_CUT_LAYER, context.config.seed);
  try {
    const { summary } = await runSplit(context, 'head', split, os.availableParallelism());
    split.writeBack();
    return summary;
  } finally {
    split.dispose();
  }
}

/**
 * Phase 2: the top blocks and the head, trained in tfjs beside a one-thread onnxruntime. It must beat the
 * validation loss it starts from, else the starting weights are kept. Checks that the fine-tuned weights moved and
 * that every weight below the cut is bit-identical afterwards.
 */
export async function runFineTunePhase(
  context: PhaseContext,
  classifier: tf.LayersModel,
): Promise<FineTuneOutcome> {
  const cut = fineTuneCutLayer(classifier, context.config.fineTune.unfreezeBlocks);
  const split = splitModel(classifier, cut, context.config.seed + 1);
  try {
    const frozenLayers = layersWithWeights(classifier).filter(
      (name) => !split.trainableLayers.includes(name),
    );
    const frozenBefore = captureWeights(classifier, frozenLayers);
    // Measured where training happens: the folded (conv + BN) weights of the trainable part.
    const tunedBefore = captureWeights(split.trainable, layersWithWeights(split.trainable));
    const { summary, valLossBefore } = await runSplit(context, 'fine_tune', split, 1);
    const fineTunedWeights = weightChanges(tunedBefore, split.trainable);
    split.writeBack();
    const frozenWeightsUnchanged = weightChanges(frozenBefore, classifier).every(
      (change) => change.maxAbsChange === 0,
    );
    const valLossAfter = summary.bestValLoss ?? valLossBefore;
    context.log(
      `[train] val_loss before fine-tuning ${valLossBefore?.toFixed(4) ?? 'n/a'}, after ${valLossAfter?.toFixed(4) ?? 'n/a'}` +
        `${summary.bestEpoch === null ? ' (no epoch beat it: phase 1 weights kept)' : ''}; ` +
        `weights below ${cut} ${frozenWeightsUnchanged ? 'unchanged' : 'CHANGED'}`,
    );
    return { summary, valLossBefore, valLossAfter, fineTunedWeights, frozenWeightsUnchanged };
  } finally {
    split.dispose();
  }
}

/** Loads the frozen part into the worker, computes the validation features, trains; times all of it. */
async function runSplit(
  context: PhaseContext,
  phase: TrainingPhase,
  split: ModelSplit,
  onnxThreads: number,
): Promise<{ summary: PhaseSummary; valLossBefore: number | null }> {
  const started = performance.now();
  const { config, features } = context;
  await features.loadModel(exportToOnnx(split.frozen, { outputNames: ['features'] }), onnxThreads);
  const validation = await validationSet(context, split);
  try {
    const valLossBefore = phase === 'fine_tune' && validation ? evaluateSplit(split, validation).loss : null;
    if (valLossBefore !== null) {
      context.log(
        `[train] phase 2 starts from val_loss ${valLossBefore.toFixed(4)}, trained above ${split.cutLayer}`,
      );
    }
    const epochOffset = phase === 'head' ? 0 : FINE_TUNE_EPOCH_OFFSET;
    const { history: _history, ...result } = await trainPhase({
      phase,
      split,
      config: phase === 'head' ? config.head : config.fineTune,
      batchSize: config.batchSize,
      seed: config.seed + epochOffset,
      trainLabels: context.trainLabels,
      source: (indices, epoch) =>
        features.trainBatch(indices, epoch + epochOffset, config.augmentation.enabled),
      validation,
      baselineValLoss: valLossBefore ?? undefined,
      progress: context.progress,
      onEpoch: context.onEpoch,
    });
    const seconds = (performance.now() - started) / 1000;
    const summary = {
      ...result,
      seconds,
      cutLayer: split.cutLayer,
      trainableParameters: split.trainable.countParams(),
    };
    return { summary, valLossBefore };
  } finally {
    validation?.features.dispose();
  }
}

async function validationSet(context: PhaseContext, split: ModelSplit): Promise<ValidationSet | null> {
  const { paths, labels } = context.validation;
  if (paths.length === 0) return null;
  const chunks: Promise<Float32Array>[] = [];
  for (let start = 0; start < paths.length; start += FEATURE_CHUNK) {
    chunks.push(context.features.fileBatch(paths.slice(start, start + FEATURE_CHUNK)));
  }
  const parts = await Promise.all(chunks);
  const data = new Float32Array(parts.reduce((n, part) => n + part.length, 0));
  parts.reduce((offset, part) => (data.set(part, offset), offset + part.length), 0);
  return { features: tf.tensor(data, [paths.length, ...split.featureShape]), labels };
}

function layersWithWeights(model: tf.LayersModel): string[] {
  return model.layers.filter((layer) => layer.weights.length > 0).map((layer) => layer.name);
}
