// What a finished training run left in its folder, read back and cross-checked before it is shipped.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { sha256File } from '@maskd/inference';
import type { DatasetCard } from '../data/dataset-card';
import { DATASET_JSON_FILE } from '../data/prepared-dataset';
import { EVALUATION_FILE, PREDICTIONS_FILE, type EvaluationReport } from '../evaluation/types';
import { readOnnxMetadata } from '../onnx/export';
import { gitInfoFromTags, RUN_TAGS, type GitInfo } from '../tracking';
import type { TrainingResult } from '../train/training-result';
import { checkPredictions } from './card-metrics';

/** One row of the run's `evaluation/predictions.csv`: a test image or a face crop and its P(class 1). */
export interface ScoredSample {
  /** The set's name, as in evaluation.json (`test split`, `VOC face crops (<dataset>)`). */
  set: string;
  label: string;
  /** Face crops only: sqrt of the labelled box's area. */
  faceSizePx: number | null;
  score: number;
}

export interface RunArtifacts {
  summary: TrainingResult;
  onnxFile: string;
  onnxMetadata: Record<string, string>;
  evaluation: EvaluationReport;
  predictions: ScoredSample[];
  /** The prepared dataset's card (dataset.json), when the prepared folder is still there. */
  datasetCard?: DatasetCard;
  git: GitInfo;
}

export class RunArtifactsError extends Error {
  override readonly name = 'RunArtifactsError';
}

async function readJson<T>(file: string, what: string): Promise<T> {
  const text = await fs.readFile(file, 'utf8').catch(() => {
    throw new RunArtifactsError(`${file} not found: ${what}`);
  });
  return JSON.parse(text) as T;
}

export async function readPredictions(file: string): Promise<ScoredSample[]> {
  const rows = parseCsv(await fs.readFile(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
  return rows.map((row) => ({
    set: row.set,
    label: row.label,
    faceSizePx: row.face_size_px === '' ? null : Number(row.face_size_px),
    score: Number(row.p_without_mask),
  }));
}

/**
 * The git commit of a run: summary.json has it since runs record `source`; older runs only have it as the
 * MLflow tag, read here from a file store (`<tracking uri>/<experiment id>/<run id>/tags/`).
 */
async function runGitInfo(summary: TrainingResult): Promise<GitInfo> {
  if (summary.source?.commit) return summary.source;
  const store = summary.trackingUri.replace(/^file:\/\//, '');
  if (/^https?:/.test(store) || !existsSync(store)) return {};
  for (const experiment of await fs.readdir(store)) {
    const tags = path.join(store, experiment, summary.runId, 'tags');
    if (!existsSync(tags)) continue;
    const tag = (name: string) =>
      fs.readFile(path.join(tags, name), 'utf8').then(
        (text) => text.trim(),
        () => undefined,
      );
    const keys = [RUN_TAGS.gitCommit, RUN_TAGS.gitBranch, RUN_TAGS.gitDirty];
    const values = await Promise.all(keys.map(tag));
    return gitInfoFromTags(Object.fromEntries(keys.map((key, i) => [key, values[i]])));
  }
  return {};
}

/**
 * Reads `summary.json`, the ONNX file, `evaluation/evaluation.json` and `predictions.csv` of a run and checks that
 * they describe one model: the ONNX file's sha256 is the one trained and evaluated, and its metadata carries the
 * run id and version (else RunArtifactsError naming what is missing or inconsistent); the per-sample scores
 * reproduce the evaluation (else MetricsMismatchError, see `checkPredictions`).
 */
export async function readRunArtifacts(runDir: string): Promise<RunArtifacts> {
  const dir = path.resolve(runDir);
  const summary = await readJson<TrainingResult>(
    path.join(dir, 'summary.json'),
    'is this the folder of a finished training run?',
  );
  if (!summary.onnx) throw new RunArtifactsError(`run ${summary.runId} exported no ONNX model`);
  const onnxFile = path.join(dir, path.basename(summary.onnx.file));
  const evaluationDir = path.join(dir, 'evaluation');
  const evaluation = await readJson<EvaluationReport>(
    path.join(evaluationDir, EVALUATION_FILE),
    `run ${summary.runId} was not evaluated (evaluation.enabled in its config)`,
  );
  const sha256 = existsSync(onnxFile) ? await sha256File(onnxFile) : undefined;
  if (!sha256) throw new RunArtifactsError(`${onnxFile} not found`);
  if (sha256 !== summary.onnx.sha256) {
    throw new RunArtifactsError(`${onnxFile} has changed since training (sha256 ${sha256})`);
  }
  const problems: string[] = [];
  if (evaluation.model.sha256 !== sha256) problems.push(`evaluation.json evaluated another model file`);
  const onnxMetadata = readOnnxMetadata(await fs.readFile(onnxFile));
  if (onnxMetadata.training_run_id !== summary.runId) {
    problems.push(`the ONNX metadata names run '${onnxMetadata.training_run_id}', not ${summary.runId}`);
  }
  if (onnxMetadata.model_version !== summary.config.export.modelVersion) {
    problems.push(
      `the ONNX metadata says version ${onnxMetadata.model_version}, the run's config ${summary.config.export.modelVersion}`,
    );
  }
  const datasetJson = path.join(summary.dataset.dir, DATASET_JSON_FILE);
  const datasetCard = existsSync(datasetJson)
    ? await readJson<DatasetCard>(datasetJson, 'the prepared dataset card')
    : undefined;
  if (datasetCard && datasetCard.manifest.sha256 !== summary.dataset.manifestSha256) {
    problems.push(`${datasetJson} describes another manifest than the one the run trained on`);
  }
  if (problems.length > 0) throw new RunArtifactsError(`run ${summary.runId}: ${problems.join('; ')}`);
  const predictions = await readPredictions(path.join(evaluationDir, PREDICTIONS_FILE));
  checkPredictions(evaluation, predictions);
  return {
    summary,
    onnxFile,
    onnxMetadata,
    evaluation,
    predictions,
    datasetCard,
    git: await runGitInfo(summary),
  };
}
