import type { ResizeOptions } from 'sharp';
import { RGB_CHANNELS } from './decoded-image';
import { sharp } from './sharp-instance';

/**
 * How a width x height image becomes the model's size x size input.
 * - `squash` (default): the whole image stretched to size x size, aspect ratio not kept. This is what the
 *   reference Keras pipeline (`load_img(target_size=...)`) trained on, it keeps every pixel of a face crop
 *   (a face box from the detector is close to square, so the distortion is small) and needs no padding value.
 * - `letterbox`: the whole image scaled to fit, centred, the rest padded with the grey that normalises to
 *   exactly 0 (127.5), i.e. "no signal" for the network.
 * - `center-crop`: the largest centred square, scaled to size x size; loses the edges of non-square images.
 */
export type ResizeMode = 'squash' | 'letterbox' | 'center-crop';

export const DEFAULT_RESIZE_MODE: ResizeMode = 'squash';

export const RESIZE_MODES: readonly ResizeMode[] = ['squash', 'letterbox', 'center-crop'];

/**
 * The one resampling kernel: libvips `cubic`, Catmull-Rom (a = -0.5). Reducing, libvips widens the kernel by
 * the scale factor, so it antialiases like Pillow's default `Image.resize` (BICUBIC), and with less ringing
 * than lanczos3 around JPEG block edges; enlarging (20-60 px faces to 224) libvips uses its bicubic interpolator.
 */
export const RESIZE_KERNEL = 'cubic' satisfies ResizeOptions['kernel'];

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Which part of the source is used, and where in the size x size output it lands. */
export interface ResizePlan {
  source: Rect;
  target: Rect;
}

export function planResize(width: number, height: number, size: number, mode: ResizeMode): ResizePlan {
  const whole: Rect = { left: 0, top: 0, width, height };
  const fill: Rect = { left: 0, top: 0, width: size, height: size };
  switch (mode) {
    case 'squash':
      return { source: whole, target: fill };
    case 'letterbox': {
      const scale = size / Math.max(width, height);
      const targetWidth = Math.max(1, Math.min(size, Math.round(width * scale)));
      const targetHeight = Math.max(1, Math.min(size, Math.round(height * scale)));
      const left = Math.floor((size - targetWidth) / 2);
      const top = Math.floor((size - targetHeight) / 2);
      return { source: whole, target: { left, top, width: targetWidth, height: targetHeight } };
    }
    case 'center-crop': {
      const side = Math.min(width, height);
      const source = {
        left: Math.floor((width - side) / 2),
        top: Math.floor((height - side) / 2),
        width: side,
        height: side,
      };
      return { source, target: fill };
    }
    default:
      throw new RangeError(
        `Unknown resize mode "${String(mode)}"; expected one of ${RESIZE_MODES.join(', ')}`,
      );
  }
}

/** Options for every resize in this library, so decode-time reduction and model resizing resample alike. */
export function resizeOptions(overrides: ResizeOptions = {}): ResizeOptions {
  return { kernel: RESIZE_KERNEL, ...overrides };
}

/** Cuts `source` out of an RGB image and resamples it to outWidth x outHeight with the fixed kernel. */
export async function resampleRgb(
  data: Buffer,
  width: number,
  height: number,
  source: Rect,
  outWidth: number,
  outHeight: number,
): Promise<Buffer> {
  const isWhole = source.left === 0 && source.top === 0 && source.width === width && source.height === height;
  if (isWhole && outWidth === width && outHeight === height) return data;
  let pipeline = sharp(data, { raw: { width, height, channels: RGB_CHANNELS } });
  if (!isWhole) pipeline = pipeline.extract(source);
  return pipeline
    .resize(outWidth, outHeight, resizeOptions({ fit: 'fill' }))
    .raw()
    .toBuffer();
}
