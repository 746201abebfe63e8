import { readFile } from 'node:fs/promises';

/*
 * The per-epoch training history the trainer writes to `<run dir>/history.json` (a JSON array of rows in
 * training order) and the evaluation draws as training curves.
 */

export const TRAINING_HISTORY_FILE = 'history.json';

/** `head`: phase 1, the new head on the frozen backbone; `fine_tune`: phase 2, top backbone layers unfrozen. */
export type TrainingPhase = 'head' | 'fine_tune';

export interface TrainingHistoryRow {
  phase: TrainingPhase;
  /** 1-based, counted within the phase. */
  epoch: number;
  loss: number;
  accuracy: number;
  /** Null when the run has no validation split. */
  val_loss: number | null;
  val_accuracy: number | null;
  /** Learning rate used in this epoch. */
  lr: number;
}

const PHASES: readonly TrainingPhase[] = ['head', 'fine_tune'];

function isFiniteOrNull(value: unknown): value is number | null {
  return value === null || (typeof value === 'number' && Number.isFinite(value));
}

/** Checks the shape of parsed history rows; throws naming the first bad row. */
export function validateTrainingHistory(rows: unknown, source = TRAINING_HISTORY_FILE): TrainingHistoryRow[] {
  if (!Array.isArray(rows)) throw new Error(`${source}: expected a JSON array of epoch rows`);
  rows.forEach((row: Partial<Record<keyof TrainingHistoryRow, unknown>>, index) => {
    const ok =
      row !== null &&
      typeof row === 'object' &&
      PHASES.includes(row.phase as TrainingPhase) &&
      Number.isInteger(row.epoch) &&
      (row.epoch as number) >= 1 &&
      [row.loss, row.accuracy, row.lr].every((v) => typeof v === 'number' && Number.isFinite(v)) &&
      isFiniteOrNull(row.val_loss) &&
      isFiniteOrNull(row.val_accuracy);
    if (!ok) {
      throw new Error(
        `${source}: row ${index + 1} is not {phase: ${PHASES.join('|')}, epoch >= 1, loss, accuracy, ` +
          `val_loss, val_accuracy, lr}: ${JSON.stringify(row)}`,
      );
    }
  });
  return rows as TrainingHistoryRow[];
}

export async function readTrainingHistory(file: string): Promise<TrainingHistoryRow[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new Error(`${file}: cannot read the training history (${(cause as Error).message})`, { cause });
  }
  return validateTrainingHistory(parsed, file);
}
