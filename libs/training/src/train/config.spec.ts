import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, sharedDataDir } from '@maskd/imaging';
import {
  applyOverrides,
  loadTrainingConfig,
  parseSetOption,
  parseTrainingConfig,
  resolveConfigPath,
  TrainingConfigError,
} from './config';

async function writeConfig(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'maskd-config-'));
  const file = path.join(dir, 'config.yaml');
  await writeFile(file, text);
  return file;
}

describe('training config', () => {
  it('has the defaults issue 3 asks for', () => {
    const config = parseTrainingConfig({});
    expect(config.batchSize).toBe(32);
    expect(config.seed).toBe(42);
    expect(config.head).toMatchObject({ epochs: 10, learningRate: 1e-3, schedule: { type: 'cosine' } });
    expect(config.fineTune).toMatchObject({ epochs: 5, learningRate: 1e-4, unfreezeBlocks: 3 });
    expect(config.fineTune.learningRate).toBeLessThan(config.head.learningRate);
    expect(config.head.earlyStopping.patience).toBeGreaterThan(0);
    expect(config.augmentation).toMatchObject({ enabled: true, horizontalFlip: true });
    expect(config.augmentation.rotationDegrees).toBeGreaterThan(0);
    expect(config.augmentation.zoom).toBeGreaterThan(0);
    expect(config.augmentation.brightness).toBeGreaterThan(0);
    expect(config.model.weights).toBe('{shared}/weights/mobilenet_v2_1.0_224_no_top');
  });

  it('training/configs/default.yaml restates the schema defaults exactly', async () => {
    const file = path.join(repoRoot(), 'training', 'configs', 'default.yaml');
    expect(await loadTrainingConfig(file)).toEqual(parseTrainingConfig({}));
  });

  it('loads YAML, fills in defaults and applies dotted overrides on top', async () => {
    const file = await writeConfig(
      'seed: 7\nhead:\n  epochs: 2\nfineTune:\n  schedule:\n    type: constant\n',
    );
    const config = await loadTrainingConfig(file, { 'head.epochs': 4, 'fineTune.unfreezeBlocks': 5 });
    expect(config.seed).toBe(7);
    expect(config.head.epochs).toBe(4);
    expect(config.head.learningRate).toBe(1e-3);
    expect(config.fineTune.schedule).toEqual({ type: 'constant' });
    expect(config.fineTune.unfreezeBlocks).toBe(5);
  });

  it('lists every problem with its key', () => {
    const attempt = () =>
      parseTrainingConfig(
        { batchSize: 0, head: { epochs: 1.5, shedule: {} }, augmentation: { degrade: { minSide: 80 } } },
        'bad.yaml',
      );
    expect(attempt).toThrow(TrainingConfigError);
    const message = (() => {
      try {
        attempt();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain('bad.yaml is invalid');
    expect(message).toContain('batchSize: Too small');
    expect(message).toContain('head.epochs: Invalid input: expected int');
    expect(message).toContain('head: Unrecognized key: "shedule"');
    expect(message).toContain('augmentation.degrade: minSide must not exceed maxSide');
  });

  it('rejects an unknown schedule type, naming the allowed ones', () => {
    expect(() => parseTrainingConfig({ head: { schedule: { type: 'linear' } } })).toThrow(
      /head\.schedule\.type: Invalid discriminator value\. Expected 'constant' \| 'cosine' \| 'exponential'/,
    );
  });

  it('explains unreadable and non-mapping files', async () => {
    await expect(loadTrainingConfig('/nonexistent/config.yaml')).rejects.toThrow(
      'cannot read the config /nonexistent/config.yaml: ENOENT',
    );
    await expect(loadTrainingConfig(await writeConfig('- a\n- b\n'))).rejects.toThrow(
      'must hold a YAML mapping',
    );
    await expect(loadTrainingConfig(await writeConfig('head: [\n'))).rejects.toThrow('is not valid YAML');
  });

  it('parses --set assignments as YAML values', () => {
    expect(parseSetOption('head.epochs=3')).toEqual(['head.epochs', 3]);
    expect(parseSetOption('evaluation.voc=[]')).toEqual(['evaluation.voc', []]);
    expect(parseSetOption('augmentation.enabled=false')).toEqual(['augmentation.enabled', false]);
    expect(() => parseSetOption('epochs')).toThrow('--set expects key=value');
  });

  it('does not modify the document it overrides, and refuses to descend into a value', () => {
    const document = { head: { epochs: 1 } };
    expect(applyOverrides(document, { 'head.epochs': 2 })).toEqual({ head: { epochs: 2 } });
    expect(document.head.epochs).toBe(1);
    expect(() => applyOverrides({ head: 3 }, { 'head.epochs': 2 })).toThrow('head is not a mapping');
  });

  it('resolves {shared} paths to the shared data directory', () => {
    expect(resolveConfigPath('{shared}/weights/x')).toBe(path.join(sharedDataDir(), 'weights/x'));
    expect(resolveConfigPath('training/runs')).toBe(path.resolve('training/runs'));
    expect(resolveConfigPath('https://example.org/model.json')).toBe('https://example.org/model.json');
  });
});
