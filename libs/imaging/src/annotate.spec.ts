import { annotationStyle, drawLabelledBoxes } from './annotate';
import { decodeImage } from './decode';
import { DecodedImage } from './decoded-image';
import { asDecoded, solidRgb } from './testing';

const GREEN = [19, 115, 51];
const RED = [197, 34, 31];
const GREY = [128, 128, 128];

/** Decodes the JPEG and reads pixels from it. */
async function rendered(jpeg: Buffer) {
  const image = await decodeImage(jpeg);
  const pixel = (x: number, y: number) => {
    const offset = (Math.round(y) * image.width + Math.round(x)) * 3;
    return [...image.data.subarray(offset, offset + 3)];
  };
  return { image, pixel };
}

const near = (actual: number[], expected: number[], tolerance = 30) =>
  actual.every((value, channel) => Math.abs(value - expected[channel]) <= tolerance);

/** Pixels of a rectangle that are nearly white (label text). */
function whitePixels(image: DecodedImage, left: number, top: number, width: number, height: number): number {
  let count = 0;
  for (let y = top; y < top + height; y++) {
    for (let x = left; x < left + width; x++) {
      const offset = (y * image.width + x) * 3;
      if (image.data[offset] > 200 && image.data[offset + 1] > 200 && image.data[offset + 2] > 200) count++;
    }
  }
  return count;
}

describe('drawLabelledBoxes', () => {
  const grey = asDecoded(solidRgb(800, 600, [128, 128, 128]));

  it('returns a JPEG of the image size with each box outlined in its colour and labelled above it', async () => {
    const jpeg = await drawLabelledBoxes(grey, [
      { box: { x: 100, y: 200, width: 150, height: 180 }, label: 'Mask 97%', colour: '#137333' },
      { box: { x: 500, y: 100, width: 120, height: 140 }, label: 'No mask 88%', colour: '#c5221f' },
    ]);
    expect(jpeg.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const { image, pixel } = await rendered(jpeg);
    expect([image.width, image.height]).toEqual([800, 600]);
    const { lineWidth, fontSize } = annotationStyle(800, 600);
    expect(lineWidth).toBe(2);
    expect(fontSize).toBe(13);

    // Edges in the class colour, the inside and the outside untouched.
    expect(near(pixel(100.5, 290), GREEN)).toBe(true);
    expect(near(pixel(249, 290), GREEN)).toBe(true);
    expect(near(pixel(175, 379), GREEN)).toBe(true);
    expect(near(pixel(175, 290), GREY, 8)).toBe(true);
    expect(near(pixel(90, 290), GREY, 8)).toBe(true);
    expect(near(pixel(500.5, 170), RED)).toBe(true);
    expect(near(pixel(560, 170), GREY, 8)).toBe(true);

    // Labels sit on a filled bar just above each box, with white text on it.
    expect(near(pixel(102, 200 - 3), GREEN)).toBe(true);
    expect(near(pixel(502, 100 - 3), RED)).toBe(true);
    const labelHeight = fontSize + 2 * Math.round(fontSize / 4);
    expect(whitePixels(image, 100, 200 - labelHeight, 60, labelHeight)).toBeGreaterThan(20);
    expect(whitePixels(image, 100, 300, 100, 40)).toBe(0);
  });

  it('keeps every box and label inside the image: a label at the top edge goes inside the box', async () => {
    const jpeg = await drawLabelledBoxes(grey, [
      { box: { x: -20, y: 0, width: 120, height: 100 }, label: 'Mask 60%', colour: '#137333' },
      { box: { x: 760, y: 560, width: 100, height: 100 }, label: 'No mask 99%', colour: '#c5221f' },
      { box: { x: 900, y: 700, width: 10, height: 10 }, label: 'outside', colour: '#c5221f' },
    ]);
    const { image, pixel } = await rendered(jpeg);
    expect([image.width, image.height]).toEqual([800, 600]);
    expect(near(pixel(1, 50), GREEN)).toBe(true); // the clipped box's left edge is the image's
    expect(near(pixel(40, 5), GREEN)).toBe(true); // the label is inside the box, at its top
    expect(near(pixel(799, 580), RED)).toBe(true);
  });

  it('draws a caption in the top-left corner and escapes label text', async () => {
    const jpeg = await drawLabelledBoxes(
      grey,
      [{ box: { x: 300, y: 300, width: 80, height: 80 }, label: '<b>&"it\'s"', colour: '#0a58ca' }],
      { caption: { label: 'Whole image: Mask 91%', colour: '#137333' } },
    );
    const { pixel } = await rendered(jpeg);
    expect(near(pixel(2, 2), GREEN)).toBe(true);
    expect(near(pixel(300.5, 340), [10, 88, 202])).toBe(true);
  });

  it('scales lines and text with the image', () => {
    expect(annotationStyle(400, 300)).toEqual({ lineWidth: 2, fontSize: 12 });
    expect(annotationStyle(1280, 720)).toEqual({ lineWidth: 3, fontSize: 21 });
    expect(annotationStyle(3000, 4000)).toEqual({ lineWidth: 10, fontSize: 67 });
  });
});
