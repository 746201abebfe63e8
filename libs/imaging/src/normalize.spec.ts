import { normalizePixels, writeNormalizedPatch } from './normalize';

/** Every byte value once, as 86 RGB pixels in a 86x1 image (258 bytes, the last two repeat 0 and 1). */
function allByteValues(): Uint8Array {
  return Uint8Array.from({ length: 86 * 3 }, (_, index) => index % 256);
}

describe('normalizePixels', () => {
  it('maps x to x / 127.5 - 1, exactly -1 and 1 at the ends', () => {
    const rgb = allByteValues();
    const out = normalizePixels(rgb, 86, 1);
    rgb.forEach((value, index) => expect(out[index]).toBe(Math.fround(value / 127.5 - 1)));
    expect(out[0]).toBe(-1);
    expect(out[255]).toBe(1);
    expect(Math.min(...out)).toBe(-1);
    expect(Math.max(...out)).toBe(1);
  });

  it('writes nchw as the channel planes of the same values', () => {
    const width = 5;
    const height = 3;
    const rgb = Uint8Array.from({ length: width * height * 3 }, (_, index) => (index * 37) % 256);
    const nhwc = normalizePixels(rgb, width, height, 'nhwc');
    const nchw = normalizePixels(rgb, width, height, 'nchw');
    expect(normalizePixels(rgb, width, height)).toEqual(nhwc);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < 3; c++) {
          expect(nchw[c * width * height + y * width + x]).toBe(nhwc[(y * width + x) * 3 + c]);
        }
      }
    }
  });

  it('rejects a buffer that is not width x height x 3', () => {
    expect(() => normalizePixels(new Uint8Array(10), 2, 2)).toThrow(RangeError);
  });
});

describe('writeNormalizedPatch', () => {
  it('places a patch and leaves the rest of the canvas untouched', () => {
    const canvas = { data: new Float32Array(4 * 4 * 3), width: 4, height: 4, layout: 'nchw' as const };
    writeNormalizedPatch(new Uint8Array(2 * 1 * 3).fill(255), 2, 1, canvas, 1, 2);
    const red = canvas.data.subarray(0, 16);
    expect(Array.from(red)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    expect(() => writeNormalizedPatch(new Uint8Array(3 * 3), 3, 1, canvas, 2, 0)).toThrow(RangeError);
  });
});
