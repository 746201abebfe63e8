import type { Sharp } from 'sharp';
import { decodeImage } from './decode';
import { DEFAULT_DECODE_LIMITS } from './decode-limits';
import { ImageDecodeError, ImageErrorCode } from './errors';
import {
  fromRaw,
  jpegDeclaringSize,
  noiseRgb,
  pngDeclaringSize,
  solidRgb,
  truncated,
} from './testing/synthetic-images';

/** Decoder internals that must never reach an API user. */
const INTERNALS = /vips|sharp|libpng|libjpeg|heif:|spng|\bat \w+ \(|node_modules/i;

async function rejection(
  bytes: Buffer,
  limits?: Parameters<typeof decodeImage>[1],
): Promise<ImageDecodeError> {
  try {
    await decodeImage(bytes, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(ImageDecodeError);
    return error as ImageDecodeError;
  }
  throw new Error('decodeImage accepted the input');
}

async function expectCode(bytes: Buffer, code: ImageErrorCode, limits?: Parameters<typeof decodeImage>[1]) {
  const error = await rejection(bytes, limits);
  expect(error.code).toBe(code);
  expect(error.name).toBe('ImageDecodeError');
  expect(error.message).not.toMatch(INTERNALS);
  return error;
}

describe('decodeImage rejects bad input with a typed, user-safe error', () => {
  const noise = fromRaw(noiseRgb(256, 256));
  const smallNoise = fromRaw(noiseRgb(64, 64)); // GIF and AVIF encoders are slow on noise

  it('empty: 0 bytes', async () => {
    const error = await expectCode(Buffer.alloc(0), 'empty');
    expect(error.message).toBe('The image is empty (0 bytes).');
  });

  it.each([
    ['random bytes', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251))],
    ['text', Buffer.from('{"image": "not really"}')],
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect/></svg>')],
    ['PDF', Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF')],
    ['BMP', Buffer.concat([Buffer.from('BM', 'latin1'), Buffer.alloc(64)])],
  ])('unsupported_format: %s', async (_name, bytes) => {
    const error = await expectCode(bytes, 'unsupported_format');
    expect(error.message).toContain('JPEG, PNG, WebP, GIF, TIFF or AVIF');
  });

  it('unsupported_format: HEIC, which the prebuilt decoder cannot read', async () => {
    const heic = Buffer.alloc(64);
    heic.writeUInt32BE(24, 0);
    heic.write('ftypheic\0\0\0\0mif1heic', 4, 'latin1');
    expect((await expectCode(heic, 'unsupported_format')).message).toMatch(/HEIC/);
  });

  const cut = async (encoder: Sharp, fraction = 0.5) => truncated(await encoder.toBuffer(), fraction);

  it.each([
    ['truncated baseline JPEG', () => cut(noise.clone().jpeg())],
    ['truncated progressive JPEG', () => cut(noise.clone().jpeg({ progressive: true }))],
    [
      'JPEG cut just before its end marker',
      async () => (await noise.clone().jpeg().toBuffer()).subarray(0, -2),
    ],
    ['truncated PNG', () => cut(noise.clone().png(), 0.6)],
    ['truncated WebP', () => cut(noise.clone().webp())],
    ['truncated GIF', () => cut(smallNoise.clone().gif())],
    ['truncated TIFF', () => cut(noise.clone().tiff())],
    ['truncated AVIF', () => cut(smallNoise.clone().avif())],
    [
      'JPEG magic then garbage',
      async () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(500, 7)]),
    ],
    ['PNG signature only', async () => (await noise.clone().png().toBuffer()).subarray(0, 8)],
  ])('corrupt: %s', async (_name, make) => {
    const error = await expectCode(await make(), 'corrupt');
    expect(error.message).toMatch(/^The (JPEG|PNG|WebP|GIF|TIFF|AVIF) image is corrupt or truncated\.$/);
    expect(error.cause).toBeInstanceOf(Error); // the decoder's own words, for logs
  });

  it('too_many_pixels: a 1 KB PNG declaring 50000x50000, from its header alone', async () => {
    const bomb = pngDeclaringSize(50_000, 50_000);
    expect(bomb.length).toBeLessThan(2048);
    const rssBefore = process.memoryUsage().rss;
    const started = process.hrtime.bigint();
    const error = await expectCode(bomb, 'too_many_pixels');
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    // Decoding would need 7.5 GB; reading the header needs nothing measurable.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024);
    expect(elapsedMs).toBeLessThan(1000);
    expect(error.message).toBe(
      'The image is too large: 50000x50000 pixels (2500.0 Mpx); the limit is 50.0 Mpx.',
    );
  });

  it('too_many_pixels: a JPEG whose frame header claims 65000x65000', async () => {
    const jpeg = jpegDeclaringSize(await noise.clone().jpeg().toBuffer(), 65_000, 65_000);
    await expectCode(jpeg, 'too_many_pixels');
  });

  it('too_many_pixels: honours a lower maxPixels', async () => {
    const bytes = await noise.clone().png().toBuffer();
    await expectCode(bytes, 'too_many_pixels', { maxPixels: 256 * 255 });
    await expect(decodeImage(bytes, { maxPixels: 256 * 256 })).resolves.toMatchObject({ width: 256 });
  });

  it('too_small: a side under minSide, after orientation', async () => {
    const tiny = await fromRaw(solidRgb(DEFAULT_DECODE_LIMITS.minSide - 1, 40, [9, 9, 9]))
      .png()
      .toBuffer();
    const error = await expectCode(tiny, 'too_small');
    expect(error.message).toBe('The image is too small: 7x40 pixels; each side needs at least 8 pixels.');
    await expectCode(
      await fromRaw(solidRgb(30, 30, [9, 9, 9]))
        .png()
        .toBuffer(),
      'too_small',
      { minSide: 31 },
    );
    const exact = await fromRaw(solidRgb(8, 8, [9, 9, 9]))
      .jpeg()
      .toBuffer();
    await expect(decodeImage(exact)).resolves.toMatchObject({ width: 8, height: 8 });
  });

  it('throws RangeError, not an ImageDecodeError, for invalid limits (a caller bug)', async () => {
    const bytes = await noise.clone().png().toBuffer();
    await expect(decodeImage(bytes, { maxPixels: 0 })).rejects.toThrow(RangeError);
  });
});
