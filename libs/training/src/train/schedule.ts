import type { ScheduleConfig } from './config';

/**
 * The learning rate at a point of a phase, updated every batch: `progress` counts epochs from the start of the
 * phase (fractional: 1.5 is the middle of the second epoch) and `epochs` is the phase's length. An optional linear
 * warm-up from 0 comes first; cosine then decays to `learningRate * finalFactor` at the end of the phase, and
 * exponential multiplies by `decayRate` per epoch.
 */
export function learningRateAt(
  learningRate: number,
  schedule: ScheduleConfig,
  progress: number,
  epochs: number,
): number {
  if (schedule.type === 'constant') return learningRate;
  const warmup = Math.min(schedule.warmupEpochs, epochs);
  if (progress < warmup) return (learningRate * Math.max(progress, 1e-3 * warmup)) / warmup;
  const decaying = progress - warmup;
  if (schedule.type === 'exponential') return learningRate * schedule.decayRate ** decaying;
  const span = epochs - warmup;
  const t = span > 0 ? Math.min(1, decaying / span) : 1;
  const floor = schedule.finalFactor;
  return learningRate * (floor + ((1 - floor) * (1 + Math.cos(Math.PI * t))) / 2);
}
