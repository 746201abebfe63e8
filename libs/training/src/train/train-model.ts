import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { stringify as toYaml } from 'yaml';
import { entriesOfSplit, type PreparedDataset } from '../data/prepared-dataset';
import { TRAINING_HISTORY_FILE, type TrainingHistoryRow } from '../evaluation/history';
import { initTensorflow } from '../model/backend';
import { buildMaskClassifier, inspectMobileNetV2 } from '../model/classifier';
import { saveLayersModel } from '../model/io';
import { registerWasmGradientKernels } from '../model/wasm-gradients';
import { exportToOnnx } from '../onnx/export';
import { createTracker, datasetTags } from '../tracking';
import { resolveConfigPath, type TrainingConfig } from './config';
import { exportTrainedModel } from './export-model';
import { FeatureExtractor } from './feature-extractor';
import { fineTuneCutLayer, HEAD_CUT_LAYER, splitModel, type ModelSplit } from './model-split';
import { writeRunModelCard } from './model-card';
import { lineProgress, type TrainingProgress } from './progress';
import { evaluateSplit, trainPhase, type PhaseResult, type ValidationSet } from './train-phase';
import { epochMetrics, evaluateRun, finishRun, flatten, prefixed, workerThroughput } from './run-record';
import type { PhaseSummary, TrainingResult } from './training-result';
import { captureWeights, weightChanges } from './weight-changes';

export interface TrainModelOptions {
  log?: (line: string) => void;
  progress?: TrainingProgress;
  /** The command line, recorded with the run. */
  command?: string;
}

/** Validation images are run through the frozen part in requests of this many. */
const FEATURE_CHUNK = 64;

/**
 * Trains the mask classifier on a prepared dataset as `config` says: phase 1 fits the head on the frozen ImageNet
 * backbone, phase 2 fine-tunes the top blocks with the head; then the best checkpoint is saved, exported to ONNX
 * (checked against tfjs) and evaluated. Everything lands in `<runsDir>/<run id>/` and the MLflow tracking store.
 */
export async function trainModel(
  config: TrainingConfig,
  dataset: PreparedDataset,
  options: TrainModelOptions = {},
): Promise<TrainingResult> {
  const started = performance.now();
  const log = options.log ?? ((line: string) => console.log(line));
  const progress = options.progress ?? lineProgress(log);
  const backend = await initTensorflow({ log });
  registerWasmGradientKernels();

  const train = entriesOfSplit(dataset, 'train');
  const val = entriesOfSplit(dataset, 'val');
  if (train.length === 0) throw new Error(`the prepared dataset ${dataset.dir} has no training images`);
  const splits = Object.fromEntries(
    ['train', 'val', 'test'].map((s) => [s, entriesOfSplit(dataset, s as never).length]),
  );

  const tracker = createTracker({ trackingUri: config.output.trackingUri });
  const run = await tracker.startRun({
    experimentName: config.experiment,
    runName: config.runName,
    tags: { ...datasetTags(dataset.manifestSha256), 'maskd.stage': 'train' },
  });
  const runDir = path.join(resolveConfigPath(config.output.runsDir), run.id);
  await mkdir(runDir, { recursive: true });
  log(`[train] run ${run.id} -> ${runDir}`);
  await writeFile(path.join(runDir, 'config.yaml'), toYaml(config));
  await run.logParams({
    ...flatten(config),
    'dataset.dir': dataset.dir,
    ...prefixed('dataset.', splits),
    backend: backend.name,
  });

  const seconds = { decode: 0, head: 0, fineTune: 0, export: 0, evaluation: 0, total: 0 };
  const history: TrainingHistoryRow[] = [];
  let extractor: FeatureExtractor | undefined;
  try {
    const classifier = await buildMaskClassifier({
      weights: resolveConfigPath(config.model.weights),
      headUnits: config.model.headUnits,
      dropout: config.model.dropout,
      seed: config.seed,
    });
    const { alpha, inputSize } = inspectMobileNetV2(classifier);
    log(
      `[train] MobileNetV2 alpha ${alpha}, ${inputSize}x${inputSize}; ${train.length} training, ${val.length} validation images`,
    );

    extractor = FeatureExtractor.start({
      trainPaths: train.map((entry) => entry.absolutePath),
      inputSize,
      augmentation: config.augmentation,
      seed: config.seed,
    });
    const decodeStarted = performance.now();
    const bytes = await extractor.decodeTrainingImages();
    seconds.decode = (performance.now() - decodeStarted) / 1000;
    log(
      `[train] decoded ${train.length} training images in ${seconds.decode.toFixed(1)} s (${(bytes / 1e6).toFixed(0)} MB)`,
    );

    const trainLabels = Float32Array.from(train, (entry) => entry.label);
    const features = extractor;
    let globalEpoch = 0;
    const runPhase = async (
      phase: 'head' | 'fine_tune',
      split: ModelSplit,
      onnxThreads: number,
      baselineValLoss?: number,
    ): Promise<{ result: PhaseResult; validation: ValidationSet | null; summary: PhaseSummary }> => {
      const phaseConfig = phase === 'head' ? config.head : config.fineTune;
      await features.loadModel(exportToOnnx(split.frozen, { outputNames: ['features'] }), onnxThreads);
      const validation = await validationSet(
        features,
        val.map((e) => e.absolutePath),
        Float32Array.from(val, (e) => e.label),
        split,
      );
      const result = await trainPhase({
        phase,
        split,
        config: phaseConfig,
        batchSize: config.batchSize,
        seed: config.seed + (phase === 'head' ? 0 : 1000),
        trainLabels,
        source: (indices, epoch) =>
          features.trainBatch(indices, epoch + (phase === 'head' ? 0 : 1000), config.augmentation.enabled),
        validation,
        baselineValLoss,
        progress,
        onEpoch: (row, epochSeconds) => {
          history.push(row);
          globalEpoch += 1;
          void run.logMetrics(epochMetrics(row, epochSeconds), globalEpoch);
        },
      });
      const trainableParameters = split.trainable.countParams();
      const { history: _, ...rest } = result;
      return { result, validation, summary: { ...rest, cutLayer: split.cutLayer, trainableParameters } };
    };

    // Phase 1: the head on the whole frozen backbone. The main thread is nearly idle, so onnxruntime gets every core.
    const head = splitModel(classifier, HEAD_CUT_LAYER, config.seed);
    const phase1 = await runPhase('head', head, os.availableParallelism(), undefined);
    head.writeBack();
    head.dispose();
    phase1.validation?.features.dispose();
    seconds.head = phase1.summary.seconds;
    const phases: PhaseSummary[] = [phase1.summary];

    let valLossBefore: number | null = phase1.result.bestValLoss;
    let valLossAfter = valLossBefore;
    let fineTunedWeights: TrainingResult['fineTunedWeights'] = [];
    let frozenWeightsUnchanged: boolean | null = null;
    if (config.fineTune.epochs > 0) {
      const cut = fineTuneCutLayer(classifier, config.fineTune.unfreezeBlocks);
      const top = splitModel(classifier, cut, config.seed + 1);
      const frozenLayers = layersWithWeights(classifier).filter(
        (name) => !top.trainableLayers.includes(name),
      );
      const frozenBefore = captureWeights(classifier, frozenLayers);
      // Measured where training happens: the folded (conv + BN) weights of the trainable part.
      const tunedBefore = captureWeights(top.trainable, layersWithWeights(top.trainable));
      const started2 = performance.now();
      // Phase 2: tfjs trains on the main thread, onnxruntime keeps to one thread beside it.
      await features.loadModel(exportToOnnx(top.frozen, { outputNames: ['features'] }), 1);
      const probe = await validationSet(
        features,
        val.map((e) => e.absolutePath),
        Float32Array.from(val, (e) => e.label),
        top,
      );
      valLossBefore = probe ? evaluateSplit(top, probe).loss : null;
      probe?.features.dispose();
      if (valLossBefore !== null)
        log(`[train] val_loss before fine-tuning: ${valLossBefore.toFixed(4)} (cut at ${cut})`);
      const phase2 = await runPhase('fine_tune', top, 1, valLossBefore ?? undefined);
      fineTunedWeights = weightChanges(tunedBefore, top.trainable);
      top.writeBack();
      top.dispose();
      phase2.validation?.features.dispose();
      seconds.fineTune = (performance.now() - started2) / 1000;
      phases.push({ ...phase2.summary, seconds: seconds.fineTune });
      valLossAfter = phase2.result.bestValLoss ?? valLossBefore;
      frozenWeightsUnchanged = weightChanges(frozenBefore, classifier).every(
        (change) => change.maxAbsChange === 0,
      );
      log(
        `[train] val_loss after fine-tuning: ${valLossAfter?.toFixed(4) ?? 'n/a'}; frozen weights ${frozenWeightsUnchanged ? 'unchanged' : 'CHANGED'}`,
      );
    }
    await extractor.close();
    extractor = undefined;

    const checkpointDir = path.join(runDir, 'model');
    await saveLayersModel(classifier, checkpointDir);
    await writeFile(path.join(runDir, TRAINING_HISTORY_FILE), `${JSON.stringify(history, null, 2)}\n`);

    const result: TrainingResult = {
      runId: run.id,
      runDir,
      experiment: config.experiment,
      trackingUri: tracker.trackingUri,
      config,
      dataset: { dir: dataset.dir, manifestSha256: dataset.manifestSha256, splits },
      backend: backend.name,
      model: { alpha, inputSize, checkpointDir },
      phases,
      valLossBeforeFineTune: config.fineTune.epochs > 0 ? valLossBefore : null,
      valLossAfterFineTune: valLossAfter,
      fineTunedWeights,
      frozenWeightsUnchanged,
      featureWorker: workerThroughput(features),
      seconds,
    };

    if (config.export.enabled) {
      const exportStarted = performance.now();
      const parityEntries = [...entriesOfSplit(dataset, 'test'), ...val, ...train].slice(
        0,
        config.export.parityImages,
      );
      result.onnx = await exportTrainedModel(classifier, {
        file: path.join(runDir, config.export.fileName),
        modelVersion: config.export.modelVersion,
        runId: run.id,
        parityImages: parityEntries.map((entry) => entry.absolutePath),
        tolerance: config.export.parityTolerance,
      });
      seconds.export = (performance.now() - exportStarted) / 1000;
      log(
        `[train] exported ${result.onnx.file}: parity max |diff| ${result.onnx.parity.maxAbsDiff.toExponential(2)} on ${result.onnx.parity.images} real images`,
      );
      if (config.evaluation.enabled) await evaluateRun(result, run, log, options.command);
      result.modelCard = await writeRunModelCard(result);
    }
    seconds.total = (performance.now() - started) / 1000;
    await finishRun(run, result, runDir);
    classifier.dispose();
    return result;
  } catch (error) {
    await extractor?.close();
    await run.end('FAILED');
    throw error;
  }
}

function layersWithWeights(model: tf.LayersModel): string[] {
  return model.layers.filter((layer) => layer.weights.length > 0).map((layer) => layer.name);
}

async function validationSet(
  extractor: FeatureExtractor,
  paths: string[],
  labels: Float32Array,
  split: ModelSplit,
): Promise<ValidationSet | null> {
  if (paths.length === 0) return null;
  const chunks: Promise<Float32Array>[] = [];
  for (let start = 0; start < paths.length; start += FEATURE_CHUNK) {
    chunks.push(extractor.fileBatch(paths.slice(start, start + FEATURE_CHUNK)));
  }
  const parts = await Promise.all(chunks);
  const data = new Float32Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    data.set(part, offset);
    offset += part.length;
  }
  return { features: tf.tensor(data, [paths.length, ...split.featureShape]), labels };
}
