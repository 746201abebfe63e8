import { decodeImage, FLATTEN_BACKGROUND } from './decode';
import { sharp } from './sharp-instance';
import { fromRaw, noiseRgb, pixelAt, quadrantRgb, Rgb, solidRgb } from './testing/synthetic-images';

const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const BLUE: Rgb = [0, 0, 255];
const WHITE: Rgb = [255, 255, 255];
const CORAL: Rgb = [200, 40, 60];
const GREY: Rgb = [128, 128, 128];
const TEAL: Rgb = [30, 90, 110];

function expectClose(actual: Rgb, expected: Rgb, tolerance: number): void {
  actual.forEach((value, channel) =>
    expect(Math.abs(value - expected[channel])).toBeLessThanOrEqual(tolerance),
  );
}

/** 8x8 RGBA: the top half fully transparent black, the bottom half opaque black. */
function halfTransparent(): Buffer {
  const rgba = Buffer.alloc(8 * 8 * 4);
  for (let pixel = 32; pixel < 64; pixel++) rgba[pixel * 4 + 3] = 255;
  return rgba;
}
const rgba = () => sharp(halfTransparent(), { raw: { width: 8, height: 8, channels: 4 } });

describe('decodeImage', () => {
  describe('returns 3-channel sRGB with the right pixels for', () => {
    it.each([
      [
        'lossless PNG',
        () =>
          fromRaw(solidRgb(16, 12, CORAL))
            .png()
            .toBuffer(),
        0,
      ],
      [
        'baseline JPEG',
        () =>
          fromRaw(solidRgb(16, 12, CORAL))
            .jpeg({ quality: 95 })
            .toBuffer(),
        3,
      ],
      [
        'progressive JPEG',
        () =>
          fromRaw(solidRgb(16, 12, CORAL))
            .jpeg({ quality: 95, progressive: true })
            .toBuffer(),
        3,
      ],
      [
        'lossless WebP',
        () =>
          fromRaw(solidRgb(16, 12, CORAL))
            .webp({ lossless: true })
            .toBuffer(),
        0,
      ],
      [
        'lossy WebP',
        () =>
          fromRaw(solidRgb(16, 12, CORAL))
            .webp({ quality: 90 })
            .toBuffer(),
        6,
      ],
      [
        'GIF',
        () =>
          fromRaw(solidRgb(16, 12, CORAL))
            .gif()
            .toBuffer(),
        6,
      ],
      [
        'LZW TIFF',
        () =>
          fromRaw(solidRgb(16, 12, CORAL))
            .tiff({ compression: 'lzw' })
            .toBuffer(),
        0,
      ],
      [
        'JPEG-compressed TIFF',
        () =>
          fromRaw(solidRgb(16, 12, CORAL))
            .tiff({ compression: 'jpeg' })
            .toBuffer(),
        3,
      ],
      [
        'AVIF',
        () =>
          fromRaw(solidRgb(16, 12, CORAL))
            .avif({ quality: 90 })
            .toBuffer(),
        4,
      ],
      [
        '16-bit PNG',
        () =>
          fromRaw(solidRgb(16, 12, CORAL))
            .toColourspace('rgb16')
            .png()
            .toBuffer(),
        0,
      ],
    ])('%s', async (_name, encode, tolerance) => {
      const image = await decodeImage(await encode());
      expect([image.width, image.height]).toEqual([16, 12]);
      expect(image.data).toHaveLength(16 * 12 * 3);
      expectClose(pixelAt(image, 5, 5), CORAL, tolerance);
    });

    it('a greyscale PNG, as three equal channels', async () => {
      const bytes = await fromRaw(solidRgb(8, 8, [100, 100, 100]))
        .toColourspace('b-w')
        .png()
        .toBuffer();
      expect((await sharp(bytes).metadata()).channels).toBe(1);
      const image = await decodeImage(bytes);
      expect(image.data).toHaveLength(8 * 8 * 3);
      expect(pixelAt(image, 3, 3)).toEqual([100, 100, 100]);
    });

    it('a 16-bit PNG with distinct low bytes, rounded to 8 bits', async () => {
      const bytes = await fromRaw(noiseRgb(16, 16)).toColourspace('rgb16').png().toBuffer();
      expect((await sharp(bytes).metadata()).depth).toBe('ushort');
      const image = await decodeImage(bytes);
      expect(image.data.equals(noiseRgb(16, 16).data)).toBe(true);
    });

    it('a palette PNG', async () => {
      const source = quadrantRgb(16, 16, [RED, GREEN, BLUE, WHITE]);
      const bytes = await fromRaw(source).png({ palette: true, colours: 4 }).toBuffer();
      expect((await sharp(bytes).metadata()).isPalette).toBe(true);
      const image = await decodeImage(bytes);
      expect(image.data.equals(source.data)).toBe(true);
    });

    it('a CMYK JPEG without a profile, converted to sRGB', async () => {
      // In-gamut colours only: CMYK cannot hold saturated sRGB blue or green.
      const bytes = await fromRaw(quadrantRgb(16, 16, [CORAL, WHITE, GREY, TEAL]))
        .toColourspace('cmyk')
        .jpeg({ quality: 100 })
        .toBuffer();
      const header = await sharp(bytes).metadata();
      expect([header.space, header.channels]).toEqual(['cmyk', 4]);
      const image = await decodeImage(bytes);
      expect(image.data).toHaveLength(16 * 16 * 3);
      // Through libvips' CMYK profile and back: close, not exact (shadows lose a little).
      expectClose(pixelAt(image, 3, 3), CORAL, 24);
      expectClose(pixelAt(image, 12, 3), WHITE, 2);
      expectClose(pixelAt(image, 3, 12), GREY, 16);
      expectClose(pixelAt(image, 12, 12), TEAL, 32);
    });

    it('an image tagged with a Display P3 profile, converted to sRGB', async () => {
      const bytes = await fromRaw(solidRgb(8, 8, CORAL))
        .withIccProfile('p3')
        .png()
        .toBuffer();
      const stored = await sharp(bytes, { ignoreIcc: true }).raw().toBuffer();
      expect(Math.abs(stored[0] - CORAL[0])).toBeGreaterThan(8); // the file holds P3 values...
      expectClose(pixelAt(await decodeImage(bytes), 3, 3), CORAL, 2); // ...the decoder gives sRGB back.
    });
  });

  describe('flattens transparency onto white', () => {
    it.each([
      ['RGBA PNG', () => rgba().png().toBuffer()],
      ['palette PNG with tRNS', () => rgba().png({ palette: true }).toBuffer()],
      ['grey + alpha PNG', () => rgba().toColourspace('b-w').png().toBuffer()],
      ['WebP with alpha', () => rgba().webp({ lossless: true }).toBuffer()],
      ['AVIF with alpha', () => rgba().avif({ lossless: true }).toBuffer()],
    ])('%s', async (_name, encode) => {
      const image = await decodeImage(await encode());
      const background: Rgb = [FLATTEN_BACKGROUND.r, FLATTEN_BACKGROUND.g, FLATTEN_BACKGROUND.b];
      expect(background).toEqual(WHITE);
      expectClose(pixelAt(image, 4, 1), WHITE, 2);
      expectClose(pixelAt(image, 4, 6), [0, 0, 0], 2);
    });

    it('blends half-transparent pixels with white', async () => {
      const pixel = Buffer.alloc(8 * 8 * 4);
      for (let i = 0; i < 64; i++) pixel.set([0, 0, 0, 128], i * 4);
      const image = await decodeImage(
        await sharp(pixel, { raw: { width: 8, height: 8, channels: 4 } })
          .png()
          .toBuffer(),
      );
      expectClose(pixelAt(image, 2, 2), [127, 127, 127], 1);
    });
  });

  describe('applies EXIF orientation', () => {
    // Stored 40x20: top-left red, top-right green, bottom-left blue, bottom-right white.
    const stored = quadrantRgb(40, 20, [RED, GREEN, BLUE, WHITE]);
    const corners = (image: { width: number; height: number; data: Buffer }) => [
      pixelAt(image, 0, 0),
      pixelAt(image, image.width - 1, 0),
      pixelAt(image, 0, image.height - 1),
      pixelAt(image, image.width - 1, image.height - 1),
    ];

    it.each([
      [1, [40, 20], [RED, GREEN, BLUE, WHITE]],
      [3, [40, 20], [WHITE, BLUE, GREEN, RED]], // 180 degrees
      [6, [20, 40], [BLUE, RED, WHITE, GREEN]], // 90 degrees clockwise
      [8, [20, 40], [GREEN, WHITE, RED, BLUE]], // 90 degrees anticlockwise
    ])('orientation %i (JPEG)', async (orientation, size, expected) => {
      const bytes = await fromRaw(stored).withMetadata({ orientation }).jpeg({ quality: 100 }).toBuffer();
      expect((await sharp(bytes).metadata()).orientation).toBe(orientation);
      const image = await decodeImage(bytes);
      expect([image.width, image.height]).toEqual(size);
      corners(image).forEach((corner, index) => expectClose(corner, expected[index] as Rgb, 12));
    });

    it('orientation 6 in a PNG eXIf chunk, exactly', async () => {
      const bytes = await fromRaw(stored).withMetadata({ orientation: 6 }).png().toBuffer();
      const image = await decodeImage(bytes);
      expect(corners(image)).toEqual([BLUE, RED, WHITE, GREEN]);
    });
  });

  it('reads the first frame of an animated GIF and the first page of a multi-page TIFF', async () => {
    const frames = await Promise.all(
      [CORAL, BLUE].map((colour) =>
        fromRaw(solidRgb(16, 16, colour))
          .png()
          .toBuffer(),
      ),
    );
    const gif = await sharp(frames, { join: { animated: true } })
      .gif()
      .toBuffer();
    const tiff = await sharp(frames, { join: { animated: true } })
      .tiff({ compression: 'lzw' })
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    expect((await sharp(tiff).metadata()).pages).toBe(2);
    for (const bytes of [gif, tiff]) {
      const image = await decodeImage(bytes);
      expect([image.width, image.height]).toEqual([16, 16]);
      expectClose(pixelAt(image, 8, 8), CORAL, 6);
    }
  });

  it('reports the sniffed format and the source size', async () => {
    const image = await decodeImage(await fromRaw(noiseRgb(30, 20)).webp().toBuffer());
    expect(image).toMatchObject({ format: 'webp', width: 30, height: 20, sourceWidth: 30, sourceHeight: 20 });
  });

  describe('targetSide', () => {
    it('reduces a large image while decoding so that its shorter side is targetSide', async () => {
      const bytes = await fromRaw(noiseRgb(800, 500)).jpeg().toBuffer();
      const image = await decodeImage(bytes, {}, { targetSide: 100 });
      expect(image).toMatchObject({ width: 160, height: 100, sourceWidth: 800, sourceHeight: 500 });
    });

    it('leaves images under twice targetSide untouched', async () => {
      const bytes = await fromRaw(noiseRgb(500, 199)).png().toBuffer();
      const image = await decodeImage(bytes, {}, { targetSide: 100 });
      expect([image.width, image.height]).toEqual([500, 199]);
      expect(image.data.equals(noiseRgb(500, 199).data)).toBe(true);
    });

    it('applies to the upright size of rotated images', async () => {
      const bytes = await fromRaw(noiseRgb(600, 400)).withMetadata({ orientation: 6 }).jpeg().toBuffer();
      const image = await decodeImage(bytes, {}, { targetSide: 100 });
      expect(image).toMatchObject({ width: 100, height: 150, sourceWidth: 400, sourceHeight: 600 });
    });

    it('rejects a non-positive targetSide', async () => {
      const bytes = await fromRaw(noiseRgb(16, 16)).png().toBuffer();
      await expect(decodeImage(bytes, {}, { targetSide: 0 })).rejects.toThrow(RangeError);
    });
  });
});
