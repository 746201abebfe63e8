import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { datasetTags, type TrackedRun } from '../tracking';
import { EVALUATION_FILE, PREDICTIONS_FILE, type EvaluationReport, type SetEvaluation } from './types';

/*
 * What an evaluation records in MLflow. Params carry an `eval.` prefix because MLflow params are immutable and
 * the trainer's run (which the trainer passes in) already has its own; metric keys start with the set they
 * describe (`test_`, `val_`, `voc_<dataset>_`) so one run can hold several evaluations.
 */

const BUCKET_KEYS: Record<string, string> = { '<32': 'under_32', '32-64': '32_64', '>64': 'over_64' };

const metricKey = (text: string): string => text.replace(/[^A-Za-z0-9_./ -]+/g, '_');

function setMetrics(prefix: string, set: SetEvaluation): Record<string, number> {
  const m = set.atThreshold;
  const metrics: Record<string, number> = {
    [`${prefix}_accuracy`]: m.accuracy,
    [`${prefix}_balanced_accuracy`]: m.balancedAccuracy,
    [`${prefix}_f1_macro`]: m.macro.f1,
    [`${prefix}_brier_score`]: set.summary.brierScore,
    [`${prefix}_log_loss`]: set.summary.logLoss,
    [`${prefix}_count`]: set.count,
  };
  for (const c of m.perClass) {
    metrics[`${prefix}_precision_${c.className}`] = c.precision;
    metrics[`${prefix}_recall_${c.className}`] = c.recall;
    metrics[`${prefix}_f1_${c.className}`] = c.f1;
  }
  if (set.summary.rocAuc !== null) metrics[`${prefix}_roc_auc`] = set.summary.rocAuc;
  if (set.summary.averagePrecision !== null)
    metrics[`${prefix}_average_precision`] = set.summary.averagePrecision;
  if (set.atTunedThreshold) metrics[`${prefix}_accuracy_at_tuned_threshold`] = set.atTunedThreshold.accuracy;
  return metrics;
}

/** The flat metric map of an evaluation, as logged (also handy for model cards and summaries). */
export function evaluationMetrics(report: EvaluationReport): Record<string, number> {
  const metrics: Record<string, number> = { ...setMetrics(report.dataset.split, report.split) };
  if (report.threshold.tuned)
    metrics[`${report.threshold.tuned.split}_tuned_threshold`] = report.threshold.tuned.threshold;
  for (const voc of report.voc) {
    const prefix = metricKey(`voc_${voc.dataset}`);
    Object.assign(metrics, setMetrics(prefix, voc.binary));
    for (const bucket of voc.bySize)
      metrics[`${prefix}_accuracy_size_${BUCKET_KEYS[bucket.bucket]}`] = bucket.accuracy;
    if (voc.incorrectlyWorn.count > 0) {
      metrics[`${prefix}_incorrectly_worn_predicted_without_mask`] =
        voc.incorrectlyWorn.predictedWithoutMask / voc.incorrectlyWorn.count;
    }
  }
  return Object.fromEntries(Object.entries(metrics).map(([key, value]) => [metricKey(key), value]));
}

/** Logs params, metrics, tags and the evaluation's files (json, csv, report, figures) into `run`. */
export async function logEvaluation(
  run: TrackedRun,
  report: EvaluationReport,
  outDir: string,
): Promise<void> {
  await run.logParams({
    'eval.model': report.model.path,
    'eval.model_kind': report.model.kind,
    'eval.model_sha256': report.model.sha256,
    'eval.split': report.dataset.split,
    'eval.threshold': report.threshold.value,
    'eval.threshold_source': report.threshold.source,
    ...(report.threshold.tuned ? { 'eval.threshold_criterion': report.threshold.tuned.criterion } : {}),
    ...(report.voc.length > 0
      ? {
          'eval.voc_datasets': report.voc.map((v) => v.dataset).join(','),
          'eval.face_crop_margin': report.voc[0].margin,
          'eval.min_face_size': report.voc[0].minFaceSize,
        }
      : {}),
  });
  await run.logMetrics(evaluationMetrics(report));
  await run.setTags({
    ...datasetTags(report.dataset.manifestSha256),
    'maskd.eval.model_sha256': report.model.sha256,
    ...(report.model.trainingRunId ? { 'maskd.eval.training_run_id': report.model.trainingRunId } : {}),
  });
  for (const file of [EVALUATION_FILE, PREDICTIONS_FILE, 'evaluation_report.md']) {
    if (existsSync(join(outDir, file))) await run.logArtifact(join(outDir, file), 'evaluation');
  }
  if (existsSync(join(outDir, 'figures')))
    await run.logArtifacts(join(outDir, 'figures'), 'evaluation/figures');
}
