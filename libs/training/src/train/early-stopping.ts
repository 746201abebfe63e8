import type { EarlyStoppingConfig } from './config';

export interface EarlyStoppingDecision {
  /** The validation loss beat the best so far by more than minDelta: keep this epoch's weights. */
  improved: boolean;
  /** `patience` epochs in a row without an improvement: end the phase. */
  stop: boolean;
}

/**
 * Early stopping on the validation loss, Keras-style (`monitor='val_loss', mode='min'`). A `baseline` (the loss
 * the phase starts from, e.g. phase 1's best before fine-tuning) must be beaten for an epoch to count as an
 * improvement; patience 0 never stops but still tracks the best epoch.
 */
export class EarlyStopping {
  private bestLoss: number;
  private best: number | null = null;
  private epochsWithoutImprovement = 0;

  constructor(
    private readonly config: EarlyStoppingConfig,
    baseline = Number.POSITIVE_INFINITY,
  ) {
    this.bestLoss = baseline;
  }

  /** The best validation loss seen (or the baseline while no epoch has beaten it). */
  get bestValLoss(): number {
    return this.bestLoss;
  }

  /** 1-based epoch of the best validation loss, null while no epoch has beaten the baseline. */
  get bestEpoch(): number | null {
    return this.best;
  }

  update(epoch: number, valLoss: number): EarlyStoppingDecision {
    const improved = Number.isFinite(valLoss) && valLoss < this.bestLoss - this.config.minDelta;
    if (improved) {
      this.bestLoss = valLoss;
      this.best = epoch;
      this.epochsWithoutImprovement = 0;
    } else {
      this.epochsWithoutImprovement += 1;
    }
    const stop = this.config.patience > 0 && this.epochsWithoutImprovement >= this.config.patience;
    return { improved, stop };
  }
}
