import { SPLITS } from '../data/manifest';
import { num, pct, table } from '../markdown';
import { slug } from './figures';
import { shippedThreshold, type ClassMetrics, type ThresholdMetrics } from './metrics';
import type { EvaluationReport, FigureFile, SetEvaluation, VocEvaluation } from './types';

/*
 * The Markdown of one classifier evaluation: provenance (command, model, data, threshold), tables and figures.
 * Numbers only come from the EvaluationReport, so the text and evaluation.json always agree.
 */

const interval = ([low, high]: [number, number]): string =>
  `${(low * 100).toFixed(1)}-${(high * 100).toFixed(1)}%`;

function summaryRow(set: SetEvaluation): string[] {
  const m = set.atThreshold;
  return [
    set.name,
    String(set.count),
    `${pct(m.accuracy)} (${interval(m.accuracyInterval95)})`,
    pct(m.balancedAccuracy),
    num(m.macro.f1),
    num(m.perClass[1].f1),
    num(set.summary.rocAuc),
    num(set.summary.averagePrecision),
    num(set.summary.brierScore),
  ];
}

function perClassTable(m: ThresholdMetrics): string {
  const row = (c: ClassMetrics) => [
    c.className,
    num(c.precision),
    num(c.recall),
    num(c.f1),
    String(c.support),
  ];
  return table(
    ['class', 'precision', 'recall', 'F1', 'support'],
    [
      ...m.perClass.map(row),
      ['**macro average**', num(m.macro.precision), num(m.macro.recall), num(m.macro.f1), String(m.count)],
    ],
  );
}

function confusionTable(m: ThresholdMetrics): string {
  const names = m.perClass.map((c) => c.className);
  return table(
    ['actual \\ predicted', ...names],
    m.confusionMatrix.map((row, actual) => [names[actual], ...row.map(String)]),
  );
}

function tunedLine(set: SetEvaluation, shipsTuned: boolean): string {
  const tuned = set.atTunedThreshold;
  if (!tuned || shipsTuned) return '';
  return (
    `At the tuned threshold ${tuned.threshold.toFixed(3)}: accuracy ${pct(tuned.accuracy)}, ` +
    `balanced accuracy ${pct(tuned.balancedAccuracy)}, macro F1 ${num(tuned.macro.f1)}, ` +
    `recall without_mask ${num(tuned.perClass[1].recall)}.\n\n`
  );
}

function vocSection(voc: VocEvaluation, figure: (id: string) => string, shipsTuned: boolean): string {
  const m = voc.binary.atThreshold;
  const labelCounts = Object.entries(voc.faces.byLabel)
    .map(([label, count]) => `${count} ${label}`)
    .join(', ');
  const sizeRows = voc.bySize.map((b) => [
    b.bucket,
    String(b.count),
    `${b.classCounts[0]} / ${b.classCounts[1]}`,
    pct(b.accuracy),
    b.recall[0] === null ? 'n/a' : pct(b.recall[0]),
    b.recall[1] === null ? 'n/a' : pct(b.recall[1]),
  ]);
  const names = m.perClass.map((c) => c.className);
  const wrong = voc.incorrectlyWorn;
  const sweepRows = voc.marginSweep.map((s) => [
    s.margin === voc.margin ? `**${s.margin}** (used)` : String(s.margin),
    pct(s.accuracy),
    pct(s.balancedAccuracy),
    num(s.rocAuc),
  ]);
  return [
    `### Face crops from labelled photos: ${voc.dataset}\n`,
    `${voc.images} photos with ${voc.faces.total} labelled faces; the ${voc.faces.evaluated} faces of at least ` +
      `${voc.minFaceSize} px (sqrt of the box area) were evaluated (${labelCounts}); ${voc.faces.tooSmall} smaller ` +
      `faces were left out. Each face is cut from the full-resolution photo with \`cropRegion\` and a margin of ` +
      `${voc.margin} of the box size on each side, then preprocessed like every model input.\n`,
    perClassTable(m),
    '',
    confusionTable(m),
    '',
    tunedLine(voc.binary, shipsTuned) + figure(`confusion-matrix-${slug(voc.binary.name)}`),
    `**By face size** (${names[0]} / ${names[1]} counts, recall per class):\n`,
    table(
      [
        'face size (px)',
        'faces',
        `${names[0]} / ${names[1]}`,
        'accuracy',
        `recall ${names[0]}`,
        `recall ${names[1]}`,
      ],
      sizeRows,
    ),
    wrong.count === 0
      ? ''
      : `\n**mask_weared_incorrect** (no right answer for a two-class model, reported apart): ${wrong.count} faces, ` +
        `${wrong.predictedWithoutMask} predicted without_mask and ${wrong.predictedWithMask} with_mask ` +
        `(mean P(without_mask) ${num(wrong.meanScore)}).\n`,
    ...(sweepRows.length > 1
      ? [
          `**Crop margin sweep** (same faces, threshold ${m.threshold.toFixed(2)}):\n`,
          table(['margin', 'accuracy', 'balanced accuracy', 'ROC-AUC'], sweepRows),
          '',
        ]
      : []),
  ].join('\n');
}

export interface MarkdownOptions {
  /** Markdown path of a figure file as seen from the report (relative link). */
  figureLink: (figure: FigureFile) => string;
  /** Where evaluation.json and predictions.csv were written, as shown to the reader. */
  outDir: string;
}

/** The body of the report section for one evaluation (without the section markers). */
export function renderEvaluationMarkdown(report: EvaluationReport, options: MarkdownOptions): string {
  const { model, dataset, threshold } = report;
  const figure = (id: string): string => {
    const found = report.figures.find((f) => f.id === id);
    return found ? `![${found.title}](${options.figureLink(found)})\n` : '';
  };
  const sets = [report.split, ...report.voc.map((v) => v.binary)];
  const splitOrder = (name: string) => (SPLITS as readonly string[]).indexOf(name);
  const splits = Object.entries(dataset.splitSizes)
    .sort(([a], [b]) => splitOrder(a) - splitOrder(b))
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  // The model card ships the threshold tuned on validation (see model:install).
  const shipsTuned =
    threshold.source === 'model card' &&
    threshold.tuned !== undefined &&
    Math.abs(shippedThreshold(threshold.tuned.threshold) - threshold.value) < 1e-9;
  const tuned = threshold.tuned
    ? `Tuned on the ${threshold.tuned.split} split (${threshold.tuned.count} images) by ` +
      `${threshold.tuned.criterion === 'youden' ? "Youden's J (TPR - FPR)" : 'the F1 of without_mask'}, the ` +
      `threshold would be **${threshold.tuned.threshold.toFixed(3)}** (${threshold.tuned.criterion === 'youden' ? 'J' : 'F1'} = ` +
      `${threshold.tuned.value.toFixed(3)} there). ` +
      (shipsTuned
        ? `The model card's threshold is this one, rounded: it was chosen on the ${threshold.tuned.split} split ` +
          `only, so the test split and the face crops below measure it without having influenced it (the model ` +
          `card compares it with 0.5).`
        : `The tables show it beside the applied threshold, which it does not replace: the validation split ` +
          `comes from the training distribution, so the applied threshold is the model card's (or the option's).`)
    : 'No threshold was tuned (no validation split).';

  return [
    `## Mask classifier: ${dataset.split} split and face crops from photos\n`,
    `Produced by \`${report.command ?? 'evaluateModel()'}\` on ${report.createdAt.slice(0, 10)} ` +
      `in ${report.durationSeconds.toFixed(0)} s.\n`,
    [
      ['model', `\`${model.name}\` version ${model.version} (${model.kind})`],
      ...(model.status ? [['model status', `**${model.status}**`]] : []),
      ['model sha256', `\`${model.sha256}\``],
      ...(model.trainingRunId ? [['training run', `\`${model.trainingRunId}\``]] : []),
      ['dataset manifest sha256', `\`${dataset.manifestSha256}\``],
      ['prepared dataset', `${splits} images`],
      [
        'decision threshold',
        `P(without_mask) >= **${threshold.value.toFixed(2)}** (${threshold.source}) means without_mask`,
      ],
      ...(report.tracking
        ? [['MLflow run', `\`${report.tracking.runId}\` (experiment ${report.tracking.experimentId})`]]
        : []),
    ]
      .map(([key, value]) => `- ${key}: ${value}`)
      .join('\n'),
    '',
    tuned + '\n',
    '### Summary\n',
    table(
      [
        'set',
        'images',
        'accuracy (95% CI)',
        'balanced accuracy',
        'macro F1',
        'F1 without_mask',
        'ROC-AUC',
        'AP',
        'Brier',
      ],
      sets.map(summaryRow),
    ),
    '',
    `### ${report.split.name}\n`,
    perClassTable(report.split.atThreshold),
    '',
    confusionTable(report.split.atThreshold),
    '',
    tunedLine(report.split, shipsTuned) + figure(`confusion-matrix-${slug(report.split.name)}`),
    ...report.voc.map((voc) => vocSection(voc, figure, shipsTuned)),
    '### Curves and score distributions\n',
    [figure('roc-curve'), figure('precision-recall'), figure('score-histogram')].filter(Boolean).join('\n'),
    ...(report.trainingHistory ? ['### Training curves\n', figure('training-curves')] : []),
    `Per-sample scores: \`predictions.csv\` and all numbers: \`evaluation.json\` in \`${options.outDir}\`.`,
  ].join('\n');
}
