import { groupNearDuplicates, type ImageHashes } from './near-duplicates';

/** Hashes that differ only in their high 32 bits; the mirror hash is far from everything unless given. */
const image = (hi: number, mirrorHi?: number): ImageHashes => ({
  hash: { hi: hi >>> 0, lo: 0 },
  mirrorHash: mirrorHi === undefined ? { hi: 0x5a5a5a5a, lo: 0xffffffff } : { hi: mirrorHi >>> 0, lo: 0 },
});

describe('groupNearDuplicates', () => {
  it('joins images within the distance transitively and names groups by their first member', () => {
    const images = [
      image(0b0000), // 0
      image(0xff000000), // 1: far from everything
      image(0b0011), // 2: 2 bits from 0
      image(0b1111), // 3: 2 bits from 2, 4 from 0
      image(0x00ff0000), // 4
    ];
    expect(groupNearDuplicates(images, 2)).toEqual([0, 1, 0, 0, 4]);
    expect(groupNearDuplicates(images, 1)).toEqual([0, 1, 2, 3, 4]);
    expect(groupNearDuplicates(images, 64)).toEqual([0, 0, 0, 0, 0]);
  });

  it("compares an image with the other's mirror image", () => {
    const images = [image(0x0f0f0f0f), image(0xf0f0f0f0, 0x0f0f0f0e)];
    expect(groupNearDuplicates(images, 2)).toEqual([0, 0]);
    expect(groupNearDuplicates(images, 0)).toEqual([0, 1]);
  });
});
