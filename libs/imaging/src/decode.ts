import type { Metadata, SharpOptions } from 'sharp';
import { DecodedImage, RGB_CHANNELS } from './decoded-image';
import { DecodeLimits, resolveDecodeLimits } from './decode-limits';
import { ImageDecodeError } from './errors';
import { ImageFormat, sniffImageFormat, SUPPORTED_FORMATS_TEXT } from './image-format';
import { resizeOptions } from './resize';
import { sharp } from './sharp-instance';

export interface DecodeOptions {
  /**
   * The shorter side the consumer needs, e.g. 2 x the model input. When both sides are at least twice this,
   * the image is reduced while decoding so that its shorter side is targetSide: JPEG then decodes directly at
   * 1/2, 1/4 or 1/8 scale (shrink-on-load) and WebP at a smaller scale, which saves most of the time and memory
   * of large photos. Smaller images are decoded untouched. Leave unset where full resolution matters, e.g.
   * cropping small faces from a frame.
   */
  targetSide?: number;
}

/**
 * Transparent pixels become white: that is how browsers and the web pages these images come from show them
 * (the dataset's cut-out PNGs store black under alpha 0, which dropping alpha would turn into a black background).
 */
export const FLATTEN_BACKGROUND = Object.freeze({ r: 255, g: 255, b: 255 });

/**
 * Abort on decoder errors, including truncated data ('none' would return the missing part grey), but tolerate
 * mere warnings, which browsers ignore too (sharp's default 'warning' rejects those). All 4,094 dataset images
 * decode at this level.
 */
const FAIL_ON: SharpOptions['failOn'] = 'error';

/** The prebuilt libvips reads HEIF only with its AV1 (AVIF) decoder; HEVC-coded HEIC needs a custom build. */
const HEIC_DECODABLE = sharp.format.heif.input.fileSuffix?.includes('.heic') ?? false;

const FORMAT_NAMES: Record<ImageFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  gif: 'GIF',
  tiff: 'TIFF',
  avif: 'AVIF',
  heif: 'HEIF',
};

function sniffOrReject(bytes: Buffer): ImageFormat {
  if (bytes.length === 0) throw new ImageDecodeError('empty', 'The image is empty (0 bytes).');
  const format = sniffImageFormat(bytes);
  if (format === undefined) {
    throw new ImageDecodeError(
      'unsupported_format',
      `Unsupported image format: send ${SUPPORTED_FORMATS_TEXT}.`,
    );
  }
  if (format === 'heif' && !HEIC_DECODABLE) {
    throw new ImageDecodeError(
      'unsupported_format',
      `HEIC/HEIF images are not supported: send ${SUPPORTED_FORMATS_TEXT}.`,
    );
  }
  return format;
}

function corrupt(format: ImageFormat, cause: unknown): ImageDecodeError {
  return new ImageDecodeError('corrupt', `The ${FORMAT_NAMES[format]} image is corrupt or truncated.`, {
    cause,
  });
}

/** Reads only the header: no pixel is decoded, so a bomb's declared size costs nothing. */
async function readHeader(bytes: Buffer, format: ImageFormat): Promise<Metadata> {
  try {
    return await sharp(bytes, { failOn: FAIL_ON, limitInputPixels: false }).metadata();
  } catch (cause) {
    throw corrupt(format, cause);
  }
}

function checkDimensions(header: Metadata, limits: DecodeLimits): void {
  const { width, height } = header.autoOrient;
  if (width * height > limits.maxPixels) {
    const megapixels = (value: number) => (value / 1e6).toFixed(1);
    throw new ImageDecodeError(
      'too_many_pixels',
      `The image is too large: ${width}x${height} pixels (${megapixels(width * height)} Mpx); ` +
        `the limit is ${megapixels(limits.maxPixels)} Mpx.`,
    );
  }
  if (Math.min(width, height) < limits.minSide) {
    throw new ImageDecodeError(
      'too_small',
      `The image is too small: ${width}x${height} pixels; each side needs at least ${limits.minSide} pixels.`,
    );
  }
}

/**
 * Decodes untrusted image bytes into upright, opaque sRGB RGB pixels (see DecodedImage).
 * Only the first frame/page of animated GIF/WebP and multi-page TIFF is read.
 * @throws ImageDecodeError with a user-safe message for every kind of bad input.
 */
export async function decodeImage(
  bytes: Buffer,
  limits?: Partial<DecodeLimits>,
  options: DecodeOptions = {},
): Promise<DecodedImage> {
  const resolvedLimits = resolveDecodeLimits(limits);
  const { targetSide } = options;
  if (targetSide !== undefined && !(Number.isInteger(targetSide) && targetSide >= 1)) {
    throw new RangeError(`targetSide must be a positive integer, got ${targetSide}`);
  }
  const format = sniffOrReject(bytes);
  const header = await readHeader(bytes, format);
  checkDimensions(header, resolvedLimits);

  let pipeline = sharp(bytes, {
    failOn: FAIL_ON,
    limitInputPixels: resolvedLimits.maxPixels,
    autoOrient: true,
  });
  const { width, height } = header.autoOrient;
  if (targetSide !== undefined && Math.min(width, height) >= 2 * targetSide) {
    pipeline = pipeline.resize(targetSide, targetSide, resizeOptions({ fit: 'outside' }));
  }
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    // toColourspace('srgb') turns grey into 3 channels and CMYK/ICC-tagged input into sRGB through its profile.
    decoded = await pipeline
      .flatten({ background: FLATTEN_BACKGROUND })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (cause) {
    throw corrupt(format, cause);
  }
  const { data, info } = decoded;
  if (info.channels !== RGB_CHANNELS) {
    throw corrupt(format, new Error(`Decoded to ${info.channels} channels instead of 3`));
  }
  return {
    data,
    width: info.width,
    height: info.height,
    format,
    sourceWidth: width,
    sourceHeight: height,
  };
}
