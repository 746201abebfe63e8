export { annotateVerdict, CLASS_COLOURS, displayLabel } from './annotate-verdict';
export { DEFAULT_DETECT_MODE, DETECT_MODES, isDetectMode } from './detect-mode';
export type { DetectMode } from './detect-mode';
export { decodeTargetSide, FACE_DECODE_TARGET_SIDE, imageRegions } from './image-regions';
export type { FaceFinder, ImageRegions, RegionOptions, WholeImageFallback } from './image-regions';
export { imageVerdict, verdictJson } from './image-verdict';
export type { ClassifiedFace, FaceJson, ImageVerdict, VerdictJson } from './image-verdict';
