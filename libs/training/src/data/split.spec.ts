import { assignSplits, mulberry32, parseSplitRatios, type SplitUnit } from './split';

function units(stratum: string, sizes: number[]): SplitUnit[] {
  return sizes.map((size, i) => ({ id: `${stratum}-${String(i).padStart(3, '0')}`, stratum, size }));
}

function tally(list: SplitUnit[], assignment: Map<string, string>) {
  const counts: Record<string, number> = { train: 0, val: 0, test: 0 };
  for (const unit of list) counts[assignment.get(unit.id)!] += unit.size;
  return counts;
}

describe('assignSplits', () => {
  const cats = units('cat', [...Array(190).fill(1), 3, 3, 2, 2]);
  const dogs = units('dog', Array(100).fill(1));

  it('splits each class in the configured ratios, whole groups only', () => {
    const assignment = assignSplits([...cats, ...dogs], { train: 0.7, val: 0.15, test: 0.15 }, 42);
    expect(tally(cats, assignment)).toEqual({ train: 140, val: 30, test: 30 });
    expect(tally(dogs, assignment)).toEqual({ train: 70, val: 15, test: 15 });
    expect(assignment.size).toBe(cats.length + dogs.length);
  });

  it('is deterministic for a seed, independent of input order, and differs between seeds', () => {
    const ratios = { train: 0.6, val: 0.2, test: 0.2 };
    const a = assignSplits([...cats, ...dogs], ratios, 1);
    const b = assignSplits([...dogs, ...cats].reverse(), ratios, 1);
    const c = assignSplits([...cats, ...dogs], ratios, 2);
    expect([...a].sort()).toEqual([...b].sort());
    expect([...a].sort()).not.toEqual([...c].sort());
  });

  it('leaves a split with ratio 0 empty', () => {
    const assignment = assignSplits(dogs, { train: 0.8, val: 0.2, test: 0 }, 5);
    expect(tally(dogs, assignment)).toEqual({ train: 80, val: 20, test: 0 });
  });
});

describe('parseSplitRatios', () => {
  it('accepts three non-negative ratios summing to 1', () => {
    expect(parseSplitRatios('0.7, 0.15, 0.15')).toEqual({ train: 0.7, val: 0.15, test: 0.15 });
    expect(() => parseSplitRatios('0.7,0.2')).toThrow(/three numbers/);
    expect(() => parseSplitRatios('0.7,0.2,0.2')).toThrow(/sum to 1/);
    expect(() => parseSplitRatios('1.2,-0.1,-0.1')).toThrow(/non-negative/);
    expect(() => parseSplitRatios('0,0.5,0.5')).toThrow(/train > 0/);
  });
});

describe('mulberry32', () => {
  it('gives the same sequence for a seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const values = Array.from({ length: 5 }, () => a());
    expect(values).toEqual(Array.from({ length: 5 }, () => b()));
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});
