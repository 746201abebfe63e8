import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, sharedDataPath } from '@maskd/imaging';
import {
  describeWithSharedData,
  fromRaw,
  LABELLED_FACES,
  labelledFacePath,
  noiseRgb,
  truncated,
} from '@maskd/imaging/testing';

const run = promisify(execFile);

/** `npm run predict -- ...` as users run it (tsx on the sources), with its exit code. */
async function predict(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      join(repoRoot(), 'node_modules', '.bin', 'tsx'),
      ['apps/cli/src/predict.ts', ...args],
      {
        cwd: repoRoot(),
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run predict (e2e, shipped model)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'maskd-predict-'));
    const jpeg = await fromRaw(noiseRgb(80, 80, 9))
      .jpeg()
      .toBuffer();
    writeFileSync(join(dir, 'face.jpg'), jpeg);
    writeFileSync(
      join(dir, 'face.png'),
      await fromRaw(noiseRgb(50, 50, 2))
        .png()
        .toBuffer(),
    );
    writeFileSync(join(dir, 'broken.jpg'), truncated(jpeg, 0.4));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one JSON line per file and exits 1 when a file failed', async () => {
    const { code, stdout } = await predict('--json', '--mode', 'whole', '--batch-size', '2', dir);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { file: join(dir, 'broken.jpg'), error: 'The JPEG image is corrupt or truncated.' },
      expect.objectContaining({
        file: join(dir, 'face.jpg'),
        prediction: expect.any(String),
        confidence: expect.any(Number),
      }),
      expect.objectContaining({
        file: join(dir, 'face.png'),
        prediction: expect.any(String),
        confidence: expect.any(Number),
      }),
    ]);
    expect(code).toBe(1);
  });

  it('prints label and confidence per file and exits 0 when all succeed', async () => {
    const { code, stdout, stderr } = await predict(
      '--mode',
      'whole',
      join(dir, 'face.jpg'),
      join(dir, 'face.png'),
    );
    expect(stdout.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^${join(dir, 'face.jpg')}: (with_mask|without_mask) \\(\\d+\\.\\d%\\)$`),
      ),
      expect.stringMatching(
        new RegExp(`^${join(dir, 'face.png')}: (with_mask|without_mask) \\(\\d+\\.\\d%\\)$`),
      ),
    ]);
    expect(stderr).toContain('2 file(s): 2 classified, 0 failed');
    expect(code).toBe(0);
  });

  it('rejects an unknown mode', async () => {
    const { code, stderr } = await predict('--mode', 'some', join(dir, 'face.jpg'));
    expect(stderr).toContain(
      "option '--mode <mode>' argument 'some' is invalid. Allowed choices are auto, faces, whole.",
    );
    expect(code).not.toBe(0);
  });

  describeWithSharedData('labelled face photos from the test split', () => {
    it('labels every one right', async () => {
      const files = LABELLED_FACES.map(labelledFacePath);
      const { code, stdout } = await predict('--json', ...files);
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines.map((line) => [line.file, line.prediction])).toEqual(
        LABELLED_FACES.map((face, i) => [files[i], face.label]),
      );
      for (const line of lines) expect(line.confidence).toBeGreaterThan(0.9);
      expect(code).toBe(0);
    });
  });

  describeWithSharedData('--faces on a scene photo', () => {
    it('prints the faces as JSON and writes the annotated image', async () => {
      const photo = join(dir, 'group.jpg');
      copyFileSync(
        sharedDataPath('datasets', 'andrewmvd_scenes_dev', 'images', 'maksssksksss698.jpg'),
        photo,
      );
      const out = join(dir, 'annotated');
      const { code, stdout } = await predict(
        '--faces',
        '--json',
        '--annotate',
        out,
        photo,
        join(dir, 'face.png'),
      );
      const [group, noise] = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(group).toMatchObject({
        file: photo,
        mode: 'faces',
        prediction: expect.stringMatching(/^(with_mask|without_mask)$/),
        annotated: join(out, 'group.jpg'),
      });
      expect(group.faces.length).toBeGreaterThanOrEqual(5);
      expect(group.faces[0]).toEqual({
        box: {
          x: expect.any(Number),
          y: expect.any(Number),
          width: expect.any(Number),
          height: expect.any(Number),
        },
        score: expect.any(Number),
        prediction: expect.stringMatching(/^(with_mask|without_mask)$/),
        confidence: expect.any(Number),
        has_mask: expect.any(Boolean),
      });
      expect(noise).toMatchObject({ mode: 'faces', faces: [], prediction: null, message: 'No face found' });
      expect(readdirSync(out).sort()).toEqual(['face.jpg', 'group.jpg']);
      expect(code).toBe(0);
    });
  });

  it('exits 2 with a clear message when the model cannot be loaded', async () => {
    const { code, stderr } = await predict('--model', join(dir, 'missing.onnx'), join(dir, 'face.jpg'));
    expect(stderr).toContain(`Cannot load the model: model file not found: ${join(dir, 'missing.onnx')}`);
    expect(code).toBe(2);
  });
});
