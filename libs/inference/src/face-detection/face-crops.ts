import { Box, cropRegion, DecodedImage, ModelInputOptions, toModelInput } from '@maskd/imaging';

export interface FaceCropOptions extends ModelInputOptions {
  /** Fraction of the box's width/height added on each side before cropping (see cropRegion). */
  margin: number;
}

/**
 * The classifier inputs for the faces found in `image`: each box grown by `margin`, cut at full resolution and
 * resized as the classifier expects (`toModelInput`), in box order, ready for one batched run.
 */
export async function faceCropInputs(
  image: DecodedImage,
  boxes: readonly Box[],
  options: FaceCropOptions,
): Promise<Float32Array[]> {
  const { margin, ...input } = options;
  return Promise.all(boxes.map(async (box) => toModelInput(await cropRegion(image, box, margin), input)));
}
