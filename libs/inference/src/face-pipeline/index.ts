export { annotateVerdict } from './annotate-verdict';
export { DEFAULT_DETECT_MODE, DETECT_MODES } from './detect-mode';
export type { DetectMode } from './detect-mode';
export { decodeTargetSide, imageRegions } from './image-regions';
export type { FaceFinder, ImageRegions, RegionOptions, WholeImageFallback } from './image-regions';
export { imageVerdict, verdictJson } from './image-verdict';
export type { ClassifiedFace, FaceJson, ImageVerdict, VerdictJson } from './image-verdict';
