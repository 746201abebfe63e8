import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sniffImageFormat } from './image-format';
import { fromRaw, noiseRgb } from './testing/synthetic-images';

function isoMedia(majorBrand: string, compatibleBrands: string[]): Buffer {
  const size = 16 + 4 * compatibleBrands.length;
  const box = Buffer.alloc(size + 8);
  box.writeUInt32BE(size, 0);
  box.write('ftyp', 4, 'latin1');
  box.write(majorBrand, 8, 'latin1');
  compatibleBrands.forEach((brand, index) => box.write(brand, 16 + 4 * index, 'latin1'));
  return box;
}

describe('sniffImageFormat', () => {
  const image = fromRaw(noiseRgb(16, 16));

  it.each([
    ['jpeg', () => image.clone().jpeg().toBuffer()],
    ['png', () => image.clone().png().toBuffer()],
    ['webp', () => image.clone().webp().toBuffer()],
    ['gif', () => image.clone().gif().toBuffer()],
    ['tiff', () => image.clone().tiff().toBuffer()],
    ['avif', () => image.clone().avif().toBuffer()],
  ])('recognises %s encoded by sharp', async (format, encode) => {
    expect(sniffImageFormat(await encode())).toBe(format);
  });

  it('recognises big-endian TIFF, BigTIFF, GIF87a and the AVIF and HEIC brands', () => {
    expect(sniffImageFormat(Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]))).toBe('tiff');
    expect(sniffImageFormat(Buffer.from([0x49, 0x49, 0x2b, 0x00, 8, 0, 0, 0]))).toBe('tiff');
    expect(sniffImageFormat(Buffer.from('GIF87a\x01\x00\x01\x00', 'latin1'))).toBe('gif');
    expect(sniffImageFormat(isoMedia('mif1', ['mif1', 'avif', 'miaf']))).toBe('avif');
    expect(sniffImageFormat(isoMedia('avis', []))).toBe('avif');
    expect(sniffImageFormat(isoMedia('heic', ['mif1', 'heic']))).toBe('heif');
    expect(sniffImageFormat(isoMedia('mif1', ['mif1']))).toBe('heif');
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')],
    ['SVG with XML prolog', Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>')],
    ['PDF', Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj')],
    ['BMP', Buffer.from('BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00', 'latin1')],
    ['text', Buffer.from('hello, this is not an image')],
    ['an MP4 video', isoMedia('isom', ['isom', 'mp41'])],
    ['a truncated PNG signature', Buffer.from([0x89, 0x50, 0x4e, 0x47])],
    ['a RIFF that is not WebP', Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt ', 'latin1')],
    ['random bytes', Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 73 + 41) % 256))],
  ])('returns undefined for %s', (_name, bytes) => {
    expect(sniffImageFormat(bytes)).toBeUndefined();
  });

  it('goes by content, never by file name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maskd-sniff-'));
    try {
      writeFileSync(join(dir, 'photo.jpg'), await image.clone().png().toBuffer());
      writeFileSync(join(dir, 'scan.png'), await image.clone().webp().toBuffer());
      expect(sniffImageFormat(readFileSync(join(dir, 'photo.jpg')))).toBe('png');
      expect(sniffImageFormat(readFileSync(join(dir, 'scan.png')))).toBe('webp');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
