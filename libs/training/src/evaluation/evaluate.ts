import { existsSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { loadPreparedDataset, type DatasetEntry } from '../data/prepared-dataset';
import type { TrackedRun } from '../tracking';
import { writeEvaluationFigures, type ScoredSet } from './figures';
import { readTrainingHistory, TRAINING_HISTORY_FILE, type TrainingHistoryRow } from './history';
import { chooseThreshold, type ThresholdCriterion } from './metrics';
import { loadEvaluatedModel } from './predictors';
import { renderEvaluationMarkdown } from './report-markdown';
import { writeReportSection } from './report-sections';
import { evaluateScoredSet } from './scored-set';
import { scoreDatasetEntries, type ScoringOptions } from './scoring';
import { logEvaluation } from './tracking';
import {
  EVALUATION_FILE,
  EVALUATION_SCHEMA_VERSION,
  PREDICTIONS_COLUMNS,
  PREDICTIONS_FILE,
  type EvaluatedModel,
  type EvaluationReport,
  type ThresholdReport,
  type VocEvaluation,
} from './types';
import { evaluateVocCrops, type FacePrediction } from './voc-crops';

export interface EvaluateOptions {
  /** An `.onnx` file or a tfjs layers model folder. */
  model: string;
  /** A prepared dataset folder (`npm run data:prepare`). */
  data: string;
  /** The split to report (default `test`). */
  split?: string;
  /** The split a threshold is tuned on for comparison (default `val`; null: none). */
  tuneSplit?: string | null;
  thresholdCriterion?: ThresholdCriterion;
  /** Decision threshold; default the model card's, else 0.5. */
  threshold?: number;
  /** Folders of labelled photos (`images/` + VOC `annotations/`) to evaluate face crops from. */
  voc?: string[];
  vocMargin?: number;
  minFaceSize?: number;
  marginSweep?: number[];
  /** Where evaluation.json, predictions.csv, the figures and a standalone report go. */
  outDir: string;
  /** A Markdown report whose `classifier-<split>` section is replaced (figures copied next to it). */
  reportPath?: string;
  /** history.json of the training run; default: looked for next to a tfjs model folder. */
  historyPath?: string;
  /** The command line, written into the report. */
  command?: string;
  scoring?: ScoringOptions;
  /** A tracking run to log into (the trainer's own run, or one the CLI opened). */
  run?: TrackedRun;
  log?: (message: string) => void;
  onProgress?: (stage: string, done: number, total: number) => void;
}

const DEFAULT_THRESHOLD = 0.5;

function resolveThreshold(option: number | undefined, model: EvaluatedModel): Omit<ThresholdReport, 'tuned'> {
  if (option !== undefined) {
    if (!(option > 0 && option < 1)) throw new RangeError(`threshold must be between 0 and 1, got ${option}`);
    return { value: option, source: 'option' };
  }
  if (model.cardThreshold !== undefined) return { value: model.cardThreshold, source: 'model card' };
  return { value: DEFAULT_THRESHOLD, source: 'default' };
}

function findHistory(options: EvaluateOptions, model: EvaluatedModel): string | undefined {
  if (options.historyPath) return resolve(options.historyPath);
  if (model.kind !== 'tfjs') return undefined;
  // A run writes history.json in its folder, next to (or one level above) the saved model folder.
  return [join(model.path, TRAINING_HISTORY_FILE), join(dirname(model.path), TRAINING_HISTORY_FILE)].find(
    (file) => existsSync(file),
  );
}

/** Labels are class indices: the dataset's and the model's class order must agree or every metric is inverted. */
function checkClassNames(datasetClasses: readonly string[], modelClasses: readonly [string, string]): void {
  if (datasetClasses.length !== 2 || datasetClasses.some((name, index) => name !== modelClasses[index])) {
    throw new Error(
      `The dataset's classes [${datasetClasses.join(', ')}] do not match the model's [${modelClasses.join(', ')}]`,
    );
  }
}

/**
 * Evaluates a mask classifier on a split of a prepared dataset and on face crops from labelled photos: metrics
 * at the decision threshold and at a threshold tuned on the validation split, curves, figures, evaluation.json,
 * predictions.csv, a Markdown report (section replaced in place) and tracking.
 */
export async function evaluateModel(options: EvaluateOptions): Promise<EvaluationReport> {
  const started = performance.now();
  const log = options.log ?? ((message: string) => console.log(message));
  const split = options.split ?? 'test';
  const tuneSplit = options.tuneSplit === undefined ? 'val' : options.tuneSplit;
  const outDir = resolve(options.outDir);
  await mkdir(outDir, { recursive: true });

  const dataset = await loadPreparedDataset(options.data);
  const splitEntries = (name: string) => dataset.entries.filter((entry) => entry.split === name);
  const evaluated = splitEntries(split);
  if (evaluated.length === 0)
    throw new Error(`The prepared dataset ${options.data} has no '${split}' images`);
  const splitSizes: Record<string, number> = {};
  for (const entry of dataset.entries) splitSizes[entry.split] = (splitSizes[entry.split] ?? 0) + 1;

  const { classifier, model } = await loadEvaluatedModel(options.model, log);
  try {
    const classNames = model.classNames;
    checkClassNames(dataset.classNames, classNames);
    log(
      `[evaluate] model ${model.name} ${model.version} (${model.kind}, sha256 ${model.sha256.slice(0, 12)})`,
    );

    const scoreEntries = async (entries: DatasetEntry[], stage: string) => {
      const t0 = performance.now();
      const scores = await scoreDatasetEntries(entries, classifier, {
        ...options.scoring,
        onProgress: (done, total) => options.onProgress?.(stage, done, total),
      });
      return {
        labels: entries.map((entry) => entry.label),
        scores,
        imagesPerSecond: entries.length / ((performance.now() - t0) / 1000),
      };
    };

    const threshold: ThresholdReport = resolveThreshold(options.threshold, model);
    const tuneEntries = tuneSplit ? splitEntries(tuneSplit) : [];
    if (tuneEntries.length > 0 && tuneSplit) {
      const tuned = await scoreEntries(tuneEntries, tuneSplit);
      const choice = chooseThreshold(tuned.labels, tuned.scores, options.thresholdCriterion ?? 'youden');
      if (choice) threshold.tuned = { ...choice, split: tuneSplit, count: tuneEntries.length };
    }
    const setOptions = { classNames, threshold: threshold.value, tunedThreshold: threshold.tuned?.threshold };

    const main = await scoreEntries(evaluated, split);
    const splitEvaluation = evaluateScoredSet(`${split} split`, main.labels, main.scores, {
      ...setOptions,
      imagesPerSecond: main.imagesPerSecond,
    });
    log(
      `[evaluate] ${split}: accuracy ${splitEvaluation.atThreshold.accuracy.toFixed(4)} on ${evaluated.length}`,
    );

    const scoredSets: ScoredSet[] = [
      { evaluation: splitEvaluation, labels: main.labels, scores: main.scores },
    ];
    const voc: VocEvaluation[] = [];
    const facePredictions: { set: string; faces: FacePrediction[] }[] = [];
    for (const dir of options.voc ?? []) {
      const result = await evaluateVocCrops(classifier, {
        dir,
        ...setOptions,
        margin: options.vocMargin,
        minFaceSize: options.minFaceSize,
        marginSweep: options.marginSweep,
        scoring: {
          ...options.scoring,
          onProgress: (done, total) => options.onProgress?.(basename(dir), done, total),
        },
      });
      voc.push(result.evaluation);
      scoredSets.push(result.scored);
      facePredictions.push({ set: result.evaluation.binary.name, faces: result.predictions });
      log(
        `[evaluate] ${result.evaluation.binary.name}: accuracy ${result.evaluation.binary.atThreshold.accuracy.toFixed(4)}`,
      );
    }

    const historyFile = findHistory(options, model);
    const history: TrainingHistoryRow[] | undefined = historyFile
      ? await readTrainingHistory(historyFile)
      : undefined;
    const sectionId = `classifier-${split}`;
    const figures = await writeEvaluationFigures(
      { prefix: sectionId, classNames, sets: scoredSets, history },
      join(outDir, 'figures'),
    );

    const report: EvaluationReport = {
      schemaVersion: EVALUATION_SCHEMA_VERSION,
      createdAt: new Date().toISOString(),
      ...(options.command ? { command: options.command } : {}),
      model,
      dataset: { dir: resolve(options.data), manifestSha256: dataset.manifestSha256, splitSizes, split },
      threshold,
      split: splitEvaluation,
      voc,
      figures,
      ...(historyFile ? { trainingHistory: historyFile } : {}),
      ...(options.run
        ? {
            tracking: {
              runId: options.run.id,
              experimentId: options.run.experimentId,
              artifactUri: options.run.artifactUri,
            },
          }
        : {}),
      durationSeconds: (performance.now() - started) / 1000,
    };

    await writeFile(join(outDir, EVALUATION_FILE), `${JSON.stringify(report, null, 2)}\n`);
    await writePredictions(join(outDir, PREDICTIONS_FILE), evaluated, main.scores, split, facePredictions);
    const standalone = join(outDir, 'evaluation_report.md');
    await writeReportSection(
      standalone,
      sectionId,
      renderEvaluationMarkdown(report, markdownLinks(standalone, outDir)),
    );
    if (options.reportPath) await publishReport(report, resolve(options.reportPath), sectionId, outDir);
    if (options.run) await logEvaluation(options.run, report, outDir);
    return report;
  } finally {
    await classifier.close();
  }
}

/** A path relative to the working directory when inside it, else absolute. */
function displayPath(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd === '' ? '.' : fromCwd.startsWith('..') ? path : fromCwd;
}

function markdownLinks(reportFile: string, outDir: string) {
  return {
    figureLink: (figure: { file: string }) => relative(dirname(reportFile), figure.file).split(sep).join('/'),
    outDir: displayPath(outDir),
  };
}

/** Replaces this evaluation's section of a shared report and copies its figures to `<report dir>/figures/`. */
async function publishReport(
  report: EvaluationReport,
  reportFile: string,
  sectionId: string,
  outDir: string,
) {
  const figuresDir = join(dirname(reportFile), 'figures');
  await mkdir(figuresDir, { recursive: true });
  const published = [];
  for (const figure of report.figures) {
    const target = join(figuresDir, basename(figure.file));
    await copyFile(figure.file, target);
    published.push({ ...figure, file: target });
  }
  const body = renderEvaluationMarkdown({ ...report, figures: published }, markdownLinks(reportFile, outDir));
  await writeReportSection(reportFile, sectionId, body);
}

async function writePredictions(
  file: string,
  entries: DatasetEntry[],
  scores: number[],
  split: string,
  faces: { set: string; faces: FacePrediction[] }[],
): Promise<void> {
  const rows = [
    ...entries.map((entry, i) => [`${split} split`, entry.absolutePath, entry.className, '', scores[i]]),
    ...faces.flatMap(({ set, faces: list }) =>
      list.map((face) => [set, face.id, face.label, face.size.toFixed(1), face.score]),
    ),
  ];
  await writeFile(file, stringify(rows, { header: true, columns: PREDICTIONS_COLUMNS }));
}
