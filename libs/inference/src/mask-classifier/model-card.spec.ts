import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelCardError, modelCardPath, modelInputOptions, parseModelCard, verifyModel } from './model-card';

const bytes = Buffer.from('not really onnx, but hashed all the same');
const sha256 = createHash('sha256').update(bytes).digest('hex');
const card = {
  name: 'mask_detector',
  version: '1.2.0',
  sha256,
  class_names: ['with_mask', 'without_mask'],
  threshold: 0.5,
};

describe('parseModelCard', () => {
  it('returns a valid card with its extra fields', () => {
    const parsed = parseModelCard({ ...card, metrics: { f1: 0.99 }, provenance: { run: 'r1' } });
    expect(parsed).toMatchObject({ name: 'mask_detector', metrics: { f1: 0.99 }, provenance: { run: 'r1' } });
  });

  it('reads the resize mode of the input, squash by default', () => {
    expect(modelInputOptions(parseModelCard({ ...card, input: { resize_mode: 'letterbox' } }))).toEqual({
      size: 224,
      resize: 'letterbox',
    });
    expect(modelInputOptions(parseModelCard(card))).toEqual({ size: 224, resize: 'squash' });
    expect(() => parseModelCard({ ...card, input: { resize_mode: 'stretch' } }, 'c.json')).toThrow(
      "c.json: 'input.resize_mode' must be one of squash, letterbox, center-crop",
    );
  });

  it('names every problem at once', () => {
    expect(() =>
      parseModelCard(
        { name: '', sha256: 'abc', class_names: ['a'], threshold: 1.5, metrics: 3 },
        'card.json',
      ),
    ).toThrow(
      new ModelCardError(
        "card.json: 'name' must be a non-empty string; 'version' must be a non-empty string; " +
          "'sha256' must be 64 hexadecimal characters; 'class_names' must list the 2 class names in output order; " +
          "'threshold' must be a number between 0 and 1 (exclusive); 'metrics' must be an object",
      ),
    );
    expect(() => parseModelCard([], 'card.json')).toThrow('card.json: expected a JSON object');
  });
});

describe('verifyModel', () => {
  let dir: string;
  let modelPath: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'maskd-card-'));
    modelPath = join(dir, 'mask_detector.onnx');
    writeFileSync(modelPath, bytes);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the card next to the model and checks the sha256', async () => {
    writeFileSync(modelCardPath(modelPath), JSON.stringify(card));
    expect(modelCardPath(modelPath)).toBe(join(dir, 'mask_detector.json'));
    await expect(verifyModel(modelPath)).resolves.toMatchObject({ card, sizeBytes: bytes.length, modelPath });
  });

  it('rejects a model whose bytes do not match its card', async () => {
    writeFileSync(modelCardPath(modelPath), JSON.stringify({ ...card, sha256: '0'.repeat(64) }));
    await expect(verifyModel(modelPath)).rejects.toThrow(
      `${modelPath} does not match its model card: sha256 is ${sha256}, the card says ${'0'.repeat(64)}`,
    );
  });

  it('says which file is missing or unreadable', async () => {
    await expect(verifyModel(join(dir, 'absent.onnx'))).rejects.toThrow(
      `model file not found: ${join(dir, 'absent.onnx')}`,
    );
    await expect(verifyModel(modelPath)).rejects.toThrow(
      `model card not found: ${join(dir, 'mask_detector.json')}`,
    );
    writeFileSync(modelCardPath(modelPath), '{ nope');
    await expect(verifyModel(modelPath)).rejects.toThrow(
      `${join(dir, 'mask_detector.json')} is not valid JSON`,
    );
  });
});
