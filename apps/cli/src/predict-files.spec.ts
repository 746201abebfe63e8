import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@maskd/imaging';
import { fromRaw, noiseRgb } from '@maskd/imaging/testing';
import { OnnxMaskClassifier, verifyModel } from '@maskd/inference';
import { collectImageFiles, FilePrediction, predictFiles } from './predict-files';

const SHIPPED_MASK_MODEL = join(repoRoot(), 'models', 'mask_detector.onnx');

describe('predict-files', () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'maskd-cli-'));
    mkdirSync(join(dir, 'nested', 'deeper'), { recursive: true });
    const jpeg = await fromRaw(noiseRgb(64, 48, 3))
      .jpeg()
      .toBuffer();
    const png = await fromRaw(noiseRgb(40, 40, 4))
      .png()
      .toBuffer();
    writeFileSync(join(dir, 'b.jpg'), jpeg);
    writeFileSync(join(dir, 'a.PNG'), png);
    writeFileSync(join(dir, 'notes.txt'), 'not picked up from a folder');
    writeFileSync(join(dir, 'nested', 'fake.jpg'), 'text named .jpg');
    writeFileSync(
      join(dir, 'nested', 'deeper', 'c.webp'),
      await fromRaw(noiseRgb(30, 30, 5))
        .webp()
        .toBuffer(),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('expands folders to their image files, sorted and recursive, and keeps named files as given', async () => {
    const files = await collectImageFiles([dir, join(dir, 'notes.txt'), join(dir, 'absent.jpg')]);
    expect(files).toEqual([
      join(dir, 'a.PNG'),
      join(dir, 'b.jpg'),
      join(dir, 'nested', 'deeper', 'c.webp'),
      join(dir, 'nested', 'fake.jpg'),
      join(dir, 'notes.txt'),
      join(dir, 'absent.jpg'),
    ]);
  });

  it('classifies in batches with the shipped model and reports each bad file in place', async () => {
    const { card } = await verifyModel(SHIPPED_MASK_MODEL);
    const classifier = await OnnxMaskClassifier.load(SHIPPED_MASK_MODEL, { intraOpThreads: 1 });
    const files = await collectImageFiles([dir, join(dir, 'notes.txt'), join(dir, 'absent.jpg')]);
    const results: FilePrediction[] = [];
    for await (const result of predictFiles(files, classifier, card, 2)) results.push(result);
    await classifier.close();

    expect(results.map((result) => result.file)).toEqual(files);
    expect(results.map((result) => ('error' in result ? result.error : 'ok'))).toEqual([
      'ok',
      'ok',
      'ok',
      'Unsupported image format: send JPEG, PNG, WebP, GIF, TIFF or AVIF.',
      'Unsupported image format: send JPEG, PNG, WebP, GIF, TIFF or AVIF.',
      'file not found',
    ]);
    for (const result of results.slice(0, 3)) {
      expect(result).toEqual({
        file: expect.any(String),
        prediction: expect.stringMatching(/^(with_mask|without_mask)$/),
        confidence: expect.any(Number),
        has_mask: expect.any(Boolean),
      });
    }
  });
});
