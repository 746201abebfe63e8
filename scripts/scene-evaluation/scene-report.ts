import { basename } from 'node:path';
import { BucketCounts, precision, recall } from './detection-metrics';
import { ACCURACY_ROWS, AccuracyCounts } from './scene-metrics';

export interface SceneResults {
  dataset: string;
  images: number;
  skipped: number;
  mode: string;
  minScore: number;
  margin: number;
  model: { name: string; version: string; status?: string; sha256: string };
  classNames: readonly string[];
  threshold: number;
  detection: Record<string, BucketCounts>;
  accuracy: Record<string, AccuracyCounts>;
  /** Faces labelled outside the classes: predicted label -> count. */
  otherLabels: Record<string, Record<string, number>>;
  averagePrecision: Record<string, number>;
  faceAveragePrecision: number;
  detectMsPerImage: number;
  classifyMsPerImage: number;
  facesPerImage: number;
  seconds: number;
}

/** Acceptance targets of the scene evaluation (issue 6). */
export const TARGETS = { recallFrom32: 0.85, accuracyOnMatched: 0.93 };

const fixed = (value: number, digits = 3) => (Number.isNaN(value) ? '-' : value.toFixed(digits));
const rowName = (key: string) => (key === 'all' ? 'all' : `${key} px`);

/** A dataset's `scenes-<dataset>` section of docs/evaluation_report.md. */
export function sceneReport(results: SceneResults, figurePath: string): string {
  const { detection, accuracy, model } = results;
  const recall32 = recall(detection['>=32']);
  const accuracy32 = accuracy['>=32'].faces ? accuracy['>=32'].correct / accuracy['>=32'].faces : NaN;
  const classAps = results.classNames.map((name) => results.averagePrecision[name]);
  const lines = [
    `## Faces in photos (${basename(results.dataset)}): detection and per-face mask classification`,
    '',
    `Produced by \`npm run evaluate:scenes -- --data ${results.dataset} --mode ${results.mode} ` +
      `--min-score ${results.minScore} --margin ${results.margin}\` in ${results.seconds.toFixed(0)} s.`,
    '',
    `- photos: ${results.images}` + (results.skipped ? ` (${results.skipped} annotations unusable)` : ''),
    `- face detector: BlazeFace (\`models/blazeface.json\`), mode \`${results.mode}\`, score >= ${results.minScore}`,
    `- mask model: \`${model.name}\` version ${model.version}` +
      (model.status ? ` (**${model.status}**)` : ''),
    `- mask model sha256: \`${model.sha256}\``,
    `- each face cropped with margin ${results.margin} and all faces of a photo classified in one batch; ` +
      `P(${results.classNames[1]}) >= ${results.threshold} means ${results.classNames[1]}`,
    `- time per photo (one onnxruntime thread, shared 2-core machine): detection ${fixed(results.detectMsPerImage, 1)} ms, ` +
      `classification ${fixed(results.classifyMsPerImage, 1)} ms for ${fixed(results.facesPerImage, 1)} faces ` +
      `(every face from score 0.25, for the curves)`,
    '',
    `Faces of 32 px or more: detection recall **${fixed(recall32)}** (target ${TARGETS.recallFrom32}), ` +
      `mask accuracy on the faces found **${fixed(accuracy32)}** (target ${TARGETS.accuracyOnMatched}).`,
    '',
    '### Face detection (IoU >= 0.5; recall by labelled size, precision by detected size)',
    '',
    '| faces | labelled | found | recall | detected | correct | precision |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...ACCURACY_ROWS.map((key) => {
      const c = detection[key];
      return `| ${rowName(key)} | ${c.truths} | ${c.found} | ${fixed(recall(c))} | ${c.detections} | ${c.correct} | ${fixed(precision(c))} |`;
    }),
    '',
    `### Mask accuracy on the faces found (${results.classNames.join(' / ')})`,
    '',
    `| labelled face size | faces | correct | accuracy | ${results.classNames.map((name) => `recall ${name}`).join(' | ')} |`,
    `| --- | --- | --- | --- | ${results.classNames.map(() => '---').join(' | ')} |`,
    ...ACCURACY_ROWS.map((key) => {
      const c = accuracy[key];
      const recalls = results.classNames.map((name) => {
        const counts = c.byClass[name];
        return `${fixed(counts.faces ? counts.correct / counts.faces : NaN)} (${counts.correct}/${counts.faces})`;
      });
      return `| ${rowName(key)} | ${c.faces} | ${c.correct} | ${fixed(c.faces ? c.correct / c.faces : NaN)} | ${recalls.join(' | ')} |`;
    }),
    '',
    ...Object.entries(results.otherLabels).map(
      ([label, counts]) =>
        `Faces labelled \`${label}\` (not a class of the model) that were found: ` +
        Object.entries(counts)
          .map(([predicted, count]) => `${count} predicted ${predicted}`)
          .join(', ') +
        '.',
    ),
    '',
    '### Average precision (detector score x class probability, IoU >= 0.5)',
    '',
    '| class | AP |',
    '| --- | --- |',
    `| face (detection only) | ${fixed(results.faceAveragePrecision)} |`,
    ...results.classNames.map((name) => `| ${name} | ${fixed(results.averagePrecision[name])} |`),
    `| mean of the classes | ${fixed(classAps.reduce((a, b) => a + b, 0) / classAps.length)} |`,
    '',
    'Faces labelled `mask_weared_incorrect` count for neither class: detections on them are ignored, as VOC ' +
      'treats `difficult` objects.',
    '',
    `![Precision-recall curves](${figurePath})`,
  ];
  return lines.join('\n');
}
