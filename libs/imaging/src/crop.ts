import { assertRgbShape, DecodedImage, RGB_CHANNELS } from './decoded-image';

/** A rectangle in pixels of a decoded image; fractional values are allowed (detector output). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The pixels of `box` grown by `margin` (a fraction of the box's width/height added on each side, so 0.2 turns a
 * 100 px wide box into 140 px), clamped to the image. Edges are rounded outwards to whole pixels.
 * Crops at full resolution: resizing for the model is toModelInput's job.
 * @throws RangeError when the box is invalid or lies entirely outside the image.
 */
export async function cropRegion(image: DecodedImage, box: Box, margin = 0): Promise<DecodedImage> {
  assertRgbShape(image.data, image.width, image.height);
  const values = [box.x, box.y, box.width, box.height, margin];
  if (!values.every(Number.isFinite) || box.width <= 0 || box.height <= 0 || margin < 0) {
    throw new RangeError(`Invalid crop box ${JSON.stringify(box)} with margin ${margin}`);
  }
  const left = Math.max(0, Math.floor(box.x - margin * box.width));
  const top = Math.max(0, Math.floor(box.y - margin * box.height));
  const right = Math.min(image.width, Math.ceil(box.x + box.width + margin * box.width));
  const bottom = Math.min(image.height, Math.ceil(box.y + box.height + margin * box.height));
  if (right <= left || bottom <= top) {
    throw new RangeError(
      `Crop box ${JSON.stringify(box)} lies outside the ${image.width}x${image.height} image`,
    );
  }

  const width = right - left;
  const height = bottom - top;
  const rowBytes = width * RGB_CHANNELS;
  const data = Buffer.allocUnsafe(rowBytes * height);
  for (let row = 0; row < height; row++) {
    const start = ((top + row) * image.width + left) * RGB_CHANNELS;
    image.data.copy(data, row * rowBytes, start, start + rowBytes);
  }
  return { data, width, height, format: image.format };
}
