import { decodeImage, DecodedImage } from '@maskd/imaging';
import { asDecoded, solidRgb } from '@maskd/imaging/testing';
import { annotateVerdict, displayLabel } from './annotate-verdict';
import type { ImageVerdict } from './image-verdict';

const pixelOf = (image: DecodedImage, x: number, y: number) => {
  const offset = (y * image.width + x) * 3;
  return [...image.data.subarray(offset, offset + 3)];
};
const near = (actual: number[], expected: number[]) =>
  actual.every((value, channel) => Math.abs(value - expected[channel]) <= 30);

describe('annotateVerdict', () => {
  it('outlines each face in its class colour, mapping source boxes onto a reduced decode', async () => {
    // Decoded at half the source size: the 200 px boxes of the answer are 100 px here.
    const image = { ...asDecoded(solidRgb(500, 400, [128, 128, 128])), sourceWidth: 1000, sourceHeight: 800 };
    const verdict: ImageVerdict = {
      label: 'without_mask',
      confidence: 0.9,
      hasMask: false,
      message: '',
      faces: [
        {
          box: { x: 100, y: 300, width: 200, height: 200 },
          score: 0.9,
          label: 'with_mask',
          confidence: 0.8,
          hasMask: true,
        },
        {
          box: { x: 600, y: 300, width: 200, height: 200 },
          score: 0.9,
          label: 'without_mask',
          confidence: 0.9,
          hasMask: false,
        },
      ],
    };
    const annotated = await decodeImage(await annotateVerdict(image, verdict));
    expect([annotated.width, annotated.height]).toEqual([500, 400]);
    expect(near(pixelOf(annotated, 50, 200), [19, 115, 51])).toBe(true);
    expect(near(pixelOf(annotated, 300, 200), [197, 34, 31])).toBe(true);
    expect(near(pixelOf(annotated, 100, 200), [128, 128, 128])).toBe(true);
  });

  it('puts a whole-image verdict, or "No face found", in the top-left corner', async () => {
    const image = asDecoded(solidRgb(300, 200, [128, 128, 128]));
    const whole = await decodeImage(
      await annotateVerdict(image, { label: 'with_mask', confidence: 0.7, hasMask: true, message: '' }),
    );
    expect(near(pixelOf(whole, 1, 1), [19, 115, 51])).toBe(true);
    const none = await decodeImage(
      await annotateVerdict(image, { label: null, confidence: null, hasMask: null, message: '', faces: [] }),
    );
    expect(near(pixelOf(none, 1, 1), [60, 64, 67])).toBe(true);
  });

  it('names classes as the web page does', () => {
    expect([
      displayLabel('with_mask'),
      displayLabel('without_mask'),
      displayLabel('mask_weared_incorrect'),
    ]).toEqual(['Mask', 'No mask', 'mask weared incorrect']);
  });
});
