import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite/build/index';
import {
  confusionMatrixSpec,
  precisionRecallSpec,
  rocCurveSpec,
  scoreHistogramSpec,
  trainingCurvesSpec,
} from './charts';
import type { TrainingHistoryRow } from './history';
import type { PrPoint, RocPoint } from './metrics';
import type { FigureFile, SetEvaluation } from './types';
import { renderPng } from './vega-render';

/** One evaluated set with the raw labels and scores behind its metrics. */
export interface ScoredSet {
  evaluation: SetEvaluation;
  labels: number[];
  scores: number[];
}

export interface FigureInputs {
  /** Prefix of every file name, e.g. `classifier-test`. */
  prefix: string;
  classNames: readonly [string, string];
  sets: ScoredSet[];
  history?: TrainingHistoryRow[];
}

const format3 = (value: number | null): string => (value === null ? 'n/a' : value.toFixed(3));

export const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

function rocOperatingPoint({ atThreshold }: SetEvaluation): RocPoint {
  const [[tn, fp], [fn, tp]] = atThreshold.confusionMatrix;
  return { threshold: atThreshold.threshold, fpr: fp / Math.max(1, tn + fp), tpr: tp / Math.max(1, tp + fn) };
}

function prOperatingPoint({ atThreshold }: SetEvaluation): PrPoint {
  const positive = atThreshold.perClass[1];
  return { threshold: atThreshold.threshold, precision: positive.precision, recall: positive.recall };
}

/**
 * Renders the evaluation figures to PNG files in `dir`: a confusion matrix per set, ROC and precision-recall
 * curves and score histograms of all sets together, and the training curves when a history is given.
 */
export async function writeEvaluationFigures(inputs: FigureInputs, dir: string): Promise<FigureFile[]> {
  await mkdir(dir, { recursive: true });
  const { prefix, classNames, sets } = inputs;
  const figures: { id: string; title: string; spec: TopLevelSpec }[] = [];
  for (const { evaluation } of sets) {
    const heading = `Confusion matrix at threshold ${evaluation.atThreshold.threshold.toFixed(2)}`;
    figures.push({
      id: `confusion-matrix-${slug(evaluation.name)}`,
      title: `${evaluation.name}: ${heading.toLowerCase()}`,
      spec: confusionMatrixSpec(evaluation.atThreshold.confusionMatrix, classNames, [
        heading,
        evaluation.name,
      ]),
    });
  }
  const withBothClasses = sets.filter(({ evaluation }) => evaluation.summary.rocAuc !== null);
  if (withBothClasses.length > 0) {
    figures.push({
      id: 'roc-curve',
      title: 'ROC curves',
      spec: rocCurveSpec(
        withBothClasses.map(({ evaluation }) => ({
          name: `${evaluation.name} (AUC ${format3(evaluation.summary.rocAuc)})`,
          points: evaluation.roc,
          operatingPoint: rocOperatingPoint(evaluation),
        })),
      ),
    });
    figures.push({
      id: 'precision-recall',
      title: 'Precision-recall curves',
      spec: precisionRecallSpec(
        withBothClasses.map(({ evaluation }) => ({
          name: `${evaluation.name} (AP ${format3(evaluation.summary.averagePrecision)})`,
          points: evaluation.precisionRecall,
          operatingPoint: prOperatingPoint(evaluation),
        })),
      ),
    });
  }
  if (sets.length > 0) {
    figures.push({
      id: 'score-histogram',
      title: 'Score distributions',
      spec: scoreHistogramSpec(
        sets.map(({ evaluation, labels, scores }) => ({ name: evaluation.name, labels, scores })),
        classNames,
      ),
    });
  }
  if (inputs.history && inputs.history.length > 0) {
    figures.push({
      id: 'training-curves',
      title: 'Training curves',
      spec: trainingCurvesSpec(inputs.history),
    });
  }

  const written: FigureFile[] = [];
  for (const figure of figures) {
    const file = join(dir, `${prefix}-${figure.id}.png`);
    await renderPng(figure.spec, file);
    written.push({ id: figure.id, title: figure.title, file });
  }
  return written;
}
