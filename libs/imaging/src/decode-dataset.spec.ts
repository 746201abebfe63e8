import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { extname, join } from 'node:path';
import { decodeImage } from './decode';
import { sniffImageFormat } from './image-format';
import { toModelInput } from './model-input';
import { sharedDataPath } from './shared-data';
import { describeWithSharedData } from './testing/shared-data-jest';

interface Candidate {
  path: string;
  name: string;
  head: Buffer;
}

function readHead(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(32);
    return head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } finally {
    closeSync(fd);
  }
}

/** Width and height per dataset-relative path, as MANIFEST.csv records them. */
function manifestSizes(): Map<string, [number, number]> {
  const [header, ...rows] = readFileSync(sharedDataPath('datasets', 'MANIFEST.csv'), 'utf8')
    .trim()
    .split(/\r?\n/);
  const columns = header.split(',');
  const [path, width, height] = ['path', 'width', 'height'].map((name) => columns.indexOf(name));
  return new Map(
    rows.map((row) => row.split(',')).map((cells) => [cells[path], [+cells[width], +cells[height]]]),
  );
}

const extensionFormat = (name: string) => extname(name).slice(1).toLowerCase().replace(/^jpg$/, 'jpeg');
const pngColourType = (head: Buffer) => head[25]; // IHDR colour type: 3 palette, 6 RGBA

/**
 * ~20 files that cover the dataset's messiness: every file whose extension lies about its content, PNGs with
 * alpha and palettes, WebP, and evenly spaced JPEGs from both classes. Headers only, so choosing is cheap.
 */
function chooseFiles(): Candidate[] {
  const root = sharedDataPath('datasets', 'chandrikadeb7');
  const all = ['with_mask', 'without_mask'].flatMap((cls) =>
    readdirSync(join(root, cls))
      .sort()
      .map((file) => ({ path: join(root, cls, file), name: `chandrikadeb7/${cls}/${file}` })),
  );
  const candidates = all.map((file) => ({ ...file, head: readHead(file.path) }));
  const format = (file: Candidate) => sniffImageFormat(file.head);
  const mislabelled = candidates.filter((file) => format(file) !== extensionFormat(file.name));
  const pngs = candidates.filter((file) => format(file) === 'png' && !mislabelled.includes(file));
  const chosen = [
    ...mislabelled,
    ...pngs.filter((file) => pngColourType(file.head) === 6).slice(0, 4),
    ...pngs.filter((file) => pngColourType(file.head) === 3).slice(0, 2),
    ...candidates.filter((file) => format(file) === 'webp').slice(0, 2),
  ];
  const jpegs = candidates.filter((file) => format(file) === 'jpeg' && !chosen.includes(file));
  const step = Math.floor(jpegs.length / (20 - chosen.length));
  return [...chosen, ...jpegs.filter((_, index) => index % step === 0)].slice(0, 20);
}

describeWithSharedData('decodeImage on real dataset files', () => {
  const files = chooseFiles();
  const sizes = manifestSizes();

  it('covers mislabelled extensions, PNG alpha and palette, WebP and JPEG', () => {
    expect(files).toHaveLength(20);
    const mislabelled = files.filter((file) => sniffImageFormat(file.head) !== extensionFormat(file.name));
    expect(mislabelled.length).toBeGreaterThanOrEqual(2);
    expect(files.filter((file) => pngColourType(file.head) === 6 && file.name.endsWith('.png'))).toHaveLength(
      4,
    );
  });

  it.each(files.map((file) => [file.name, file] as const))('%s', async (name, file) => {
    const image = await decodeImage(readFileSync(file.path));
    expect(image.format).toBe(sniffImageFormat(file.head));
    expect([image.width, image.height]).toEqual(sizes.get(name));
    expect(image.data).toHaveLength(image.width * image.height * 3);
    const input = await toModelInput(image, { size: 224 });
    expect(input.every((value) => value >= -1 && value <= 1)).toBe(true);
  });

  it('flattens a real cut-out PNG (black under alpha 0) onto white', async () => {
    const bytes = readFileSync(sharedDataPath('datasets', 'chandrikadeb7', 'with_mask', 'with_mask014.png'));
    const image = await decodeImage(bytes);
    expect(Array.from(image.data.subarray(0, 3))).toEqual([255, 255, 255]);
  });
});
