import { interpretProbability } from './mask-prediction';

const card = { class_names: ['with_mask', 'without_mask'] as [string, string], threshold: 0.5 };

describe('interpretProbability', () => {
  it('predicts class 1 (without_mask) at or above the threshold, with its probability as confidence', () => {
    expect(interpretProbability(0.9, card)).toEqual({
      label: 'without_mask',
      confidence: 0.9,
      hasMask: false,
    });
    expect(interpretProbability(0.5, card)).toEqual({
      label: 'without_mask',
      confidence: 0.5,
      hasMask: false,
    });
  });

  it('predicts class 0 (with_mask) below it, with 1 - p as confidence', () => {
    const prediction = interpretProbability(0.2, card);
    expect(prediction.label).toBe('with_mask');
    expect(prediction.hasMask).toBe(true);
    expect(prediction.confidence).toBeCloseTo(0.8, 10);
  });

  it('uses the threshold of the model card', () => {
    expect(interpretProbability(0.6, { ...card, threshold: 0.7 }).label).toBe('with_mask');
  });
});
