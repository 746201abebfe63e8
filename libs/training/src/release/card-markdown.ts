// models/<name>.md: the JSON model card for people, from the same data.
import { num, pct, table } from '../markdown';
import type { CardFaceCropMetrics, CardSetMetrics } from './card-metrics';
import type { ShippedModelCard } from './shipped-card';

const duration = (seconds: number) =>
  seconds >= 120 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(1)} s`;

function summaryRow(m: CardSetMetrics, positive: string): (string | number)[] {
  return [
    m.set,
    m.count,
    `${pct(m.accuracy)} (${pct(m.accuracy_95ci[0])}-${pct(m.accuracy_95ci[1])})`,
    pct(m.balanced_accuracy),
    num(m.precision[positive]),
    num(m.recall[positive]),
    num(m.f1.macro),
    num(m.roc_auc),
    num(m.average_precision),
  ];
}

function setDetails(m: CardSetMetrics, classNames: string[]): string[] {
  const [negative, positive] = classNames;
  const lines = [
    `### ${m.set}`,
    '',
    table(
      ['class', 'precision', 'recall', 'F1', 'support'],
      [
        ...classNames.map((name) => [
          name,
          num(m.precision[name]),
          num(m.recall[name]),
          num(m.f1[name]),
          m.class_counts[name],
        ]),
        ['**macro**', num(m.precision.macro), num(m.recall.macro), num(m.f1.macro), m.count],
      ],
    ),
    '',
    table(
      ['actual \\ predicted', negative, positive],
      m.confusion_matrix.counts.map((row, i) => [m.confusion_matrix.labels[i], ...row]),
    ),
  ];
  if ('by_face_size' in m) {
    const crops = m as CardFaceCropMetrics;
    lines.push(
      '',
      `Faces of at least ${crops.crops.min_face_size_px} px (sqrt of the box area) from ${crops.crops.photos} photos, ` +
        `cropped with a margin of ${crops.crops.margin} of the box on each side; ${crops.crops.faces_too_small} smaller faces left out.`,
      '',
      table(
        [
          'face size (px)',
          'faces',
          `${negative} / ${positive}`,
          'accuracy',
          `recall ${negative}`,
          `recall ${positive}`,
        ],
        crops.by_face_size.map((row) => [
          row.face_size_px,
          row.count,
          `${row.class_counts[negative]} / ${row.class_counts[positive]}`,
          pct(row.accuracy),
          num(row.recall[negative]),
          num(row.recall[positive]),
        ]),
      ),
    );
    const incorrect = crops.mask_weared_incorrect;
    if (incorrect.count > 0) {
      lines.push(
        '',
        `mask_weared_incorrect (not a class of the model): ${incorrect.count} faces, ` +
          `${incorrect.predicted[negative]} called ${negative} and ${incorrect.predicted[positive]} ${positive} ` +
          `(mean P(${positive}) ${num(incorrect.mean_p_positive)}).`,
      );
    }
  }
  return lines;
}

/** How sharply the tuning split fixes the threshold, in two sentences (empty when it was not re-scored). */
function sensitivityText(card: ShippedModelCard): string {
  const { sensitivity, tuned } = card.threshold_selection;
  if (!sensitivity || !tuned) return '';
  const { equallyGood, decidedAgainstReference: against } = sensitivity;
  const [negative, positive] = card.class_names;
  const range = `above ${equallyGood.above.toFixed(3)} and up to ${equallyGood.upTo.toFixed(3)}`;
  return (
    ` On the ${tuned.split} split every threshold ${range} classifies every image the same way and so scores the same ` +
    `(${equallyGood.objective.toFixed(4)}${equallyGood.best ? ', the best' : ', not the best'}): ` +
    `${card.threshold} is a point on that plateau, not a precisely located optimum. ` +
    `${against.images} ${tuned.split} images (${against.perClass[0]} ${negative}, ${against.perClass[1]} ${positive}) ` +
    `score between ${Math.min(card.threshold, against.reference)} and ${Math.max(card.threshold, against.reference)}, ` +
    `the only ones ${card.threshold} and ${against.reference} classify differently.`
  );
}

/** The Markdown model card. `command` is how it was produced (written at the end). */
export function renderModelCardMarkdown(card: ShippedModelCard, command: string): string {
  const classNames = [...card.class_names];
  const [negative, positive] = classNames;
  const sets = [card.metrics.test_split, ...Object.values(card.metrics.face_crops)];
  const selection = card.threshold_selection;
  const training = card.training;
  const phaseName = (phase: string) => (phase === 'head' ? 'phase 1: head' : 'phase 2: fine-tune');
  const config = training.config;
  return [
    `# Model card: ${card.name} ${card.version}`,
    '',
    card.description,
    '',
    table(
      ['', ''],
      [
        [
          'file',
          `\`${card.file}\` (${(card.size_bytes / 1e6).toFixed(1)} MB, ONNX opset ${String(card.format.opset)})`,
        ],
        ['sha256', `\`${card.sha256}\``],
        [
          'input',
          `\`input\` float32 [N, ${String(card.architecture.input_size)}, ${String(card.architecture.input_size)}, 3], NHWC RGB, ${String(card.input.normalization)}, resize ${String(card.input.resize_mode)}`,
        ],
        ['output', `\`probability\` float32 [N, 1] = P(${positive})`],
        ['decision', `${positive} if P(${positive}) >= **${card.threshold}**, else ${negative}`],
        [
          'training run',
          `\`${training.run_id}\` (git ${training.git_commit ? `\`${training.git_commit.slice(0, 12)}\`` : 'not recorded'}${training.git_dirty ? ', uncommitted changes' : ''}; MLflow \`${training.mlflow.tracking_uri}\`, experiment ${training.mlflow.experiment})`,
        ],
        ['training data', `${card.dataset.name}, manifest sha256 \`${card.dataset.manifest_sha256}\``],
      ],
    ),
    '',
    '## Results',
    '',
    `At the shipped threshold ${card.threshold}; 95% Wilson intervals. The test split comes from the training data's ` +
      'distribution; the face crops are cut from labelled photos of people, as users send them.',
    '',
    table(
      [
        'set',
        'n',
        'accuracy (95% CI)',
        'balanced accuracy',
        `precision ${positive}`,
        `recall ${positive}`,
        'macro F1',
        'ROC-AUC',
        'AP',
      ],
      sets.map((m) => summaryRow(m, positive)),
    ),
    '',
    ...sets.flatMap((m) => [...setDetails(m, classNames), '']),
    '## Decision threshold',
    '',
    `**${card.threshold}**: ${selection.method}.${sensitivityText(card)}${selection.note ? ` ${selection.note}` : ''}`,
    '',
    table(
      [
        'set',
        'threshold',
        'accuracy',
        'balanced accuracy',
        `recall ${negative}`,
        `recall ${positive}`,
        `errors on ${negative} / ${positive}`,
      ],
      selection.comparison.map((p) => [
        p.set,
        p.threshold,
        pct(p.accuracy),
        pct(p.balanced_accuracy),
        num(p.recall[negative]),
        num(p.recall[positive]),
        `${p.errors[negative]} / ${p.errors[positive]}`,
      ]),
    ),
    '',
    '## Training',
    '',
    `TensorFlow.js (${training.backend} backend), seed ${config.seed}, batch ${config.batch_size}, Adam with ${config.head.schedule} ` +
      `learning-rate decay; head dropout ${config.dropout}. Phase 1 trains the head on the frozen ImageNet backbone ` +
      `(${config.head.epochs} epochs at most, learning rate ${config.head.learning_rate}); phase 2 fine-tunes the top ` +
      `${config.fine_tune.unfreeze_blocks} blocks and Conv_1 with the head (${config.fine_tune.epochs} epochs at most, ` +
      `learning rate ${config.fine_tune.learning_rate}); early stopping on validation loss keeps the best epoch.`,
    '',
    table(
      ['stage', 'epochs run (best)', 'trained above', 'trainable parameters', 'best val loss', 'time'],
      [
        ['decode training images', '', '', '', '', duration(training.seconds.decode)],
        ...training.phases.map((p) => [
          phaseName(p.phase),
          `${p.epochs_run} (${p.best_epoch ?? 'none'})${p.stopped_early ? ', stopped early' : ''}`,
          `\`${p.trained_above}\``,
          p.trainable_parameters.toLocaleString('en'),
          num(p.best_val_loss, 4),
          duration(p.seconds),
        ]),
        ['ONNX export + parity check', '', '', '', '', duration(training.seconds.export)],
        ['evaluation', '', '', '', '', duration(training.seconds.evaluation)],
        ['**total**', '', '', '', '', `**${duration(training.seconds.total)}**`],
      ],
    ),
    '',
    `Validation loss ${num(training.val_loss_before_fine_tune, 4)} before fine-tuning, ${num(training.val_loss_after_fine_tune, 4)} after; ` +
      `weights below the fine-tuned blocks ${training.frozen_weights_unchanged ? 'bit-identical to ImageNet' : 'CHANGED'}. ` +
      `ONNX vs TensorFlow.js on ${training.onnx_parity.images} real images: max |difference| ${training.onnx_parity.max_abs_diff.toExponential(1)}, ` +
      `labels ${training.onnx_parity.labels_agree ? 'identical' : 'DIFFERENT'}. Times on a shared 2-core machine without tfjs-node.`,
    '',
    `Data: ${card.dataset.name} (${Object.entries(card.dataset.splits)
      .map(([split, n]) => `${split} ${n}`)
      .join(', ')} images` +
      `${
        card.dataset.dropped
          ? `; dropped: ${Object.entries(card.dataset.dropped)
              .map(([reason, n]) => `${n} ${reason}`)
              .join(', ')}`
          : ''
      }).`,
    '',
    '## Provenance and licences',
    '',
    `- Code: ${card.licenses.code}. Exported by the ${card.provenance.exporter}; the ONNX metadata carries ` +
      `model_version ${card.provenance.onnx_metadata.model_version} and training_run_id ${card.provenance.onnx_metadata.training_run_id}.`,
    `- Weights: ${card.provenance.weights.name}: ${card.provenance.weights.source}. Licence ${card.provenance.weights.licence}.`,
    '',
    table(
      ['data', 'used for', 'source', 'licence'],
      Object.entries(card.provenance.datasets).map(([name, d]) => [name, d.role, d.source, d.licence]),
    ),
    '',
    '## Limitations',
    '',
    ...card.limitations.map((note) => `- ${note}`),
    '',
    `Generated by \`${command}\` from the run's records and \`training/release/${card.name}.yaml\`; the same data as \`${card.name}.json\`.`,
    '',
  ].join('\n');
}
