import { assertRgbShape, DecodedImage } from './decoded-image';
import { resampleRgb } from './resize';

/**
 * The whole image resampled to width x height with the library's one kernel (aspect ratio as given).
 * For callers that cut many model inputs from one rescaled image, e.g. the face detector's image pyramid:
 * one resample per scale instead of one per tile.
 */
export async function resizeImage(image: DecodedImage, width: number, height: number): Promise<DecodedImage> {
  assertRgbShape(image.data, image.width, image.height);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`Invalid target size ${width}x${height}`);
  }
  const whole = { left: 0, top: 0, width: image.width, height: image.height };
  const data = await resampleRgb(image.data, image.width, image.height, whole, width, height);
  return { data, width, height, format: image.format };
}
