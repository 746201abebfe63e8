import { fromRaw } from '@maskd/imaging/testing';
import { decodeImage } from '@maskd/imaging';
import sharp from 'sharp';
import {
  hammingDistance,
  hashThumbnail,
  hashToHex,
  mirrorThumbnail,
  perceptualHash,
} from './perceptual-hash';
import { smoothRandomImage } from './testing/mini-dataset';

/** A fixed 32x32 thumbnail; its expected hashes were computed with NumPy following imagehash.phash. */
const REFERENCE_THUMBNAIL = Uint8Array.from({ length: 1024 }, (_, i) => {
  const x = i % 32;
  const y = Math.floor(i / 32);
  return (x * 7 + y * 13 + ((x * y) % 17) * 5) % 256;
});

async function hashOf(bytes: Buffer) {
  const thumbnail = await hashThumbnail(await decodeImage(bytes));
  return { hash: perceptualHash(thumbnail), mirror: perceptualHash(mirrorThumbnail(thumbnail)) };
}

describe('perceptual hash', () => {
  it('matches the imagehash (Python) pHash bit for bit on the same thumbnail', () => {
    expect(hashToHex(perceptualHash(REFERENCE_THUMBNAIL))).toBe('c194c1953768b6ed');
    expect(hashToHex(perceptualHash(mirrorThumbnail(REFERENCE_THUMBNAIL)))).toBe('95c195c0623df3f8');
  });

  it('counts differing bits', () => {
    expect(hammingDistance({ hi: 0, lo: 0 }, { hi: 0xffffffff, lo: 0xffffffff })).toBe(64);
    expect(hammingDistance({ hi: 0b1011, lo: 1 }, { hi: 0b0001, lo: 0 })).toBe(3);
  });

  it('barely moves under resizing and re-encoding, and catches mirrored copies', async () => {
    const original = await fromRaw(smoothRandomImage(7, 160, 120))
      .png()
      .toBuffer();
    const resized = await sharp(original).resize(96, 72).jpeg({ quality: 70 }).toBuffer();
    const mirrored = await sharp(original).flop().jpeg({ quality: 90 }).toBuffer();
    const a = await hashOf(original);
    expect(hammingDistance(a.hash, (await hashOf(resized)).hash)).toBeLessThanOrEqual(4);
    const m = await hashOf(mirrored);
    expect(hammingDistance(a.hash, m.hash)).toBeGreaterThan(6);
    expect(hammingDistance(a.hash, m.mirror)).toBeLessThanOrEqual(4);
  });

  it('separates different images', async () => {
    const hashes = await Promise.all(
      [1, 2, 3, 4, 5, 6].map(
        async (seed) =>
          (
            await hashOf(
              await fromRaw(smoothRandomImage(seed, 96, 96))
                .png()
                .toBuffer(),
            )
          ).hash,
      ),
    );
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++)
        expect(hammingDistance(hashes[i], hashes[j])).toBeGreaterThan(10);
    }
  });
});
