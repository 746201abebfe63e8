import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { SPLITS } from '../data/manifest';
import { entriesOfSplit, type PreparedDataset } from '../data/prepared-dataset';
import { TRAINING_HISTORY_FILE, type TrainingHistoryRow } from '../evaluation/history';
import { initTensorflow } from '../model/backend';
import { buildMaskClassifier, inspectMobileNetV2 } from '../model/classifier';
import { saveLayersModel } from '../model/io';
import { registerWasmGradientKernels } from '../model/wasm-gradients';
import { createTracker, datasetTags, gitInfoFromTags } from '../tracking';
import { resolveConfigPath, type TrainingConfig } from './config';
import { exportTrainedModel } from './export-model';
import { FeatureExtractor } from './feature-extractor';
import { writeRunModelCard } from './model-card';
import { runFineTunePhase, runHeadPhase, type PhaseContext } from './phases';
import { lineProgress, type TrainingProgress } from './progress';
import { epochMetrics, evaluateRun, finishRun, flatten, prefixed, workerThroughput } from './run-record';
import type { PhaseSummary, TrainingResult } from './training-result';

export interface TrainModelOptions {
  log?: (line: string) => void;
  progress?: TrainingProgress;
  /** The command line, recorded with the run. */
  command?: string;
}

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
  const splits = Object.fromEntries(SPLITS.map((split) => [split, entriesOfSplit(dataset, split).length]));

  const tracker = createTracker({ trackingUri: config.output.trackingUri });
  const run = await tracker.startRun({
    experimentName: config.experiment,
    runName: config.runName,
    tags: { ...datasetTags(dataset.manifestSha256), 'maskd.stage': 'train' },
  });
  const runDir = path.join(resolveConfigPath(config.output.runsDir), run.id);
  await mkdir(runDir, { recursive: true });
  log(`[train] run ${run.id} -> ${runDir}`);
  // The code as the run started, as its MLflow tags record it (commits may land while it trains).
  const source = gitInfoFromTags(run.tags);
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

    let globalEpoch = 0;
    const context: PhaseContext = {
      config,
      features: extractor,
      trainLabels: Float32Array.from(train, (entry) => entry.label),
      validation: {
        paths: val.map((entry) => entry.absolutePath),
        labels: Float32Array.from(val, (e) => e.label),
      },
      progress,
      log,
      onEpoch: (row, epochSeconds) => {
        history.push(row);
        void run.logMetrics(epochMetrics(row, epochSeconds), ++globalEpoch);
      },
    };
    const phases: PhaseSummary[] = [await runHeadPhase(context, classifier)];
    seconds.head = phases[0].seconds;
    const fineTune = config.fineTune.epochs > 0 ? await runFineTunePhase(context, classifier) : undefined;
    if (fineTune) {
      phases.push(fineTune.summary);
      seconds.fineTune = fineTune.summary.seconds;
    }
    const featureWorker = workerThroughput(extractor);
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
      source,
      dataset: { dir: dataset.dir, manifestSha256: dataset.manifestSha256, splits },
      backend: backend.name,
      model: { alpha, inputSize, checkpointDir },
      phases,
      valLossBeforeFineTune: fineTune?.valLossBefore ?? null,
      valLossAfterFineTune: fineTune ? fineTune.valLossAfter : phases[0].bestValLoss,
      fineTunedWeights: fineTune?.fineTunedWeights ?? [],
      frozenWeightsUnchanged: fineTune?.frozenWeightsUnchanged ?? null,
      featureWorker,
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
