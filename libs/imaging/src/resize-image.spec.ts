import { resizeImage } from './resize-image';
import { asDecoded, quadrantRgb, Rgb } from './testing/synthetic-images';

const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const BLUE: Rgb = [0, 0, 255];
const WHITE: Rgb = [255, 255, 255];

function pixel(image: { data: Buffer; width: number }, x: number, y: number): number[] {
  const offset = (y * image.width + x) * 3;
  return [...image.data.subarray(offset, offset + 3)];
}

describe('resizeImage', () => {
  const source = asDecoded(quadrantRgb(80, 60, [RED, GREEN, BLUE, WHITE]));

  it('resamples the whole image to the requested size, keeping its layout', async () => {
    const resized = await resizeImage(source, 40, 20);
    expect(resized).toMatchObject({ width: 40, height: 20, format: source.format });
    expect(resized.data.length).toBe(40 * 20 * 3);
    expect(pixel(resized, 5, 3)).toEqual([...RED]);
    expect(pixel(resized, 34, 3)).toEqual([...GREEN]);
    expect(pixel(resized, 5, 16)).toEqual([...BLUE]);
    expect(pixel(resized, 34, 16)).toEqual([...WHITE]);
  });

  it('enlarges as well', async () => {
    const resized = await resizeImage(source, 160, 120);
    expect(pixel(resized, 10, 10)).toEqual([...RED]);
    expect(pixel(resized, 150, 110)).toEqual([...WHITE]);
  });

  it('rejects sizes that are not positive integers', async () => {
    await expect(resizeImage(source, 0, 10)).rejects.toThrow(RangeError);
    await expect(resizeImage(source, 10.5, 10)).rejects.toThrow(RangeError);
  });
});
