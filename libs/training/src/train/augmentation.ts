import sharp, { type Sharp } from 'sharp';
import { resizeImage, type DecodedImage } from '@maskd/imaging';
import { mulberry32 } from '../data/split';
import type { AugmentationConfig } from './config';

/*
 * Training augmentation on decoded images, before the shared `toModelInput` makes the model input (so training
 * and serving resize and normalise alike). Besides the classic geometry and colour changes it reproduces how users'
 * faces look: detector-like boxes (shifted, zoomed, other aspect), and faces only 16-64 px across, blurred and
 * JPEG-compressed, which the shared preprocessing then enlarges to the input size as it does for small faces.
 * Parameters are drawn first (`sampleAugmentation`, seeded per image and epoch), then applied with sharp.
 */

export interface CropParams {
  /** Centre offset from the image centre, as a fraction of the width/height. */
  shiftX: number;
  shiftY: number;
  /** Crop size as a fraction of the width/height (above 1: beyond the image, filled by mirroring). */
  scaleX: number;
  scaleY: number;
}

export interface DegradeParams {
  /** The shorter side the image is shrunk to, in px. */
  side: number;
  blurSigma: number | null;
  jpegQuality: number | null;
}

export interface AugmentationParams {
  rotationDegrees: number;
  crop: CropParams;
  flip: boolean;
  brightness: number;
  contrast: number;
  saturation: number;
  hueDegrees: number;
  grayscale: boolean;
  degrade: DegradeParams | null;
}

export const IDENTITY_AUGMENTATION: AugmentationParams = Object.freeze({
  rotationDegrees: 0,
  crop: Object.freeze({ shiftX: 0, shiftY: 0, scaleX: 1, scaleY: 1 }),
  flip: false,
  brightness: 1,
  contrast: 1,
  saturation: 1,
  hueDegrees: 0,
  grayscale: false,
  degrade: null,
});

/** The random stream for one image in one epoch: the same (seed, epoch, index) always gives the same stream. */
export function augmentationRandom(seed: number, epoch: number, index: number): () => number {
  let hash = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  hash = Math.imul(hash ^ (epoch + 0x632be5ab), 0xc2b2ae35);
  hash = Math.imul(hash ^ (index + 0x27d4eb2f), 0x165667b1);
  return mulberry32(hash ^ (hash >>> 16));
}

/** Draws one image's augmentation. Draws happen in a fixed order, so a seed reproduces the parameters. */
export function sampleAugmentation(config: AugmentationConfig, random: () => number): AugmentationParams {
  if (!config.enabled) return IDENTITY_AUGMENTATION;
  const symmetric = (extent: number) => (2 * random() - 1) * extent;
  const chance = (probability: number) => random() < probability;
  const rotationDegrees = symmetric(config.rotationDegrees);
  const scale = 1 + symmetric(config.zoom);
  const aspect = 1 + symmetric(config.aspect);
  const crop: CropParams = {
    shiftX: symmetric(config.shift),
    shiftY: symmetric(config.shift),
    scaleX: scale * Math.sqrt(aspect),
    scaleY: scale / Math.sqrt(aspect),
  };
  const flip = config.horizontalFlip && chance(0.5);
  const brightness = 1 + symmetric(config.brightness);
  const contrast = 1 + symmetric(config.contrast);
  const saturation = 1 + symmetric(config.saturation);
  const hueDegrees = symmetric(config.hueDegrees);
  const grayscale = chance(config.grayscaleProbability);
  const d = config.degrade;
  let degrade: DegradeParams | null = null;
  if (chance(d.probability)) {
    // Log-uniform: as many faces at 16-32 px as at 32-64 px.
    const side = Math.round(d.minSide * (d.maxSide / d.minSide) ** random());
    const blurSigma = chance(d.blurProbability) ? 0.3 + random() * (d.maxBlurSigma - 0.3) : null;
    const jpegQuality = chance(d.jpegProbability)
      ? Math.round(d.jpegQualityMin + random() * (d.jpegQualityMax - d.jpegQualityMin))
      : null;
    degrade = { side, blurSigma, jpegQuality };
  }
  return { rotationDegrees, crop, flip, brightness, contrast, saturation, hueDegrees, grayscale, degrade };
}

/** Applies `params` to an image; returns a new RGB image (the input is not modified). */
export async function applyAugmentation(
  image: DecodedImage,
  params: AugmentationParams,
): Promise<DecodedImage> {
  let result = await cropAndRotate(image, params.rotationDegrees, params.crop);
  result = await adjustColour(result, params);
  if (params.degrade) result = await degrade(result, params.degrade);
  return result;
}

export function augmentImage(
  image: DecodedImage,
  config: AugmentationConfig,
  random: () => number,
): Promise<DecodedImage> {
  return applyAugmentation(image, sampleAugmentation(config, random));
}

const RAW = { channels: 3 } as const;

function rawInput(image: DecodedImage): Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, ...RAW } });
}

async function toImage(pipeline: Sharp, format: DecodedImage['format']): Promise<DecodedImage> {
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`augmentation produced ${info.channels} channels, expected 3`);
  return { data, width: info.width, height: info.height, format };
}

/**
 * The crop box is placed in the rotated image; the image is first extended by mirroring just enough that every
 * corner of the box falls on mirrored pixels rather than on the rotation's empty corners.
 */
async function cropAndRotate(image: DecodedImage, degrees: number, crop: CropParams): Promise<DecodedImage> {
  const { width, height } = image;
  const cropWidth = Math.max(1, Math.round(width * crop.scaleX));
  const cropHeight = Math.max(1, Math.round(height * crop.scaleY));
  const centreX = crop.shiftX * width;
  const centreY = crop.shiftY * height;
  const isWhole =
    degrees === 0 && centreX === 0 && centreY === 0 && cropWidth === width && cropHeight === height;
  if (isWhole) return image;

  const angle = (degrees * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  let pad = 0;
  for (const [cx, cy] of [
    [-1, -1],
    [1, -1],
    [-1, 1],
    [1, 1],
  ]) {
    // A corner of the box relative to the centre, in the rotated frame, back in the original frame.
    const x = centreX + (cx * cropWidth) / 2;
    const y = centreY + (cy * cropHeight) / 2;
    const originalX = x * cos + y * sin;
    const originalY = -x * sin + y * cos;
    pad = Math.max(pad, Math.abs(originalX) - width / 2, Math.abs(originalY) - height / 2);
  }
  pad = pad > 0 ? Math.ceil(pad) + 2 : 0;

  // Separate pipelines: within one, sharp would rotate before extending.
  const padded =
    pad > 0
      ? await toImage(
          rawInput(image).extend({ top: pad, bottom: pad, left: pad, right: pad, extendWith: 'mirror' }),
          image.format,
        )
      : image;
  const canvas =
    degrees !== 0
      ? await toImage(rawInput(padded).rotate(degrees, { background: { r: 0, g: 0, b: 0 } }), image.format)
      : padded;
  const left = clamp(Math.round(canvas.width / 2 + centreX - cropWidth / 2), 0, canvas.width - 1);
  const top = clamp(Math.round(canvas.height / 2 + centreY - cropHeight / 2), 0, canvas.height - 1);
  const region = {
    left,
    top,
    width: Math.min(cropWidth, canvas.width - left),
    height: Math.min(cropHeight, canvas.height - top),
  };
  return toImage(rawInput(canvas).extract(region), image.format);
}

async function adjustColour(image: DecodedImage, params: AugmentationParams): Promise<DecodedImage> {
  const { flip, brightness, contrast, saturation, hueDegrees, grayscale } = params;
  const neutral = !flip && brightness === 1 && contrast === 1 && saturation === 1 && hueDegrees === 0;
  if (neutral && !grayscale) return image;
  let pipeline = rawInput(image);
  if (flip) pipeline = pipeline.flop();
  if (brightness !== 1 || saturation !== 1 || hueDegrees !== 0) {
    pipeline = pipeline.modulate({ brightness, saturation, hue: Math.round(hueDegrees) });
  }
  if (contrast !== 1) pipeline = pipeline.linear(contrast, 128 * (1 - contrast));
  if (grayscale) {
    const luma: [number, number, number] = [0.299, 0.587, 0.114];
    pipeline = pipeline.recomb([luma, luma, luma]);
  }
  return toImage(pipeline, image.format);
}

/** A small, possibly blurred and JPEG-compressed version of the image, as a face far from the camera looks. */
async function degrade(image: DecodedImage, params: DegradeParams): Promise<DecodedImage> {
  const shorter = Math.min(image.width, image.height);
  let result = image;
  if (params.side < shorter) {
    const factor = params.side / shorter;
    result = await resizeImage(
      image,
      Math.max(1, Math.round(image.width * factor)),
      Math.max(1, Math.round(image.height * factor)),
    );
  }
  if (params.blurSigma !== null)
    result = await toImage(rawInput(result).blur(params.blurSigma), image.format);
  if (params.jpegQuality !== null) {
    const jpeg = await rawInput(result).jpeg({ quality: params.jpegQuality }).toBuffer();
    result = await toImage(sharp(jpeg), image.format);
  }
  return result;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
