import * as tf from '@tensorflow/tfjs';
import { EarlyStopping } from './early-stopping';
import { WeightSnapshot } from './weight-snapshot';

describe('EarlyStopping', () => {
  it('stops after `patience` epochs without an improvement and remembers the best epoch', () => {
    const stopping = new EarlyStopping({ patience: 2, minDelta: 0 });
    const losses = [0.5, 0.4, 0.45, 0.41, 0.3];
    const decisions = losses.map((loss, i) => stopping.update(i + 1, loss));
    expect(decisions.map((d) => d.improved)).toEqual([true, true, false, false, true]);
    expect(decisions.map((d) => d.stop)).toEqual([false, false, false, true, false]);
    expect(stopping.bestEpoch).toBe(5);
    expect(stopping.bestValLoss).toBe(0.3);
  });

  it('ignores improvements smaller than minDelta', () => {
    const stopping = new EarlyStopping({ patience: 1, minDelta: 0.01 });
    expect(stopping.update(1, 0.5).improved).toBe(true);
    expect(stopping.update(2, 0.495)).toEqual({ improved: false, stop: true });
    expect(stopping.bestEpoch).toBe(1);
  });

  it('must beat a baseline, and never stops with patience 0', () => {
    const stopping = new EarlyStopping({ patience: 0, minDelta: 0 }, 0.2);
    for (let epoch = 1; epoch <= 5; epoch++)
      expect(stopping.update(epoch, 0.3)).toEqual({ improved: false, stop: false });
    expect(stopping.bestEpoch).toBeNull();
    expect(stopping.bestValLoss).toBe(0.2);
    expect(stopping.update(6, 0.1).improved).toBe(true);
  });

  it('never counts a NaN loss as an improvement', () => {
    const stopping = new EarlyStopping({ patience: 1, minDelta: 0 });
    expect(stopping.update(1, Number.NaN)).toEqual({ improved: false, stop: true });
  });
});

describe('WeightSnapshot', () => {
  it('restores the weights a model had when the snapshot was taken', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    const before = model.getWeights().map((w) => w.arraySync());
    const snapshot = WeightSnapshot.of(model);
    model.setWeights(model.getWeights().map((w) => tf.onesLike(w)));
    expect(model.getWeights()[1].arraySync()).toEqual([1, 1]);
    snapshot.restore(model);
    expect(model.getWeights().map((w) => w.arraySync())).toEqual(before);
    snapshot.dispose();
    expect(model.getWeights()[0].shape).toEqual([3, 2]);
  });
});
