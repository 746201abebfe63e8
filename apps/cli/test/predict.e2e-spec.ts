import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, sharedDataPath } from '@maskd/imaging';
import { MAX_CLASSIFIED_FACES } from '@maskd/inference';
import {
  describeWithSharedData,
  fromRaw,
  LABELLED_FACES,
  labelledFacePath,
  noiseRgb,
  truncated,
} from '@maskd/imaging/testing';

const run = promisify(execFile);
/** `nobody` on Debian: the CLI runs as this user when the tests run as root, so permissions apply. */
const NOBODY = 65534;

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
/** A Node stack frame, as printed with an uncaught error. */
const STACK_FRAME = /^\s+at /m;

type Result = { code: number; stdout: string; stderr: string };

/** `npm run predict -- ...` as users run it (tsx on the sources), with its exit code. */
async function predict(...args: string[]): Promise<Result> {
  return predictAs({}, ...args);
}

/** The same as another user (`uid`/`gid`), e.g. one that file permissions apply to (they do not to root). */
async function predictAs(user: { uid?: number; gid?: number }, ...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(
      join(repoRoot(), 'node_modules', '.bin', 'tsx'),
      ['apps/cli/src/predict.ts', ...args],
      { cwd: repoRoot(), ...user },
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

    it('classifies at most --max-faces faces, the best-scored ones', async () => {
      const photo = join(dir, 'group.jpg');
      const all = jsonLines((await predict('--faces', '--json', photo)).stdout)[0];
      const { code, stdout } = await predict('--faces', '--json', '--max-faces', '2', photo);
      const [limited] = jsonLines(stdout);
      expect(all.faces.length).toBeGreaterThan(2);
      expect(limited.faces.map((face: { score: number }) => face.score)).toEqual(
        all.faces
          .map((face: { score: number }) => face.score)
          .sort((a: number, b: number) => b - a)
          .slice(0, 2),
      );
      expect(code).toBe(0);
    });
  });

  it('reports a folder it cannot read on its own line, still classifies the rest and exits 1', async () => {
    const root = mkdtempSync(join(tmpdir(), 'maskd-predict-locked-'));
    try {
      const locked = join(root, 'locked');
      mkdirSync(locked);
      copyFileSync(join(dir, 'face.jpg'), join(locked, 'hidden.jpg'));
      copyFileSync(join(dir, 'face.jpg'), join(root, 'face.jpg'));
      chmodSync(locked, 0);
      chmodSync(root, 0o755);
      const user = process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
      const args = ['--mode', 'whole', locked, join(root, 'face.jpg')];

      const json = await predictAs(user, '--json', ...args);
      expect(jsonLines(json.stdout)).toEqual([
        { file: locked, error: 'cannot read folder: permission denied' },
        expect.objectContaining({ file: join(root, 'face.jpg'), prediction: expect.any(String) }),
      ]);
      expect(json.code).toBe(1);

      const text = await predictAs(user, ...args);
      expect(text.stderr).toContain(`${locked}: error: cannot read folder: permission denied`);
      expect(text.stderr).toContain('2 file(s): 1 classified, 1 failed');
      expect(text.stderr).not.toMatch(STACK_FRAME);
      expect(text.stdout).toMatch(new RegExp(`^${join(root, 'face.jpg')}: (with_mask|without_mask)`));
      expect(text.code).toBe(1);
    } finally {
      chmodSync(join(root, 'locked'), 0o755);
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('classifies images linked into a folder and does not loop on links back to a parent folder', async () => {
    const linked = mkdtempSync(join(tmpdir(), 'maskd-predict-links-'));
    try {
      symlinkSync(join(dir, 'face.jpg'), join(linked, 'link.jpg'));
      mkdirSync(join(linked, 'sub'));
      symlinkSync('..', join(linked, 'sub', 'up'));
      symlinkSync(linked, join(linked, 'sub', 'back'));
      const { code, stdout } = await predict('--json', '--mode', 'whole', join(linked, 'sub'), linked);
      expect(jsonLines(stdout)).toEqual(
        [
          join(linked, 'sub', 'back', 'link.jpg'),
          join(linked, 'sub', 'up', 'link.jpg'),
          join(linked, 'link.jpg'),
        ].map((file) => expect.objectContaining({ file, prediction: expect.any(String) })),
      );
      expect(code).toBe(0);
    } finally {
      rmSync(linked, { recursive: true, force: true });
    }
  });

  it('exits 1 with a clear message when no image file is found', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'maskd-predict-empty-'));
    try {
      writeFileSync(join(empty, 'notes.txt'), 'not an image');
      for (const args of [[empty], ['--json', empty]]) {
        const { code, stdout, stderr } = await predict(...args);
        expect(stdout).toBe('');
        expect(stderr.trim()).toBe(
          `error: no image file found in ${empty} (folders are searched for .jpg .jpeg .jpe .jfif .png .webp .gif .tif .tiff .avif)`,
        );
        expect(code).toBe(1);
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('rejects an --annotate folder it cannot create in one line (exit 1), before loading the models', async () => {
    const missingModel = ['--model', join(dir, 'missing.onnx')];
    const notADir = await predict(...missingModel, '--annotate', '/dev/null/out', join(dir, 'face.jpg'));
    expect(notADir.stderr.trim()).toBe(
      'error: cannot write to --annotate /dev/null/out: a part of the path is not a folder',
    );
    expect(notADir.code).toBe(1);

    const file = join(dir, 'face.png');
    const existing = await predict(...missingModel, '--json', '--annotate', file, join(dir, 'face.jpg'));
    expect(existing.stderr.trim()).toBe(
      `error: cannot write to --annotate ${file}: exists and is not a folder`,
    );
    expect(existing.stdout).toBe('');
    expect(existing.code).toBe(1);
  });

  it('reads the face detector beside --model, else from the repository models/', async () => {
    const models = mkdtempSync(join(tmpdir(), 'maskd-predict-models-'));
    try {
      for (const file of ['mask_detector.onnx', 'mask_detector.json']) {
        symlinkSync(join(repoRoot(), 'models', file), join(models, file));
      }
      const args = [
        '--faces',
        '--json',
        '--model',
        join(models, 'mask_detector.onnx'),
        join(dir, 'face.png'),
      ];
      const fallback = await predict(...args);
      expect(jsonLines(fallback.stdout)).toEqual([expect.objectContaining({ mode: 'faces', faces: [] })]);
      expect(fallback.code).toBe(0);

      writeFileSync(join(models, 'blazeface.json'), '{"name": "not a detector card"}');
      const beside = await predict(...args);
      expect(beside.stderr).toContain('Cannot load the model:');
      expect(beside.stderr).toContain(join(models, 'blazeface.json'));
      expect(beside.code).toBe(2);
    } finally {
      rmSync(models, { recursive: true, force: true });
    }
  });

  it('documents the exit codes and the API default for --max-faces in --help', async () => {
    const { code, stdout } = await predict('--help');
    expect(stdout).toContain(`(default: ${MAX_CLASSIFIED_FACES})`);
    expect(stdout).toMatch(/Exit codes:\n\s+0 .*\n\s+1 .*\n.*\n\s+2 +a model cannot be loaded/);
    expect(code).toBe(0);
  });

  it('exits 2 with a clear message when the model cannot be loaded', async () => {
    const { code, stderr } = await predict('--model', join(dir, 'missing.onnx'), join(dir, 'face.jpg'));
    expect(stderr).toContain(`Cannot load the model: model file not found: ${join(dir, 'missing.onnx')}`);
    expect(code).toBe(2);
  });
});
