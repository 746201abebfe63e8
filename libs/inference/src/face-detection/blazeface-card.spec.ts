import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@maskd/imaging';
import { generateAnchors } from './anchors';
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
