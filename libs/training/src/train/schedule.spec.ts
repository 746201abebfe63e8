import { learningRateAt } from './schedule';

describe('learningRateAt', () => {
  it('keeps a constant rate', () => {
    expect(learningRateAt(0.01, { type: 'constant' }, 3.5, 5)).toBe(0.01);
  });

  it('decays along a cosine from the base rate to base * finalFactor', () => {
    const schedule = { type: 'cosine', warmupEpochs: 0, finalFactor: 0.1 } as const;
    expect(learningRateAt(1, schedule, 0, 10)).toBeCloseTo(1, 12);
    expect(learningRateAt(1, schedule, 5, 10)).toBeCloseTo(0.55, 12);
    expect(learningRateAt(1, schedule, 10, 10)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(1, schedule, 12, 10)).toBeCloseTo(0.1, 12);
    const rates = Array.from({ length: 21 }, (_, i) => learningRateAt(1, schedule, i / 2, 10));
    rates.slice(1).forEach((rate, i) => expect(rate).toBeLessThanOrEqual(rates[i]));
  });

  it('warms up linearly, then decays over the rest of the phase', () => {
    const schedule = { type: 'cosine', warmupEpochs: 1, finalFactor: 0 } as const;
    expect(learningRateAt(1, schedule, 0.5, 5)).toBeCloseTo(0.5, 12);
    expect(learningRateAt(1, schedule, 1, 5)).toBeCloseTo(1, 12);
    expect(learningRateAt(1, schedule, 3, 5)).toBeCloseTo(0.5, 12);
    expect(learningRateAt(1, schedule, 0, 5)).toBeGreaterThan(0);
  });

  it('decays exponentially per epoch', () => {
    const schedule = { type: 'exponential', warmupEpochs: 0, decayRate: 0.5 } as const;
    expect(learningRateAt(0.1, schedule, 0, 5)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(0.1, schedule, 2, 5)).toBeCloseTo(0.025, 12);
    expect(learningRateAt(0.1, schedule, 1.5, 5)).toBeCloseTo(0.1 * 0.5 ** 1.5, 12);
  });
});
