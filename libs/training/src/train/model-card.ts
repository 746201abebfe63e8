import path from 'node:path';
import {
  describeHead,
  formatAlpha,
  HEAD_LAYER_NAMES,
  MASK_CLASS_NAMES,
  MASK_INPUT_NORMALIZATION,
} from '../model/classifier';
import { DEFAULT_RESIZE_MODE } from '@maskd/imaging';
import { maskModelCard, writeModelCard } from '../onnx/model-card';
import { ONNX_OPSET } from '../onnx/export';
import type { TrainingResult } from './training-result';

/** How a training run's exporter is named in its model cards. */
export const RUN_EXPORTER = `maskd ONNX exporter (TypeScript), opset ${ONNX_OPSET}`;

/** The `architecture` of a training run's model cards. */
export function runArchitecture(
  result: Pick<TrainingResult, 'model' | 'config' | 'phases'>,
): Record<string, unknown> {
  return {
    backbone: 'MobileNetV2',
    alpha: result.model.alpha,
    input_size: result.model.inputSize,
    head: describeHead(result.config.model.headUnits, result.config.model.dropout),
    head_layers: Object.values(HEAD_LAYER_NAMES),
    fine_tuned_from: result.phases[1]?.cutLayer ?? null,
  };
}

/** Writes `<run dir>/<model>.json`, the model card of the run's ONNX file, with the run's metrics and provenance. */
export async function writeRunModelCard(result: TrainingResult): Promise<string> {
  if (!result.onnx) throw new Error('the run exported no ONNX model');
  const { config } = result;
  const metrics = Object.fromEntries(
    (result.evaluation?.sets ?? []).map((set) => [
      set.name,
      { count: set.count, accuracy: set.accuracy, f1: set.f1, roc_auc: set.rocAuc },
    ]),
  );
  const card = maskModelCard({
    name: path.basename(result.onnx.file, '.onnx'),
    version: config.export.modelVersion,
    onnx: result.onnx,
    classNames: MASK_CLASS_NAMES,
    inputSize: result.model.inputSize,
    normalization: MASK_INPUT_NORMALIZATION,
    resizeMode: DEFAULT_RESIZE_MODE,
    status: 'trained',
    description:
      `MobileNetV2 ${formatAlpha(result.model.alpha)}/${result.model.inputSize} (ImageNet) fine-tuned to tell ` +
      `${MASK_CLASS_NAMES.join(' from ')} by maskd's training pipeline (run ${result.runId}).`,
    trainingRunId: result.runId,
    architecture: runArchitecture(result),
    metrics,
    provenance: {
      training_run_id: result.runId,
      dataset_dir: result.dataset.dir,
      dataset_manifest_sha256: result.dataset.manifestSha256,
      dataset_splits: result.dataset.splits,
      training_seconds: { head: result.seconds.head, fine_tune: result.seconds.fineTune },
      val_loss_before_fine_tune: result.valLossBeforeFineTune,
      val_loss_after_fine_tune: result.valLossAfterFineTune,
      parity: result.onnx.parity,
      backbone_weights: config.model.weights,
      exporter: RUN_EXPORTER,
      tfjs_backend: result.backend,
      seed: config.seed,
    },
    licenses: {
      code: 'MIT',
      backbone_weights: 'Apache-2.0 (ImageNet MobileNetV2)',
      training_data: 'see the dataset card of the training data',
    },
  });
  return writeModelCard(card, result.onnx.file);
}
