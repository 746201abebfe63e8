import type { DecodedImage } from '@maskd/imaging';
import {
  applyAugmentation,
  augmentationRandom,
  augmentImage,
  IDENTITY_AUGMENTATION,
  sampleAugmentation,
  type AugmentationParams,
} from './augmentation';
import { AugmentationSchema } from './config';

const config = AugmentationSchema.parse({});

/** A 96x64 image with a horizontal gradient in red, a vertical one in green and a bright square top-left. */
function testImage(width = 96, height = 64): DecodedImage {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const square = x < 20 && y < 20;
      data[i] = square ? 255 : Math.round((x / (width - 1)) * 200);
      data[i + 1] = square ? 255 : Math.round((y / (height - 1)) * 200);
      data[i + 2] = 60;
    }
  }
  return { data, width, height, format: 'png' };
}

function mean(image: DecodedImage): number {
  return image.data.reduce((sum, value) => sum + value, 0) / image.data.length;
}

const only = (overrides: Partial<AugmentationParams>): AugmentationParams => ({
  ...IDENTITY_AUGMENTATION,
  ...overrides,
});

describe('augmentation parameters', () => {
  it('are reproducible from (seed, epoch, image) and differ between epochs and images', () => {
    const draw = (seed: number, epoch: number, index: number) =>
      sampleAugmentation(config, augmentationRandom(seed, epoch, index));
    expect(draw(42, 1, 7)).toEqual(draw(42, 1, 7));
    expect(draw(42, 2, 7)).not.toEqual(draw(42, 1, 7));
    expect(draw(42, 1, 8)).not.toEqual(draw(42, 1, 7));
    expect(draw(43, 1, 7)).not.toEqual(draw(42, 1, 7));
  });

  it('stay within the configured ranges, and use every option', () => {
    const samples = Array.from({ length: 2000 }, (_, i) =>
      sampleAugmentation(config, augmentationRandom(1, 0, i)),
    );
    const outOfRange = samples.filter((p) => {
      const side = Math.sqrt(p.crop.scaleX * p.crop.scaleY);
      const d = p.degrade;
      return (
        Math.abs(p.rotationDegrees) > config.rotationDegrees ||
        Math.abs(p.crop.shiftX) > config.shift ||
        Math.abs(p.crop.shiftY) > config.shift ||
        Math.abs(side - 1) > config.zoom + 1e-9 ||
        Math.abs(p.brightness - 1) > config.brightness ||
        Math.abs(p.contrast - 1) > config.contrast ||
        Math.abs(p.saturation - 1) > config.saturation ||
        Math.abs(p.hueDegrees) > config.hueDegrees ||
        (d !== null &&
          (d.side < config.degrade.minSide ||
            d.side > config.degrade.maxSide ||
            (d.blurSigma !== null && d.blurSigma > config.degrade.maxBlurSigma) ||
            (d.jpegQuality !== null &&
              (d.jpegQuality < config.degrade.jpegQualityMin ||
                d.jpegQuality > config.degrade.jpegQualityMax))))
      );
    });
    expect(outOfRange).toEqual([]);
    const share = (predicate: (p: AugmentationParams) => boolean) =>
      samples.filter(predicate).length / samples.length;
    expect(share((p) => p.flip)).toBeCloseTo(0.5, 1);
    expect(share((p) => p.degrade !== null)).toBeCloseTo(config.degrade.probability, 1);
    expect(share((p) => p.grayscale)).toBeGreaterThan(0);
    expect(share((p) => p.grayscale)).toBeLessThan(0.1);
  });

  it('are the identity when augmentation is disabled', () => {
    const disabled = AugmentationSchema.parse({ enabled: false });
    expect(sampleAugmentation(disabled, augmentationRandom(1, 1, 1))).toEqual(IDENTITY_AUGMENTATION);
  });
});

describe('applyAugmentation', () => {
  it('returns the image unchanged for the identity', async () => {
    const image = testImage();
    const result = await applyAugmentation(image, IDENTITY_AUGMENTATION);
    expect(result.data.equals(image.data)).toBe(true);
  });

  it('flips horizontally', async () => {
    const image = testImage();
    const flipped = await applyAugmentation(image, only({ flip: true }));
    expect([flipped.width, flipped.height]).toEqual([96, 64]);
    const pixel = (img: DecodedImage, x: number, y: number) => [
      ...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3),
    ];
    expect(pixel(flipped, 95, 5)).toEqual(pixel(image, 0, 5));
    expect(pixel(flipped, 10, 40)).toEqual(pixel(image, 85, 40));
  });

  it('crops the zoomed box, shifted and with another aspect ratio', async () => {
    const zoomedIn = await applyAugmentation(
      testImage(),
      only({ crop: { shiftX: 0.1, shiftY: 0, scaleX: 0.5, scaleY: 0.75 } }),
    );
    expect([zoomedIn.width, zoomedIn.height]).toEqual([48, 48]);
    // The box's left edge is at 96/2 + 9.6 - 24 = 33.6 -> column 34 of the gradient.
    expect(zoomedIn.data[0]).toBe(Math.round((34 / 95) * 200));
    const zoomedOut = await applyAugmentation(
      testImage(),
      only({ crop: { shiftX: 0, shiftY: 0, scaleX: 1.2, scaleY: 1.2 } }),
    );
    expect([zoomedOut.width, zoomedOut.height]).toEqual([115, 77]);
  });

  it('rotates without empty corners: the border is mirrored image, not black', async () => {
    const image = testImage();
    const rotated = await applyAugmentation(
      image,
      only({ rotationDegrees: 15, crop: { ...IDENTITY_AUGMENTATION.crop, scaleX: 1.1, scaleY: 1.1 } }),
    );
    expect([rotated.width, rotated.height]).toEqual([106, 70]);
    // Every pixel of the test image has blue 60: black fill would show as blue 0.
    let minBlue = 255;
    for (let i = 2; i < rotated.data.length; i += 3) minBlue = Math.min(minBlue, rotated.data[i]);
    expect(minBlue).toBeGreaterThan(40);
  });

  it('changes brightness and contrast in the expected direction', async () => {
    const image = testImage();
    expect(mean(await applyAugmentation(image, only({ brightness: 1.3 })))).toBeGreaterThan(mean(image) + 5);
    expect(mean(await applyAugmentation(image, only({ brightness: 0.7 })))).toBeLessThan(mean(image) - 5);
    const spread = (img: DecodedImage) => Math.max(...img.data) - Math.min(...img.data);
    expect(spread(await applyAugmentation(image, only({ contrast: 0.5 })))).toBeLessThan(spread(image));
  });

  it('turns the image grey', async () => {
    const grey = await applyAugmentation(testImage(), only({ grayscale: true }));
    let maxChannelDifference = 0;
    for (let i = 0; i < grey.data.length; i += 3) {
      const [r, g, b] = grey.data.subarray(i, i + 3);
      maxChannelDifference = Math.max(maxChannelDifference, Math.abs(r - g), Math.abs(r - b));
    }
    expect(maxChannelDifference).toBeLessThanOrEqual(1);
  });

  it('degrades to a small, blurred, JPEG-compressed face', async () => {
    const image = testImage(300, 200);
    const small = await applyAugmentation(
      image,
      only({ degrade: { side: 24, blurSigma: 0.8, jpegQuality: 20 } }),
    );
    expect([small.width, small.height]).toEqual([36, 24]);
    expect(small.data).toHaveLength(36 * 24 * 3);
    expect(Math.abs(mean(small) - mean(image))).toBeLessThan(8);
    const notShrunk = await applyAugmentation(
      testImage(20, 20),
      only({ degrade: { side: 32, blurSigma: null, jpegQuality: null } }),
    );
    expect([notShrunk.width, notShrunk.height]).toEqual([20, 20]);
  });

  it('gives the same pixels for the same seed', async () => {
    const image = testImage();
    const a = await augmentImage(image, config, augmentationRandom(5, 2, 3));
    const b = await augmentImage(image, config, augmentationRandom(5, 2, 3));
    expect(a.data.equals(b.data)).toBe(true);
    expect(a.data).toHaveLength(a.width * a.height * 3);
  });
});
