import { crc32, deflateSync } from 'node:zlib';
import type { Sharp } from 'sharp';
import type { DecodedImage } from '../decoded-image';
import { sharp } from '../sharp-instance';

/*
 * Images generated in tests instead of binary fixtures: exact raw pixels, encoders from sharp, and crafted
 * headers for hostile input.
 */

export type Rgb = readonly [number, number, number];

export interface RawRgb {
  data: Buffer;
  width: number;
  height: number;
}

export function solidRgb(width: number, height: number, colour: Rgb): RawRgb {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(colour, i);
  return { data, width, height };
}

/** Four colours, one per quadrant (top-left, top-right, bottom-left, bottom-right): shows rotations and flips. */
export function quadrantRgb(width: number, height: number, colours: readonly [Rgb, Rgb, Rgb, Rgb]): RawRgb {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const quadrant = (y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1);
      data.set(colours[quadrant], (y * width + x) * 3);
    }
  }
  return { data, width, height };
}

/** Deterministic pseudo-random pixels with some smooth structure (so JPEG files get realistically large). */
export function noiseRgb(width: number, height: number, seed = 1): RawRgb {
  const data = Buffer.alloc(width * height * 3);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const pixel = Math.floor(i / 3);
    const smooth = ((pixel % width) * 255) / width;
    data[i] = (smooth * 0.6 + ((state >>> 0) % 256) * 0.4) | 0;
  }
  return { data, width, height };
}

export function asDecoded(raw: RawRgb): DecodedImage {
  return { ...raw, format: 'png' };
}

/** A sharp pipeline over raw RGB, to be encoded with e.g. `.jpeg()`. */
export function fromRaw(raw: RawRgb, channels: 3 | 4 = 3): Sharp {
  return sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels } });
}

export function pixelAt(image: RawRgb, x: number, y: number): Rgb {
  const offset = (y * image.width + x) * 3;
  return [image.data[offset], image.data[offset + 1], image.data[offset + 2]];
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid-looking RGB PNG that declares width x height but carries ~1 KB of data (a decompression bomb header). */
export function pngDeclaringSize(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A copy of a baseline or progressive JPEG whose frame header (SOF) claims width x height (max 65535). */
export function jpegDeclaringSize(jpeg: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(jpeg);
  for (let offset = 2; offset + 9 < copy.length;) {
    if (copy[offset] !== 0xff) throw new Error('Not a JPEG marker sequence');
    const marker = copy[offset + 1];
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
      copy.writeUInt16BE(height, offset + 5);
      copy.writeUInt16BE(width, offset + 7);
      return copy;
    }
    offset += 2 + copy.readUInt16BE(offset + 2);
  }
  throw new Error('No SOF marker found');
}

/** The first `fraction` of the bytes, as an interrupted upload leaves them. */
export function truncated(bytes: Buffer, fraction = 0.5): Buffer {
  return Buffer.from(bytes.subarray(0, Math.floor(bytes.length * fraction)));
}
