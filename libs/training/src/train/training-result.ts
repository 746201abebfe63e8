import type { EvaluationReport, SetEvaluation } from '../evaluation/types';
import type { GitInfo } from '../tracking';
import type { TrainingConfig } from './config';
import type { ExportedModel } from './export-model';
import type { PhaseResult } from './train-phase';
import type { WeightChange } from './weight-changes';

export interface PhaseSummary extends Omit<PhaseResult, 'history'> {
  /** The layer the model was split at: below it frozen (onnxruntime), above it trained (tfjs). */
  cutLayer: string;
  trainableParameters: number;
}

export interface SetMetrics {
  name: string;
  count: number;
  accuracy: number;
  f1: number;
  rocAuc: number | null;
}

/** What `trainModel` returns and writes to `<run dir>/summary.json`. */
export interface TrainingResult {
  runId: string;
  runDir: string;
  experiment: string;
  trackingUri: string;
  config: TrainingConfig;
  /** The code the run was trained with (a dirty tree means the commit alone does not reproduce it). */
  source?: GitInfo;
  dataset: { dir: string; manifestSha256: string; splits: Record<string, number> };
  backend: string;
  model: { alpha: number; inputSize: number; checkpointDir: string };
  phases: PhaseSummary[];
  /** Validation loss of the phase-1 model, measured through phase 2's split (null without validation). */
  valLossBeforeFineTune: number | null;
  /** Validation loss of the model the run ends with. */
  valLossAfterFineTune: number | null;
  /** How far every fine-tuned weight moved in phase 2 (relative L2 change). */
  fineTunedWeights: WeightChange[];
  /** Every weight below the phase-2 cut is bit-identical after training (null when phase 2 did not run). */
  frozenWeightsUnchanged: boolean | null;
  onnx?: ExportedModel;
  modelCard?: string;
  evaluation?: { file: string; sets: SetMetrics[] };
  /** Frozen-part throughput of the feature worker (augmentation + preprocessing, onnxruntime). */
  featureWorker: { images: number; prepareMsPerImage: number; inferMsPerImage: number };
  seconds: Record<'decode' | 'head' | 'fineTune' | 'export' | 'evaluation' | 'total', number>;
}

export function setMetrics(set: SetEvaluation): SetMetrics {
  return {
    name: set.name,
    count: set.count,
    accuracy: set.atThreshold.accuracy,
    f1: set.atThreshold.macro.f1,
    rocAuc: set.summary.rocAuc,
  };
}

export function evaluationMetrics(report: EvaluationReport): SetMetrics[] {
  return [setMetrics(report.split), ...report.voc.map((voc) => setMetrics(voc.binary))];
}

const seconds = (value: number) =>
  value >= 120 ? `${(value / 60).toFixed(1)} min` : `${value.toFixed(1)} s`;
const fixed = (value: number | null, digits = 4) => (value === null ? 'n/a' : value.toFixed(digits));

/** The end-of-run summary printed by `npm run train`. */
export function formatTrainingSummary(result: TrainingResult): string {
  const lines = [
    '',
    `Training run ${result.runId} finished in ${seconds(result.seconds.total)} (tfjs backend ${result.backend})`,
    `  run folder   ${result.runDir}`,
    `  data         ${result.dataset.dir} (manifest ${result.dataset.manifestSha256.slice(0, 12)}; ` +
      `${Object.entries(result.dataset.splits)
        .map(([split, count]) => `${split} ${count}`)
        .join(', ')})`,
    `  decode       ${seconds(result.seconds.decode)}`,
  ];
  for (const phase of result.phases) {
    const name = phase.phase === 'head' ? 'phase 1 head' : 'phase 2 fine-tune';
    lines.push(
      `  ${name.padEnd(12)} ${seconds(phase.seconds)}: ${phase.epochsRun} epochs${phase.stoppedEarly ? ' (stopped early)' : ''}, ` +
        `best epoch ${phase.bestEpoch ?? 'none (kept the starting weights)'}, best val_loss ${fixed(phase.bestValLoss)}; ` +
        `trained above ${phase.cutLayer} (${phase.trainableParameters.toLocaleString('en')} parameters)`,
    );
  }
  if (result.phases.length > 1) {
    lines.push(
      `  val_loss     before fine-tuning ${fixed(result.valLossBeforeFineTune)}, after ${fixed(result.valLossAfterFineTune)}`,
    );
    const changes = result.fineTunedWeights.filter((change) => /kernel$/.test(change.weight));
    lines.push(
      `  fine-tuned   ${changes.map((c) => `${c.weight.replace(/\/\w*kernel$/, '')} ${(100 * c.relativeChange).toFixed(2)}%`).join(', ')}`,
      `  frozen       ${result.frozenWeightsUnchanged ? 'unchanged (bit-identical)' : 'CHANGED'}`,
    );
  }
  if (result.onnx) {
    lines.push(
      `  export       ${seconds(result.seconds.export)}: ${result.onnx.file} (${(result.onnx.bytes / 1e6).toFixed(1)} MB), ` +
        `parity max |diff| ${result.onnx.parity.maxAbsDiff.toExponential(1)} on ${result.onnx.parity.images} images`,
    );
  }
  if (result.evaluation) {
    lines.push(`  evaluation   ${seconds(result.seconds.evaluation)}: ${result.evaluation.file}`);
    for (const set of result.evaluation.sets) {
      lines.push(
        `    ${set.name}: n=${set.count} accuracy ${fixed(set.accuracy)} F1 ${fixed(set.f1)} ROC-AUC ${fixed(set.rocAuc)}`,
      );
    }
  }
  lines.push(`  tracking     ${result.trackingUri} (experiment ${result.experiment})`);
  return lines.join('\n');
}
