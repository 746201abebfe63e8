// The model card of a shipped model (`models/<name>.json`): the runtime contract plus everything a user needs to
// judge the model, built from a training run's own records and the release notes (licences, limitations).
import path from 'node:path';
import { DEFAULT_RESIZE_MODE, repoRoot } from '@maskd/imaging';
import { formatAlpha, MASK_CLASS_NAMES, MASK_INPUT_NORMALIZATION } from '../model/classifier';
import { num } from '../markdown';
import { maskModelCard } from '../onnx/model-card';
import type { TrainingConfig } from '../train/config';
import { RUN_EXPORTER, runArchitecture } from '../train/model-card';
import {
  metricsAtThreshold,
  operatingPoint,
  type CardFaceCropMetrics,
  type CardSetMetrics,
  type OperatingPoint,
} from './card-metrics';
import type { ReleaseNotes } from './release-notes';
import type { RunArtifacts } from './run-artifacts';
import type { ThresholdDecision } from './threshold-decision';

export interface ShippedModelCard {
  name: string;
  version: string;
  status: 'trained';
  description: string;
  file: string;
  sha256: string;
  size_bytes: number;
  class_names: [string, string];
  threshold: number;
  threshold_selection: ThresholdDecision & { note?: string; comparison: OperatingPoint[] };
  metrics: { test_split: CardSetMetrics; face_crops: Record<string, CardFaceCropMetrics> };
  training_run_id: string;
  training: {
    run_id: string;
    git_commit: string | null;
    git_dirty: boolean | null;
    mlflow: { tracking_uri: string; experiment: string };
    backend: string;
    seconds: Record<string, number>;
    phases: {
      phase: string;
      epochs_run: number;
      best_epoch: number | null;
      stopped_early: boolean;
      best_val_loss: number | null;
      trained_above: string;
      trainable_parameters: number;
      seconds: number;
    }[];
    val_loss_before_fine_tune: number | null;
    val_loss_after_fine_tune: number | null;
    frozen_weights_unchanged: boolean | null;
    onnx_parity: { images: number; max_abs_diff: number; labels_agree: boolean };
    config: ReturnType<typeof configSummary>;
  };
  dataset: {
    name: string;
    manifest_sha256: string;
    splits: Record<string, number>;
    class_counts?: Record<string, Record<string, number>>;
    dropped?: Record<string, number>;
    source: string;
    licence: string;
  };
  provenance: {
    weights: ReleaseNotes['weights'];
    datasets: ReleaseNotes['datasets'];
    exporter: string;
    onnx_metadata: Record<string, string>;
  };
  licenses: { code: string; weights: string; data: Record<string, string> };
  limitations: string[];
  architecture: Record<string, unknown>;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  format: Record<string, unknown>;
}

/** The recipe in a few fields: what someone comparing two models wants to see side by side. */
function configSummary(config: TrainingConfig) {
  const phase = ({ epochs, learningRate, schedule, earlyStopping }: TrainingConfig['head']) => ({
    epochs,
    learning_rate: learningRate,
    schedule: schedule.type,
    early_stopping_patience: earlyStopping.patience,
  });
  return {
    seed: config.seed,
    batch_size: config.batchSize,
    optimizer: 'Adam',
    backbone_weights: config.model.weights,
    head_units: config.model.headUnits,
    dropout: config.model.dropout,
    head: phase(config.head),
    fine_tune: { ...phase(config.fineTune), unfreeze_blocks: config.fineTune.unfreezeBlocks },
    augmentation: config.augmentation,
  };
}

/** Limitations the numbers show: small faces where a class's recall drops, incorrectly worn masks. */
function measuredLimitations(faceCrops: Record<string, CardFaceCropMetrics>, classNames: string[]): string[] {
  const notes: string[] = [];
  for (const [dataset, metrics] of Object.entries(faceCrops)) {
    const weak = metrics.by_face_size.flatMap((row) =>
      classNames.flatMap((name) => {
        const recall = row.recall[name];
        return recall !== null && recall < 0.9 && row.class_counts[name] >= 10
          ? [
              `${name} recall ${num(recall)} on faces of ${row.face_size_px} px (${row.class_counts[name]} faces)`,
            ]
          : [];
      }),
    );
    if (weak.length > 0) notes.push(`Face crops of ${dataset}: ${weak.join('; ')}.`);
    const incorrect = metrics.mask_weared_incorrect;
    if (incorrect.count > 0) {
      notes.push(
        `Face crops of ${dataset}: ${incorrect.predicted[classNames[0]]} of ${incorrect.count} faces labelled ` +
          `mask_weared_incorrect were called ${classNames[0]}.`,
      );
    }
  }
  return notes;
}

export function shippedModelCard(
  run: RunArtifacts,
  decision: ThresholdDecision,
  notes: ReleaseNotes,
): ShippedModelCard {
  const { summary, evaluation, datasetCard } = run;
  const onnx = summary.onnx;
  if (!onnx) throw new Error(`run ${summary.runId} exported no ONNX model`);
  const classNames = evaluation.model.classNames;
  const shipped = metricsAtThreshold(evaluation, run.predictions, decision.value);
  const atHalf = metricsAtThreshold(evaluation, run.predictions, 0.5);
  const setsAt = (m: typeof shipped) => [m.testSplit, ...Object.values(m.faceCrops)];
  // Each set at 0.5 (the untuned default) and at the shipped threshold, side by side.
  const comparison = setsAt(shipped).flatMap((set, i) =>
    (decision.value === 0.5 ? [set] : [setsAt(atHalf)[i], set]).map(operatingPoint),
  );
  const datasetName = datasetCard?.name ?? path.basename(summary.dataset.dir);
  const datasetNotes = notes.datasets[datasetName];
  const base = maskModelCard({
    name: path.basename(onnx.file, '.onnx'),
    version: summary.config.export.modelVersion,
    onnx: { ...onnx, file: path.basename(onnx.file) },
    classNames: MASK_CLASS_NAMES,
    inputSize: summary.model.inputSize,
    normalization: MASK_INPUT_NORMALIZATION,
    resizeMode: DEFAULT_RESIZE_MODE,
    threshold: decision.value,
    status: 'trained',
    description:
      `MobileNetV2 ${formatAlpha(summary.model.alpha)}/${summary.model.inputSize} (ImageNet) fine-tuned by maskd's ` +
      `training pipeline (run ${summary.runId}) to tell ${MASK_CLASS_NAMES.join(' from ')} on a face crop; ` +
      `outputs P(${MASK_CLASS_NAMES[1]}).`,
    trainingRunId: summary.runId,
    architecture: runArchitecture(summary),
    provenance: {},
    licenses: {},
  });
  const card: ShippedModelCard = {
    ...(base as unknown as ShippedModelCard),
    threshold_selection: {
      ...decision,
      ...(notes.threshold_note ? { note: notes.threshold_note } : {}),
      comparison,
    },
    metrics: { test_split: shipped.testSplit, face_crops: shipped.faceCrops },
    training: {
      run_id: summary.runId,
      git_commit: run.git.commit ?? null,
      git_dirty: run.git.dirty ?? null,
      mlflow: {
        // Relative to the repository, as `npm run train` writes it: the card must not name one machine's paths.
        tracking_uri: /^\w+:/.test(summary.trackingUri)
          ? summary.trackingUri
          : path.relative(repoRoot(), summary.trackingUri) || '.',
        experiment: summary.experiment,
      },
      backend: summary.backend,
      seconds: {
        decode: summary.seconds.decode,
        head: summary.seconds.head,
        fine_tune: summary.seconds.fineTune,
        export: summary.seconds.export,
        evaluation: summary.seconds.evaluation,
        total: summary.seconds.total,
      },
      phases: summary.phases.map((phase) => ({
        phase: phase.phase,
        epochs_run: phase.epochsRun,
        best_epoch: phase.bestEpoch,
        stopped_early: phase.stoppedEarly,
        best_val_loss: phase.bestValLoss,
        trained_above: phase.cutLayer,
        trainable_parameters: phase.trainableParameters,
        seconds: phase.seconds,
      })),
      val_loss_before_fine_tune: summary.valLossBeforeFineTune,
      val_loss_after_fine_tune: summary.valLossAfterFineTune,
      frozen_weights_unchanged: summary.frozenWeightsUnchanged,
      onnx_parity: {
        images: onnx.parity.images,
        max_abs_diff: onnx.parity.maxAbsDiff,
        labels_agree: onnx.parity.labelsAgree,
      },
      config: configSummary(summary.config),
    },
    dataset: {
      name: datasetName,
      manifest_sha256: summary.dataset.manifestSha256,
      splits: summary.dataset.splits,
      ...(datasetCard
        ? {
            class_counts: datasetCard.counts.byClass,
            dropped: datasetCard.droppedByReason as Record<string, number>,
          }
        : {}),
      source: datasetNotes?.source ?? datasetCard?.source.origin ?? 'not recorded',
      licence: datasetNotes?.licence ?? datasetCard?.source.licence ?? 'not recorded',
    },
    provenance: {
      weights: notes.weights,
      datasets: notes.datasets,
      exporter: RUN_EXPORTER,
      onnx_metadata: run.onnxMetadata,
    },
    licenses: {
      code: 'MIT',
      weights: notes.weights.licence,
      data: Object.fromEntries(Object.entries(notes.datasets).map(([name, entry]) => [name, entry.licence])),
    },
    limitations: [
      ...measuredLimitations(shipped.faceCrops, [...classNames]),
      ...notes.limitations,
      ...(decision.value < 0.5
        ? [
            `With the threshold at ${decision.value}, a ${classNames[1]} answer can come with a confidence (the ` +
              `probability of the predicted class) from ${decision.value} up: read confidence as the model's ` +
              'probability, not as the certainty of the verdict.',
          ]
        : []),
    ],
  };
  return card;
}
