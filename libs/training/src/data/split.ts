import { SPLITS, type Split } from './manifest';

export type SplitRatios = Record<Split, number>;

export const DEFAULT_SPLIT_RATIOS: Readonly<SplitRatios> = Object.freeze({
  train: 0.7,
  val: 0.15,
  test: 0.15,
});

/** Parses `0.7,0.15,0.15` (train, val, test); they must be non-negative and sum to 1. */
export function parseSplitRatios(text: string): SplitRatios {
  const values = text.split(',').map((part) => Number(part.trim()));
  if (values.length !== 3 || values.some((v) => !Number.isFinite(v))) {
    throw new Error(
      `Split ratios must be three numbers "train,val,test" (e.g. 0.7,0.15,0.15), got "${text}".`,
    );
  }
  return validateSplitRatios({ train: values[0], val: values[1], test: values[2] });
}

export function validateSplitRatios(ratios: SplitRatios): SplitRatios {
  const values = SPLITS.map((split) => ratios[split]);
  if (
    values.some((v) => !(v >= 0)) ||
    Math.abs(values.reduce((a, b) => a + b, 0) - 1) > 1e-6 ||
    !(ratios.train > 0)
  ) {
    throw new Error(
      `Split ratios must be non-negative, with train > 0, and sum to 1; got ${values.join(',')}.`,
    );
  }
  return { ...ratios };
}

/** A unit that is never divided between splits: a near-duplicate group. */
export interface SplitUnit {
  /** Stable identity, used to order units before the seeded shuffle. */
  id: string;
  /** The class the unit is stratified under (its majority class). */
  stratum: string;
  size: number;
}

/**
 * Seeded, stratified assignment of whole groups to splits. Per class: groups are shuffled with the seed,
 * placed largest first, each into the split furthest below its target share of the class's images. So every
 * split gets each class in the configured ratio (to within the size of one group), and no group straddles splits.
 */
export function assignSplits(
  units: readonly SplitUnit[],
  ratios: SplitRatios,
  seed: number,
): Map<string, Split> {
  const random = mulberry32(seed);
  const byStratum = new Map<string, SplitUnit[]>();
  for (const unit of [...units].sort((a, b) => compare(a.id, b.id))) {
    const list = byStratum.get(unit.stratum) ?? [];
    list.push(unit);
    byStratum.set(unit.stratum, list);
  }
  const assignment = new Map<string, Split>();
  for (const stratum of [...byStratum.keys()].sort(compare)) {
    const list = shuffle(byStratum.get(stratum)!, random);
    // Stable sort: among equal sizes the shuffled order stands.
    list.sort((a, b) => b.size - a.size);
    const total = list.reduce((sum, unit) => sum + unit.size, 0);
    const filled: Record<Split, number> = { train: 0, val: 0, test: 0 };
    for (const unit of list) {
      let best: Split = 'train';
      let bestDeficit = -Infinity;
      for (const split of SPLITS) {
        if (ratios[split] === 0) continue;
        const deficit = ratios[split] * total - filled[split];
        if (deficit > bestDeficit + 1e-9) {
          best = split;
          bestDeficit = deficit;
        }
      }
      filled[best] += unit.size;
      assignment.set(unit.id, best);
    }
  }
  return assignment;
}

/** Small, fast, well-distributed 32-bit PRNG; the same seed gives the same sequence on every platform. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** Code-point order, independent of the machine's locale. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
