// pHash (DCT perceptual hash, as in the `imagehash` Python package) over decoded pixels. It survives
// resizing, re-encoding, mild colour and crop changes, which exact content hashes do not.
import type { DecodedImage } from '@maskd/imaging';
import sharp from 'sharp';

const SAMPLE_SIDE = 32;
const HASH_SIDE = 8;

/** A 64-bit perceptual hash as two unsigned 32-bit halves (fast Hamming distance without BigInt). */
export interface PerceptualHash {
  hi: number;
  lo: number;
}

/** cos((2x + 1) u π / 2N) for the 8 lowest frequencies u over N = 32 samples. */
const DCT_BASIS: Float64Array[] = Array.from({ length: HASH_SIDE }, (_, u) =>
  Float64Array.from({ length: SAMPLE_SIDE }, (_, x) =>
    Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SAMPLE_SIDE)),
  ),
);

/**
 * The image's 32x32 grey thumbnail, from which its hash and its mirror image's hash are computed.
 * sharp reduces with a Lanczos kernel, so the thumbnail barely depends on the source resolution.
 */
export async function hashThumbnail(image: DecodedImage): Promise<Uint8Array> {
  const pixels = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(SAMPLE_SIDE, SAMPLE_SIDE, { fit: 'fill', kernel: 'lanczos3' })
    .greyscale()
    .raw()
    .toBuffer();
  return new Uint8Array(pixels.buffer, pixels.byteOffset, SAMPLE_SIDE * SAMPLE_SIDE);
}

/** pHash of a 32x32 grey thumbnail: the sign of the 8x8 lowest DCT coefficients against their median. */
export function perceptualHash(thumbnail: Uint8Array): PerceptualHash {
  if (thumbnail.length !== SAMPLE_SIDE * SAMPLE_SIDE) {
    throw new RangeError(
      `pHash needs a ${SAMPLE_SIDE}x${SAMPLE_SIDE} thumbnail, got ${thumbnail.length} pixels`,
    );
  }
  // Separable 2-D DCT-II restricted to the low frequencies: rows first (8x32), then columns (8x8).
  const rows = new Float64Array(SAMPLE_SIDE * HASH_SIDE);
  for (let y = 0; y < SAMPLE_SIDE; y++) {
    for (let v = 0; v < HASH_SIDE; v++) {
      let sum = 0;
      for (let x = 0; x < SAMPLE_SIDE; x++) sum += DCT_BASIS[v][x] * thumbnail[y * SAMPLE_SIDE + x];
      rows[y * HASH_SIDE + v] = sum;
    }
  }
  const coefficients = new Float64Array(HASH_SIDE * HASH_SIDE);
  for (let u = 0; u < HASH_SIDE; u++) {
    for (let v = 0; v < HASH_SIDE; v++) {
      let sum = 0;
      for (let y = 0; y < SAMPLE_SIDE; y++) sum += DCT_BASIS[u][y] * rows[y * HASH_SIDE + v];
      coefficients[u * HASH_SIDE + v] = sum;
    }
  }
  const sorted = Float64Array.from(coefficients).sort();
  const median = (sorted[31] + sorted[32]) / 2;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 64; i++) {
    if (coefficients[i] <= median) continue;
    if (i < 32) hi |= 1 << (31 - i);
    else lo |= 1 << (63 - i);
  }
  return { hi: hi >>> 0, lo: lo >>> 0 };
}

/** The thumbnail mirrored left-right, so mirrored copies (a common augmentation) are caught too. */
export function mirrorThumbnail(thumbnail: Uint8Array): Uint8Array {
  const mirrored = new Uint8Array(thumbnail.length);
  for (let y = 0; y < SAMPLE_SIDE; y++) {
    for (let x = 0; x < SAMPLE_SIDE; x++) {
      mirrored[y * SAMPLE_SIDE + x] = thumbnail[y * SAMPLE_SIDE + (SAMPLE_SIDE - 1 - x)];
    }
  }
  return mirrored;
}

export function hammingDistance(a: PerceptualHash, b: PerceptualHash): number {
  return popcount32((a.hi ^ b.hi) >>> 0) + popcount32((a.lo ^ b.lo) >>> 0);
}

export function hashToHex(hash: PerceptualHash): string {
  return hash.hi.toString(16).padStart(8, '0') + hash.lo.toString(16).padStart(8, '0');
}

function popcount32(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
