import { MultiBar, Presets } from 'cli-progress';

/** What the trainer reports while it runs: a bar per phase with ETA, and lines (per-epoch metrics) above it. */
export interface TrainingProgress {
  startPhase(label: string, totalSteps: number, epochs: number): void;
  step(metrics: { epoch: number; epochs: number; loss: number; accuracy: number }): void;
  message(line: string): void;
  endPhase(): void;
}

/** Lines only (logs, tests, CI). */
export function lineProgress(log: (line: string) => void): TrainingProgress {
  return {
    startPhase: () => undefined,
    step: () => undefined,
    message: log,
    endPhase: () => undefined,
  };
}

/**
 * A cli-progress bar on a terminal (batches done in the phase, ETA, running loss and accuracy) with the epoch lines
 * printed above it; plain lines when the output is not a terminal.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): TrainingProgress {
  if (!stream.isTTY) return lineProgress((line) => stream.write(`${line}\n`));
  const bars = new MultiBar(
    {
      stream,
      format:
        '{phase} |{bar}| {percentage}% | epoch {epoch}/{epochs} | batch {value}/{total} | ETA {eta_formatted} | ' +
        'loss {loss} acc {accuracy}',
      etaBuffer: 50,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  let bar: ReturnType<MultiBar['create']> | undefined;
  return {
    startPhase: (label, totalSteps, epochs) => {
      bar = bars.create(totalSteps, 0, { phase: label, epoch: 1, epochs, loss: '-', accuracy: '-' });
    },
    step: ({ epoch, epochs, loss, accuracy }) =>
      bar?.increment(1, { epoch, epochs, loss: loss.toFixed(4), accuracy: accuracy.toFixed(4) }),
    message: (line) => {
      if (bar) bars.log(`${line}\n`);
      else stream.write(`${line}\n`);
    },
    endPhase: () => {
      if (bar) bars.remove(bar);
      bar = undefined;
      bars.stop();
    },
  };
}
