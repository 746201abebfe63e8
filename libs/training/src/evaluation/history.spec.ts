import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrainingHistory, validateTrainingHistory } from './history';

const row = {
  phase: 'head',
  epoch: 1,
  loss: 0.4,
  accuracy: 0.9,
  val_loss: 0.3,
  val_accuracy: 0.92,
  lr: 0.001,
};

describe('training history', () => {
  it('accepts rows of both phases and null validation metrics', () => {
    const rows = [row, { ...row, phase: 'fine_tune', val_loss: null, val_accuracy: null }];
    expect(validateTrainingHistory(rows)).toEqual(rows);
  });

  it.each([
    ['a non-array', { rows: [] }, /expected a JSON array/],
    ['an unknown phase', [{ ...row, phase: 'warmup' }], /row 1 is not/],
    ['epoch 0', [row, { ...row, epoch: 0 }], /row 2 is not/],
    ['a NaN loss', [{ ...row, loss: Number.NaN }], /row 1 is not/],
    ['a missing lr', [{ ...row, lr: undefined }], /row 1 is not/],
  ])('rejects %s', (_what, rows, message) => {
    expect(() => validateTrainingHistory(rows)).toThrow(message);
  });

  it('reads history.json and names the file when it is not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'maskd-history-'));
    try {
      await writeFile(join(dir, 'history.json'), JSON.stringify([row]));
      expect(await readTrainingHistory(join(dir, 'history.json'))).toEqual([row]);
      await writeFile(join(dir, 'bad.json'), '[{');
      await expect(readTrainingHistory(join(dir, 'bad.json'))).rejects.toThrow(/bad\.json: cannot read/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
