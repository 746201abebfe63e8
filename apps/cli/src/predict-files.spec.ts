import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage, repoRoot, sharedDataPath } from '@maskd/imaging';
import { describeWithSharedData, fromRaw, noiseRgb } from '@maskd/imaging/testing';
import { FaceDetector, MaskModelCard, OnnxMaskClassifier, verifyModel } from '@maskd/inference';
import { collectImageFiles, InputFile } from './collect-images';
import { FilePrediction, PredictModels, predictFiles } from './predict-files';

const SHIPPED_MASK_MODEL = join(repoRoot(), 'models', 'mask_detector.onnx');

async function collect(
  files: InputFile[],
  models: PredictModels,
  options: Parameters<typeof predictFiles>[2],
) {
  const results: FilePrediction[] = [];
  for await (const result of predictFiles(files, models, options)) results.push(result);
  return results;
}

describe('predict-files', () => {
  let dir: string;
  let card: MaskModelCard;
  let classifier: OnnxMaskClassifier;
  let detector: FaceDetector;
  let models: PredictModels;

  beforeAll(async () => {
    ({ card } = await verifyModel(SHIPPED_MASK_MODEL));
    classifier = await OnnxMaskClassifier.load(SHIPPED_MASK_MODEL, { intraOpThreads: 1 });
    detector = await FaceDetector.load({ intraOpThreads: 1 });
    models = {
      classifier,
      card,
      faceFinder: { detectFaces: (image, options) => detector.detect(image, options) },
    };
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
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await Promise.all([classifier.close(), detector.release()]);
  });

  it('classifies whole images in batches with the shipped model and reports each bad file in place', async () => {
    const files = [
      ...(await collectImageFiles([dir, join(dir, 'notes.txt'), join(dir, 'absent.jpg')])),
      { file: join(dir, 'locked'), error: 'cannot read folder: permission denied' },
    ];
    const results = await collect(files, models, { mode: 'whole', batchSize: 2 });

    expect(results.map((result) => result.file)).toEqual(files.map((entry) => entry.file));
    expect(results.map((result) => ('error' in result ? result.error : 'ok'))).toEqual([
      'ok',
      'ok',
      'ok',
      'Unsupported image format: send JPEG, PNG, WebP, GIF, TIFF or AVIF.',
      'Unsupported image format: send JPEG, PNG, WebP, GIF, TIFF or AVIF.',
      'file not found',
      'cannot read folder: permission denied',
    ]);
    for (const result of results.slice(0, 3)) {
      expect(result).toEqual({
        file: expect.any(String),
        mode: 'whole',
        prediction: expect.stringMatching(/^(with_mask|without_mask)$/),
        confidence: expect.any(Number),
        has_mask: expect.any(Boolean),
        message: expect.stringMatching(/^(No face mask|Face mask) detected$/),
        faces: undefined,
      });
    }
  });

  it('falls back to the whole image in auto mode when no face is found; faces mode has no verdict', async () => {
    const file = join(dir, 'b.jpg');
    const [auto] = await collect([{ file }], models, { mode: 'auto', batchSize: 4 });
    expect(auto).toMatchObject({
      mode: 'auto',
      faces: [],
      message: expect.stringMatching(/^No face found, so/),
    });
    const [faces] = await collect([{ file }], models, { mode: 'faces', batchSize: 4 });
    expect(faces).toMatchObject({ mode: 'faces', faces: [], prediction: null, message: 'No face found' });
  });

  it('reports an annotated copy it cannot write as that file failing, and goes on', async () => {
    const out = join(dir, 'blocked-annotations');
    mkdirSync(join(out, 'b.jpg'), { recursive: true }); // a folder where b.jpg's annotated copy would go
    const files = [{ file: join(dir, 'b.jpg') }, { file: join(dir, 'a.PNG') }];
    const results = await collect(files, models, { mode: 'whole', batchSize: 4, annotateDir: out });
    expect(results).toEqual([
      { file: join(dir, 'b.jpg'), error: `cannot write ${join(out, 'b.jpg')}: is a directory` },
      expect.objectContaining({ file: join(dir, 'a.PNG'), annotated: join(out, 'a.jpg') }),
    ]);
    expect(readdirSync(out).sort()).toEqual(['a.jpg', 'b.jpg']);
  });

  describeWithSharedData('on scene photos', () => {
    it('finds and classifies each face, in runs of at most batchSize images, and writes annotated copies', async () => {
      const images = sharedDataPath('datasets', 'andrewmvd_scenes_dev', 'images');
      const photos = join(dir, 'photos');
      mkdirSync(join(photos, 'other'), { recursive: true });
      copyFileSync(join(images, 'maksssksksss698.jpg'), join(photos, 'group.jpg'));
      // The same name in another folder: its annotated copy must not overwrite the first one.
      copyFileSync(join(images, 'maksssksksss340.jpg'), join(photos, 'other', 'group.jpg'));
      const predict = jest.spyOn(classifier, 'predict');
      const out = join(dir, 'annotated');
      const files = await collectImageFiles([photos]);
      const results = await collect(files, models, { mode: 'faces', batchSize: 3, annotateDir: out });
      predict.mockRestore();

      expect(predict.mock.calls.every(([inputs]) => inputs.length <= 3)).toBe(true);
      for (const result of results) {
        if ('error' in result) throw new Error(result.error);
        expect(result.faces!.length).toBeGreaterThanOrEqual(2);
        expect(result.prediction).toBe(
          result.faces!.some((face) => !face.has_mask) ? 'without_mask' : 'with_mask',
        );
      }
      expect(results.map((result) => ('annotated' in result ? result.annotated : undefined))).toEqual([
        join(out, 'group.jpg'),
        join(out, 'group-2.jpg'),
      ]);
      expect(readdirSync(out).sort()).toEqual(['group-2.jpg', 'group.jpg']);
      const annotated = await decodeImage(readFileSync(join(out, 'group.jpg')));
      expect([annotated.width, annotated.height]).toEqual([400, 333]);
    });
  });
});
