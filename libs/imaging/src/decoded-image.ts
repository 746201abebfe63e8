import type { ImageFormat } from './image-format';

/**
 * Pixels ready for cropping and resizing: upright (EXIF orientation applied), alpha flattened onto white,
 * converted to sRGB, always 3 channels of uint8 in row-major HWC order (`data.length === width * height * 3`).
 */
export interface DecodedImage {
  data: Buffer;
  width: number;
  height: number;
  /** The sniffed container format of the source bytes. */
  format: ImageFormat;
  /**
   * Upright size of the encoded image, set by `decodeImage`. It differs from width/height only when decoding
   * reduced the image (`targetSide`); scale boxes found in this image by sourceWidth / width to map them back.
   */
  sourceWidth?: number;
  sourceHeight?: number;
}

export const RGB_CHANNELS = 3;

/** Throws when the buffer does not hold exactly width x height RGB pixels (a programming error, not user input). */
export function assertRgbShape(data: Uint8Array, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`Invalid image size ${width}x${height}`);
  }
  if (data.length !== width * height * RGB_CHANNELS) {
    throw new RangeError(
      `Expected ${width}x${height}x3 = ${width * height * 3} bytes of RGB, got ${data.length}`,
    );
  }
}
