import { BLAZEFACE_MODELS } from './blazeface-models';
import type { DetectionLevel } from './detection-plan';

/** One model input of a detection plan: view `view` of level `level` (the plan's levels in run order). */
export interface DetectionUnit {
  level: number;
  view: number;
}

/** Every input of the plan, in the order FaceDetector.detect runs them (the order its candidates are merged in). */
export function detectionUnits(levels: readonly DetectionLevel[]): DetectionUnit[] {
  return levels.flatMap((level, levelIndex) =>
    level.views.map((_, view): DetectionUnit => ({ level: levelIndex, view })),
  );
}

/** onnxruntime time grows with the input's area: a back (256) run costs ~5x a front (128) one here. */
function unitCost(levels: readonly DetectionLevel[], unit: DetectionUnit): number {
  return BLAZEFACE_MODELS[levels[unit.level].views[unit.view].variant].inputSize ** 2;
}

/**
 * The plan's inputs (indexes into detectionUnits) split into at most `parts` groups of similar cost, so idle
 * workers can share one photo's detection: the costliest unit goes to the cheapest group first (LPT). Each group
 * keeps run order; empty groups are dropped, so one unit gives one group.
 */
export function splitDetectionUnits(levels: readonly DetectionLevel[], parts: number): number[][] {
  const units = detectionUnits(levels);
  const groups = Array.from({ length: Math.max(1, Math.min(parts, units.length)) }, () => ({
    cost: 0,
    units: [] as number[],
  }));
  const byCost = units.map((unit, index) => ({ index, cost: unitCost(levels, unit) }));
  byCost.sort((a, b) => b.cost - a.cost || a.index - b.index);
  for (const { index, cost } of byCost) {
    const cheapest = groups.reduce((best, group) => (group.cost < best.cost ? group : best));
    cheapest.cost += cost;
    cheapest.units.push(index);
  }
  return groups.filter((group) => group.units.length > 0).map((group) => group.units.sort((a, b) => a - b));
}
