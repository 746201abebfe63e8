import type { LayerConverter } from '../conversion-context';
import { convertActivation, convertELU, convertLeakyReLU, convertReLU, convertSoftmax } from './activation';
import { convertBatchNormalization } from './batch-normalization';
import { convertConvolution } from './convolution';
import { convertDense } from './dense';
import {
  convertAdd,
  convertAverage,
  convertConcatenate,
  convertMaximum,
  convertMinimum,
  convertMultiply,
} from './merge';
import { convertZeroPadding2D } from './padding';
import {
  convertAveragePooling2D,
  convertGlobalAveragePooling2D,
  convertGlobalMaxPooling2D,
  convertMaxPooling2D,
} from './pooling';
import { convertFlatten, convertReshape, passThrough } from './reshaping';

/** Converters by tfjs layer class name (`layer.getClassName()`). */
export const LAYER_CONVERTERS: Readonly<Record<string, LayerConverter>> = {
  Conv2D: convertConvolution,
  DepthwiseConv2D: convertConvolution,
  BatchNormalization: convertBatchNormalization,
  ZeroPadding2D: convertZeroPadding2D,
  Dense: convertDense,
  Activation: convertActivation,
  ReLU: convertReLU,
  LeakyReLU: convertLeakyReLU,
  ELU: convertELU,
  Softmax: convertSoftmax,
  GlobalAveragePooling2D: convertGlobalAveragePooling2D,
  GlobalMaxPooling2D: convertGlobalMaxPooling2D,
  MaxPooling2D: convertMaxPooling2D,
  AveragePooling2D: convertAveragePooling2D,
  Add: convertAdd,
  Multiply: convertMultiply,
  Maximum: convertMaximum,
  Minimum: convertMinimum,
  Average: convertAverage,
  Concatenate: convertConcatenate,
  Flatten: convertFlatten,
  Reshape: convertReshape,
  Dropout: passThrough,
  SpatialDropout1D: passThrough,
  GaussianNoise: passThrough,
  GaussianDropout: passThrough,
  AlphaDropout: passThrough,
};
