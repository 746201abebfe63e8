import { cropRegion } from './crop';
import { asDecoded, noiseRgb, pixelAt } from './testing/synthetic-images';

describe('cropRegion', () => {
  const image = asDecoded(noiseRgb(100, 80));

  it('copies the box pixel for pixel at full resolution', async () => {
    const crop = await cropRegion(image, { x: 10, y: 20, width: 30, height: 25 });
    expect([crop.width, crop.height, crop.format]).toEqual([30, 25, 'png']);
    for (const [x, y] of [
      [0, 0],
      [29, 0],
      [13, 17],
      [29, 24],
    ]) {
      expect(pixelAt(crop, x, y)).toEqual(pixelAt(image, 10 + x, 20 + y));
    }
  });

  it('adds the margin as a fraction of the box on each side', async () => {
    const crop = await cropRegion(image, { x: 40, y: 30, width: 20, height: 16 }, 0.25);
    expect([crop.width, crop.height]).toEqual([30, 24]);
    expect(pixelAt(crop, 0, 0)).toEqual(pixelAt(image, 35, 26));
    expect(pixelAt(crop, 29, 23)).toEqual(pixelAt(image, 64, 49));
  });

  it('clamps the grown box to the image', async () => {
    const corner = await cropRegion(image, { x: 0, y: 0, width: 10, height: 10 }, 0.5);
    expect([corner.width, corner.height]).toEqual([15, 15]);
    expect(pixelAt(corner, 0, 0)).toEqual(pixelAt(image, 0, 0));
    const overhanging = await cropRegion(image, { x: 90, y: 70, width: 30, height: 30 }, 0.1);
    expect([overhanging.width, overhanging.height]).toEqual([13, 13]);
    expect(pixelAt(overhanging, 12, 12)).toEqual(pixelAt(image, 99, 79));
  });

  it('rounds fractional detector boxes outwards', async () => {
    const crop = await cropRegion(image, { x: 1.5, y: 2.2, width: 3.1, height: 4.4 });
    expect([crop.width, crop.height]).toEqual([4, 5]); // columns 1..4, rows 2..6
    expect(pixelAt(crop, 0, 0)).toEqual(pixelAt(image, 1, 2));
  });

  it('returns a copy that does not share memory with the source', async () => {
    const crop = await cropRegion(image, { x: 0, y: 0, width: 100, height: 80 });
    expect(crop.data.equals(image.data)).toBe(true);
    expect(crop.data.buffer).not.toBe(image.data.buffer);
  });

  it.each([
    ['outside the image', { x: 200, y: 0, width: 10, height: 10 }, 0],
    ['empty', { x: 10, y: 10, width: 0, height: 10 }, 0],
    ['not finite', { x: Number.NaN, y: 10, width: 5, height: 10 }, 0],
    ['with a negative margin', { x: 10, y: 10, width: 5, height: 10 }, -0.1],
  ])('throws RangeError for a box %s', async (_name, box, margin) => {
    await expect(cropRegion(image, box, margin)).rejects.toThrow(RangeError);
  });
});
