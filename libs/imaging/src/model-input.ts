import { decodeImage, DecodeOptions } from './decode';
import { DecodeLimits } from './decode-limits';
import { assertRgbShape, DecodedImage, RGB_CHANNELS } from './decoded-image';
import { DEFAULT_TENSOR_LAYOUT, TensorLayout, writeNormalizedPatch } from './normalize';
import { DEFAULT_RESIZE_MODE, planResize, resampleRgb, ResizeMode } from './resize';

export interface ModelInputOptions {
  /** Side of the square model input, e.g. 224. */
  size: number;
  resize?: ResizeMode;
  layout?: TensorLayout;
}

function assertModelInputSize(size: number): void {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`Model input size must be a positive integer, got ${size}`);
  }
}

/**
 * The model input for one image: resized with the fixed kernel and `resize` mode, normalised to [-1, 1]
 * (x / 127.5 - 1), size * size * 3 floats in `layout`. Training, evaluation, the CLI and the API all call
 * this; nothing else may resize for the model.
 */
export async function toModelInput(image: DecodedImage, options: ModelInputOptions): Promise<Float32Array> {
  const { size, resize = DEFAULT_RESIZE_MODE, layout = DEFAULT_TENSOR_LAYOUT } = options;
  assertModelInputSize(size);
  assertRgbShape(image.data, image.width, image.height);

  const { source, target } = planResize(image.width, image.height, size, resize);
  const pixels = await resampleRgb(
    image.data,
    image.width,
    image.height,
    source,
    target.width,
    target.height,
  );
  // Zero-filled: letterbox padding is the grey 127.5, which normalises to exactly 0.
  const canvas = { data: new Float32Array(size * size * RGB_CHANNELS), width: size, height: size, layout };
  writeNormalizedPatch(pixels, target.width, target.height, canvas, target.left, target.top);
  return canvas.data;
}

export interface PreprocessOptions extends ModelInputOptions {
  limits?: Partial<DecodeLimits>;
}

/**
 * Whole images are decoded at no more than twice the model input on their shorter side: photos of several
 * megapixels then decode at 1/2-1/8 scale (3x faster, a fraction of the memory) and the resize to the model
 * input changes by ~0.4/255 on average; images under 2 x 2 x size on the shorter side are untouched.
 */
const PREPROCESS_TARGET_SIDE_FACTOR = 2;

/**
 * How to decode a whole image that becomes one model input of side `size`. Training (its feature worker),
 * evaluation and serving's whole-image mode all decode with these options, so an unaugmented training image
 * and the same image sent to the API give the same model input.
 */
export function modelInputDecodeOptions(size: number): DecodeOptions & { targetSide: number } {
  assertModelInputSize(size);
  return { targetSide: PREPROCESS_TARGET_SIDE_FACTOR * size };
}

/**
 * decodeImage (with modelInputDecodeOptions) + toModelInput for a whole image in one call, for evaluation,
 * the export check, benchmarks and tests. `image` is the decoded image (reduced for large photos, see
 * PREPROCESS_TARGET_SIDE_FACTOR; its sourceWidth/sourceHeight give the original size).
 */
export async function preprocessImage(
  bytes: Buffer,
  options: PreprocessOptions,
): Promise<{ input: Float32Array; image: DecodedImage }> {
  const image = await decodeImage(bytes, options.limits, modelInputDecodeOptions(options.size));
  return { input: await toModelInput(image, options), image };
}
