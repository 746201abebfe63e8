import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { evaluateModel } from '../evaluation/evaluate';
import { TRAINING_HISTORY_FILE, type TrainingHistoryRow } from '../evaluation/history';
import type { TrackedRun } from '../tracking';
import { resolveConfigPath } from './config';
import type { FeatureExtractor } from './feature-extractor';
import { evaluationMetrics, type TrainingResult } from './training-result';

/* What a training run records besides its model: evaluation, tracking metrics and artifacts, summary.json. */

export async function evaluateRun(
  result: TrainingResult,
  run: TrackedRun,
  log: (line: string) => void,
  command?: string,
) {
  const started = performance.now();
  const voc = result.config.evaluation.voc.map(resolveConfigPath).filter((dir) => {
    const found = existsSync(dir);
    if (!found) log(`[train] skipping VOC evaluation of ${dir}: not found`);
    return found;
  });
  const outDir = path.join(result.runDir, 'evaluation');
  const report = await evaluateModel({
    model: result.onnx?.file ?? '',
    data: result.dataset.dir,
    split: result.config.evaluation.split,
    voc,
    outDir,
    historyPath: path.join(result.runDir, TRAINING_HISTORY_FILE),
    command,
    run,
    log,
  });
  result.evaluation = { file: path.join(outDir, 'evaluation.json'), sets: evaluationMetrics(report) };
  result.seconds.evaluation = (performance.now() - started) / 1000;
}

export async function finishRun(run: TrackedRun, result: TrainingResult, runDir: string): Promise<void> {
  const metrics: Record<string, number> = {
    head_seconds: result.seconds.head,
    fine_tune_seconds: result.seconds.fineTune,
    total_seconds: result.seconds.total,
  };
  if (result.valLossBeforeFineTune !== null) metrics.val_loss_before_fine_tune = result.valLossBeforeFineTune;
  if (result.valLossAfterFineTune !== null) metrics.val_loss_after_fine_tune = result.valLossAfterFineTune;
  for (const change of result.fineTunedWeights) {
    metrics[`weight_change.${change.weight.replace(/[^\w./-]/g, '_')}`] = change.relativeChange;
  }
  await run.logMetrics(metrics);
  if (result.onnx) await run.setTags({ 'maskd.onnx.sha256': result.onnx.sha256 });
  await writeFile(path.join(runDir, 'summary.json'), `${JSON.stringify(result, null, 2)}\n`);
  for (const file of ['config.yaml', TRAINING_HISTORY_FILE, 'summary.json'])
    await run.logArtifact(path.join(runDir, file));
  await run.logArtifacts(result.model.checkpointDir, 'model/tfjs');
  if (result.onnx) await run.logArtifact(result.onnx.file, 'model');
  if (result.modelCard) await run.logArtifact(result.modelCard, 'model');
  await run.end('FINISHED');
}

export function epochMetrics(row: TrainingHistoryRow, seconds: number): Record<string, number> {
  const metrics: Record<string, number> = {
    loss: row.loss,
    accuracy: row.accuracy,
    lr: row.lr,
    epoch_seconds: seconds,
  };
  if (row.val_loss !== null) metrics.val_loss = row.val_loss;
  if (row.val_accuracy !== null) metrics.val_accuracy = row.val_accuracy;
  return metrics;
}

export function workerThroughput(extractor: FeatureExtractor): TrainingResult['featureWorker'] {
  const { images, prepareMs, inferMs } = extractor.timings;
  return {
    images,
    prepareMsPerImage: prepareMs / Math.max(images, 1),
    inferMsPerImage: inferMs / Math.max(images, 1),
  };
}

/** The config as MLflow params: dotted keys, lists as JSON. */
export function flatten(value: unknown, prefix = ''): Record<string, string | number | boolean> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { [prefix]: Array.isArray(value) ? JSON.stringify(value) : (value as string | number | boolean) };
  }
  return Object.assign(
    {},
    ...Object.entries(value).map(([key, inner]) => flatten(inner, prefix ? `${prefix}.${key}` : key)),
  );
}

export function prefixed(prefix: string, values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [`${prefix}${key}`, value]));
}
