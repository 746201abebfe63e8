import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { verifyModel, type VerifiedModel } from '@maskd/inference';
import { renderModelCardMarkdown } from './card-markdown';
import { readReleaseNotes } from './release-notes';
import { readRunArtifacts } from './run-artifacts';
import { shippedModelCard, type ShippedModelCard } from './shipped-card';
import { decideThreshold, type ThresholdOption } from './threshold-decision';
import { scoreTuningSplit } from './tuning-scores';

export interface InstallModelOptions {
  /** The training run's folder (`training/runs/<run id>`). */
  runDir: string;
  /** Where the model and its cards go (`models/`). */
  modelsDir: string;
  /** training/release/<model>.yaml: licences, provenance and limitations. */
  releaseNotes: string;
  threshold: ThresholdOption;
  /** The command line, written at the end of the Markdown card. */
  command: string;
}

export interface InstalledModel {
  card: ShippedModelCard;
  files: { onnx: string; json: string; markdown: string };
  verified: VerifiedModel;
}

/**
 * Ships a training run: copies its ONNX file into `modelsDir` and writes the JSON and Markdown model cards from
 * the run's records at the chosen threshold (and the tuning split re-scored, when its prepared data is there); then loads the result the way the service does (`verifyModel`).
 */
export async function installModel(options: InstallModelOptions): Promise<InstalledModel> {
  const run = await readRunArtifacts(options.runDir);
  const decision = decideThreshold(run.evaluation, options.threshold, await scoreTuningSplit(run));
  const card = shippedModelCard(run, decision, await readReleaseNotes(options.releaseNotes));
  await mkdir(options.modelsDir, { recursive: true });
  const base = path.join(options.modelsDir, card.name);
  const files = { onnx: `${base}.onnx`, json: `${base}.json`, markdown: `${base}.md` };
  await copyFile(run.onnxFile, files.onnx);
  await writeFile(files.json, `${JSON.stringify(card, null, 2)}\n`);
  await writeFile(files.markdown, renderModelCardMarkdown(card, options.command));
  return { card, files, verified: await verifyModel(files.onnx) };
}
