import { SsdAnchorOptions } from './anchors';

export type BlazeFaceVariant = 'front' | 'back';

/**
 * What a BlazeFace ONNX model expects and emits, with the options of MediaPipe's reference graphs
 * (face_detection_front_*.pbtxt and face_detection_back_desktop_live.pbtxt): SsdAnchorsCalculator,
 * TensorsToDetectionsCalculator (x/y/w/h scale = input size, sigmoid scores clipped at +-100) and the
 * output names of the Barracuda conversion (scores and regressors split per grid).
 */
export interface BlazeFaceModelSpec {
  variant: BlazeFaceVariant;
  /** Default file name in `models/`. */
  fileName: string;
  inputName: string;
  /** Square NHWC input side, float32 in [-1, 1]. */
  inputSize: number;
  /** Per-grid outputs, in anchor order: scores [1, n, 1] and regressors [1, n, 16]. */
  scoreOutputs: readonly string[];
  regressorOutputs: readonly string[];
  anchorOptions: SsdAnchorOptions;
  /** Regressors are in input pixels: divide by this to normalise. */
  coordinateScale: number;
  scoreClipping: number;
}

/** Values per anchor: box (x centre, y centre, width, height) then 6 keypoints (x, y). */
export const REGRESSORS_PER_ANCHOR = 16;
export const KEYPOINT_COUNT = 6;

const OUTPUTS = {
  scoreOutputs: ['Identity:0', 'Identity_1:0'],
  regressorOutputs: ['Identity_2:0', 'Identity_3:0'],
} as const;

const SHARED_ANCHOR_OPTIONS = {
  maxScale: 0.75,
  anchorOffsetX: 0.5,
  anchorOffsetY: 0.5,
  aspectRatios: [1.0],
  interpolatedScaleAspectRatio: 1.0,
  fixedAnchorSize: true,
} as const;

export const BLAZEFACE_MODELS: Record<BlazeFaceVariant, BlazeFaceModelSpec> = {
  front: {
    variant: 'front',
    fileName: 'blazeface_front_128.onnx',
    inputName: 'input:0',
    inputSize: 128,
    ...OUTPUTS,
    anchorOptions: {
      ...SHARED_ANCHOR_OPTIONS,
      inputWidth: 128,
      inputHeight: 128,
      minScale: 0.1484375,
      strides: [8, 16, 16, 16],
    },
    coordinateScale: 128,
    scoreClipping: 100,
  },
  back: {
    variant: 'back',
    fileName: 'blazeface_back_256.onnx',
    inputName: 'input:0',
    inputSize: 256,
    ...OUTPUTS,
    anchorOptions: {
      ...SHARED_ANCHOR_OPTIONS,
      inputWidth: 256,
      inputHeight: 256,
      minScale: 0.15625,
      strides: [16, 32, 32, 32],
    },
    coordinateScale: 256,
    scoreClipping: 100,
  },
};
