import { readFile } from 'node:fs/promises';
import { decodeImage } from './decode';
import { DecodedImage } from './decoded-image';
import { modelInputDecodeOptions, preprocessImage, toModelInput } from './model-input';
import { planResize, ResizeMode } from './resize';
import { sharedDataPath } from './shared-data';
import { describeWithSharedData } from './testing/shared-data-jest';
import { asDecoded, fromRaw, noiseRgb, Rgb, solidRgb } from './testing/synthetic-images';

const A: Rgb = [255, 0, 51];
const B: Rgb = [0, 102, 255];
const C: Rgb = [20, 220, 20];
const norm = (value: number) => Math.fround(value / 127.5 - 1);

/** Vertical stripes of equal width, one per colour. */
function stripes(stripeWidth: number, height: number, colours: Rgb[]): DecodedImage {
  const width = stripeWidth * colours.length;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(colours[Math.floor(x / stripeWidth)], (y * width + x) * 3);
  }
  return { data, width, height, format: 'png' };
}

/** The normalised RGB of pixel (x, y) of an NHWC input of side `size`. */
function at(input: Float32Array, size: number, x: number, y: number): number[] {
  const offset = (y * size + x) * 3;
  return Array.from(input.subarray(offset, offset + 3));
}

describe('toModelInput', () => {
  it('returns size * size * 3 floats, all within [-1, 1]', async () => {
    const input = await toModelInput(asDecoded(noiseRgb(57, 31)), { size: 24 });
    expect(input).toBeInstanceOf(Float32Array);
    expect(input).toHaveLength(24 * 24 * 3);
    expect(input.every((value) => value >= -1 && value <= 1)).toBe(true);
  });

  it('reaches exactly -1 and 1 for black and white', async () => {
    const image = stripes(8, 16, [
      [0, 0, 0],
      [255, 255, 255],
    ]);
    const input = await toModelInput(image, { size: 16 });
    expect(Math.min(...input)).toBe(-1);
    expect(Math.max(...input)).toBe(1);
  });

  it('passes an image already at the input size through unresampled', async () => {
    const image = asDecoded(noiseRgb(32, 32));
    const input = await toModelInput(image, { size: 32 });
    expect(Array.from(input)).toEqual(Array.from(image.data, norm));
  });

  it('squash (default) stretches the whole image to the square', async () => {
    const input = await toModelInput(stripes(10, 10, [A, B]), { size: 10 }); // 20x10 -> 10x10
    for (const y of [0, 5, 9]) {
      for (const x of [0, 1, 2]) expect(at(input, 10, x, y)).toEqual(A.map(norm));
      for (const x of [7, 8, 9]) expect(at(input, 10, x, y)).toEqual(B.map(norm));
    }
    expect(await toModelInput(stripes(10, 10, [A, B]), { size: 10, resize: 'squash' })).toEqual(input);
  });

  it('letterbox fits the whole image and pads with the grey that normalises to 0', async () => {
    const input = await toModelInput(asDecoded(solidRgb(20, 10, A)), { size: 10, resize: 'letterbox' });
    for (let y = 0; y < 10; y++) {
      const expected = y >= 2 && y < 7 ? A.map(norm) : [0, 0, 0]; // 10x5 content centred at row 2
      for (const x of [0, 4, 9]) expect(at(input, 10, x, y)).toEqual(expected);
    }
  });

  it('center-crop keeps the centred square', async () => {
    const exact = await toModelInput(stripes(10, 10, [A, B, C]), { size: 10, resize: 'center-crop' });
    expect(Array.from(exact)).toEqual(Array.from(stripes(10, 10, [B]).data, norm));
    const resampled = await toModelInput(stripes(20, 20, [A, B, C]), { size: 10, resize: 'center-crop' });
    expect(Array.from(resampled)).toEqual(Array.from(stripes(10, 10, [B]).data, norm));
  });

  it('writes nchw as the channel planes of the nhwc input', async () => {
    const image = asDecoded(noiseRgb(40, 30));
    const nhwc = await toModelInput(image, { size: 8, layout: 'nhwc' });
    const nchw = await toModelInput(image, { size: 8, layout: 'nchw' });
    for (let pixel = 0; pixel < 64; pixel++) {
      for (let c = 0; c < 3; c++) expect(nchw[c * 64 + pixel]).toBe(nhwc[pixel * 3 + c]);
    }
  });

  it('enlarges tiny faces smoothly', async () => {
    const input = await toModelInput(stripes(10, 20, [A, B]), { size: 224 });
    expect(at(input, 224, 0, 100)).toEqual(A.map(norm));
    expect(at(input, 224, 223, 100)).toEqual(B.map(norm));
    const middle = at(input, 224, 112, 100)[2]; // blue channel crosses from A's 51 to B's 255
    expect(middle).toBeGreaterThan(norm(51));
    expect(middle).toBeLessThan(norm(255));
  });

  it('rejects an invalid size, an unknown mode and a malformed image', async () => {
    const image = asDecoded(noiseRgb(8, 8));
    await expect(toModelInput(image, { size: 0 })).rejects.toThrow(
      new RangeError('Model input size must be a positive integer, got 0'),
    );
    await expect(toModelInput(image, { size: 2.5 })).rejects.toThrow(RangeError);
    await expect(toModelInput(image, { size: 8, resize: 'stretch' as ResizeMode })).rejects.toThrow(
      RangeError,
    );
    await expect(toModelInput({ ...image, width: 9 }, { size: 8 })).rejects.toThrow(RangeError);
  });
});

describe('planResize', () => {
  it('centres letterboxed content and never exceeds the square', () => {
    expect(planResize(300, 100, 224, 'letterbox').target).toEqual({
      left: 0,
      top: 74,
      width: 224,
      height: 75,
    });
    expect(planResize(1, 1000, 224, 'letterbox').target).toEqual({
      left: 111,
      top: 0,
      width: 1,
      height: 224,
    });
    expect(planResize(301, 100, 224, 'center-crop').source).toEqual({
      left: 100,
      top: 0,
      width: 100,
      height: 100,
    });
  });
});

/**
 * How every whole-image path decoded before modelInputDecodeOptions existed: training's feature worker,
 * preprocessImage and serving's decodeTargetSide each wrote `targetSide: 2 * size` themselves.
 */
const previousDecode = (bytes: Buffer, size: number) =>
  decodeImage(bytes, undefined, { targetSide: 2 * size });

async function expectSameDecode(bytes: Buffer, size: number): Promise<DecodedImage> {
  const decoded = await decodeImage(bytes, undefined, modelInputDecodeOptions(size));
  const previous = await previousDecode(bytes, size);
  // Buffer.equals: jest's toEqual walks large buffers element by element.
  expect({ ...decoded, data: undefined }).toEqual({ ...previous, data: undefined });
  expect(decoded.data.equals(previous.data)).toBe(true);
  return decoded;
}

describe('modelInputDecodeOptions', () => {
  it('decodes whole images bit-identically to the previous `targetSide: 2 * size`', async () => {
    const sizes: [number, number][] = [
      [40, 30], // smaller than the input: untouched
      [127, 129], // shorter side just under 2 x 2 x 32: untouched
      [128, 200], // exactly 2 x 2 x 32: reduced
      [400, 300], // JPEG shrink-on-load
    ];
    for (const [width, height] of sizes) {
      const raw = noiseRgb(width, height, width);
      for (const bytes of [
        await fromRaw(raw).jpeg().toBuffer(),
        await fromRaw(raw).png().toBuffer(),
        await fromRaw(raw).webp().toBuffer(),
      ]) {
        const decoded = await expectSameDecode(bytes, 32);
        expect(Math.min(decoded.width, decoded.height)).toBe(
          Math.min(width, height) >= 128 ? 64 : Math.min(width, height),
        );
      }
    }
  });

  it('validates the size', () => {
    expect(modelInputDecodeOptions(224)).toEqual({ targetSide: 448 });
    expect(() => modelInputDecodeOptions(0)).toThrow(RangeError);
    expect(() => modelInputDecodeOptions(2.5)).toThrow(RangeError);
  });
});

describeWithSharedData('modelInputDecodeOptions on dataset images', () => {
  it('decodes them bit-identically to the previous `targetSide: 2 * size`', async () => {
    const files = [
      'with_mask/Mask18.jpg', // 3404 px on its shorter side: 1/4 shrink-on-load, then reduced
      'with_mask/with_mask175.jpg',
      'with_mask/0129.png', // 596 px: reduced by libvips, no JPEG shrink
      'with_mask/black10.webp',
      'without_mask/223.jpg',
    ];
    for (const file of files) {
      const bytes = await readFile(sharedDataPath('datasets', 'chandrikadeb7', file));
      const decoded = await expectSameDecode(bytes, 224);
      const { input } = await preprocessImage(bytes, { size: 224 });
      const expected = await toModelInput(decoded, { size: 224 });
      expect(Buffer.from(input.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    }
  });
});

describe('preprocessImage', () => {
  it('is decodeImage followed by toModelInput', async () => {
    const bytes = await fromRaw(noiseRgb(90, 60)).jpeg().toBuffer();
    const { input, image } = await preprocessImage(bytes, { size: 32, resize: 'letterbox', layout: 'nchw' });
    const decoded = await decodeImage(bytes);
    expect(image).toEqual(decoded);
    expect(input).toEqual(await toModelInput(decoded, { size: 32, resize: 'letterbox', layout: 'nchw' }));
  });

  it('decodes photos far larger than the input at reduced size, and says so', async () => {
    const bytes = await fromRaw(noiseRgb(400, 300)).jpeg().toBuffer();
    const { input, image } = await preprocessImage(bytes, { size: 32 });
    expect(image).toMatchObject({ width: 85, height: 64, sourceWidth: 400, sourceHeight: 300 });
    expect(input).toHaveLength(32 * 32 * 3);
  });

  it('passes decode limits through and validates the size first', async () => {
    const bytes = await fromRaw(noiseRgb(40, 40)).png().toBuffer();
    await expect(preprocessImage(bytes, { size: 8, limits: { minSide: 50 } })).rejects.toMatchObject({
      code: 'too_small',
    });
    await expect(preprocessImage(bytes, { size: 0 })).rejects.toThrow(RangeError);
  });
});
