import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@maskd/imaging';
import { generateAnchors } from './anchors';
import { verifyFaceDetectorModel } from './blazeface-card';
import { BLAZEFACE_MODELS, BlazeFaceVariant } from './blazeface-models';

const modelsDir = join(repoRoot(), 'models');
const card = JSON.parse(readFileSync(join(modelsDir, 'blazeface.json'), 'utf8'));
const sha256 = (file: string) =>
  createHash('sha256')
    .update(readFileSync(join(modelsDir, file)))
    .digest('hex');

describe('models/blazeface.json', () => {
  it.each(['front', 'back'] as BlazeFaceVariant[])(
    'describes the shipped %s model and the code decoding it',
    (variant) => {
      const entry = card.models[variant];
      const spec = BLAZEFACE_MODELS[variant];
      expect(entry.file).toBe(spec.fileName);
      expect(sha256(entry.file)).toBe(entry.sha256);
      expect(entry.input.shape).toEqual([1, spec.inputSize, spec.inputSize, 3]);
      expect(entry.outputs.map((output: { name: string }) => output.name)).toEqual([
        ...spec.scoreOutputs,
        ...spec.regressorOutputs,
      ]);
      expect(entry.anchors.strides).toEqual(spec.anchorOptions.strides);
      expect(entry.anchors.min_scale).toBe(spec.anchorOptions.minScale);
      const anchors = generateAnchors(spec.anchorOptions);
      expect(entry.anchors.count).toBe(anchors.count);
      expect(entry.decode.x_scale).toBe(spec.coordinateScale);
    },
  );

  it('pins the same hashes as the extraction script, and the licence file', () => {
    const script = readFileSync(join(repoRoot(), 'scripts', 'fetch-blazeface.sh'), 'utf8');
    for (const entry of Object.values(card.models) as { sha256: string }[])
      expect(script).toContain(entry.sha256);
    expect(script).toContain(card.source.integrity);
    expect(sha256(card.license.file)).toBe(card.license.file_sha256);
  });
});

describe('verifyFaceDetectorModel', () => {
  it('checks both shipped files against the card', async () => {
    const verified = await verifyFaceDetectorModel(join(modelsDir, 'blazeface.json'));
    expect(verified.card).toMatchObject({ name: 'blazeface', version: '1.2.0' });
    expect(verified.files).toEqual([
      {
        variant: 'front',
        path: join(modelsDir, 'blazeface_front_128.onnx'),
        sha256: card.models.front.sha256,
        sizeBytes: 442005,
      },
      {
        variant: 'back',
        path: join(modelsDir, 'blazeface_back_256.onnx'),
        sha256: card.models.back.sha256,
        sizeBytes: 603432,
      },
    ]);
  });

  it('names what is wrong: no card, a missing file, a file that does not match', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maskd-blazeface-'));
    try {
      const copy = join(dir, 'blazeface.json');
      await expect(verifyFaceDetectorModel(copy)).rejects.toThrow(`model card not found: ${copy}`);
      copyFileSync(join(modelsDir, 'blazeface.json'), copy);
      copyFileSync(join(modelsDir, 'blazeface_front_128.onnx'), join(dir, 'blazeface_front_128.onnx'));
      await expect(verifyFaceDetectorModel(copy)).rejects.toThrow(
        `model file not found: ${join(dir, 'blazeface_back_256.onnx')}`,
      );
      writeFileSync(join(dir, 'blazeface_back_256.onnx'), 'not the model');
      await expect(verifyFaceDetectorModel(copy)).rejects.toThrow(
        /blazeface_back_256\.onnx does not match its model card/,
      );
      writeFileSync(copy, JSON.stringify({ name: 'blazeface', models: {} }));
      await expect(verifyFaceDetectorModel(copy)).rejects.toThrow(
        "'version' must be a non-empty string; 'models.front' must give the file and its sha256",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
