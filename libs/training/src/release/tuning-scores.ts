// The tuning split's per-sample scores, which a run's evaluation does not keep: re-scored with the run's ONNX model.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadPreparedDataset, MANIFEST_FILE } from '../data/prepared-dataset';
import { chooseThreshold } from '../evaluation/metrics';
import { loadEvaluatedModel } from '../evaluation/predictors';
import { scoreDatasetEntries } from '../evaluation/scoring';
import { MetricsMismatchError } from './card-metrics';
import type { RunArtifacts } from './run-artifacts';
import type { TuningScores } from './threshold-decision';

/**
 * Scores the split the run's threshold was tuned on with the run's ONNX model, preprocessed as the evaluation
 * does, and checks that tuning again on these scores gives the evaluation's threshold. Undefined (with the reason
 * logged) when the run tuned nothing or its prepared dataset is no longer where the run used it.
 */
export async function scoreTuningSplit(
  run: RunArtifacts,
  log: (message: string) => void = console.log,
): Promise<TuningScores | undefined> {
  const tuned = run.evaluation.threshold.tuned;
  const { dataset } = run.summary;
  if (!tuned) return undefined;
  if (!existsSync(path.join(dataset.dir, MANIFEST_FILE))) {
    log(
      `[model:install] ${dataset.dir} is gone: the card cannot say how sharply validation fixes the threshold`,
    );
    return undefined;
  }
  const prepared = await loadPreparedDataset(dataset.dir);
  if (prepared.manifestSha256 !== dataset.manifestSha256)
    throw new MetricsMismatchError(
      `${dataset.dir} is not the data the run used (manifest sha256 ${prepared.manifestSha256.slice(0, 12)}, ` +
        `run ${dataset.manifestSha256.slice(0, 12)})`,
    );
  const entries = prepared.entries.filter((entry) => entry.split === tuned.split);
  const { classifier } = await loadEvaluatedModel(run.onnxFile, log);
  try {
    const result = {
      labels: entries.map((entry) => entry.label),
      scores: await scoreDatasetEntries(entries, classifier),
    };
    const again = chooseThreshold(result.labels, result.scores, tuned.criterion);
    if (entries.length !== tuned.count || !again || Math.abs(again.threshold - tuned.threshold) > 1e-6)
      throw new MetricsMismatchError(
        `re-scoring the ${tuned.split} split (${entries.length} images) tunes ${again?.threshold ?? 'nothing'}, ` +
          `the run's evaluation tuned ${tuned.threshold} on ${tuned.count} images`,
      );
    return result;
  } finally {
    await classifier.close();
  }
}
