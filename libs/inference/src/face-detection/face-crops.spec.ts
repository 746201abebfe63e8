import { asDecoded, quadrantRgb } from '@maskd/imaging/testing';
import { faceCropInputs } from './face-crops';

describe('faceCropInputs', () => {
  // 100x100: red top-left, green top-right, blue bottom-left, white bottom-right.
  const image = asDecoded(
    quadrantRgb(100, 100, [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [255, 255, 255],
    ]),
  );
  const pixel = (input: Float32Array, size: number, x: number, y: number) =>
    [...input.subarray((y * size + x) * 3, (y * size + x) * 3 + 3)].map((v) =>
      Math.round(((v + 1) * 255) / 2),
    );

  it('cuts each box (grown by the margin) and resizes it to the model input, in box order', async () => {
    const inputs = await faceCropInputs(
      image,
      [
        { x: 10, y: 10, width: 20, height: 20 }, // inside the red quadrant, even with margin 0.5
        { x: 60, y: 60, width: 20, height: 20 }, // white
      ],
      { size: 32, resize: 'squash', margin: 0.5 },
    );
    expect(inputs).toHaveLength(2);
    expect(inputs[0]).toHaveLength(32 * 32 * 3);
    expect(pixel(inputs[0], 32, 16, 16)).toEqual([255, 0, 0]);
    expect(pixel(inputs[1], 32, 16, 16)).toEqual([255, 255, 255]);
  });

  it('includes the margin: a box at the centre with margin 1 spans all four quadrants', async () => {
    const [input] = await faceCropInputs(image, [{ x: 40, y: 40, width: 20, height: 20 }], {
      size: 60,
      resize: 'squash',
      margin: 1,
    });
    expect(pixel(input, 60, 2, 2)).toEqual([255, 0, 0]);
    expect(pixel(input, 60, 57, 57)).toEqual([255, 255, 255]);
  });

  it('returns nothing for no faces', async () => {
    expect(await faceCropInputs(image, [], { size: 32, margin: 0.2 })).toEqual([]);
  });
});
