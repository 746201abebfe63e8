export { generateAnchors } from './anchors';
export type { Anchors, SsdAnchorOptions } from './anchors';
export { FACE_DETECTOR_CARD_FILE, verifyFaceDetectorModel } from './blazeface-card';
export type { FaceDetectorCard, VerifiedFaceDetector, VerifiedModelFile } from './blazeface-card';
export { BLAZEFACE_MODELS, KEYPOINT_COUNT, REGRESSORS_PER_ANCHOR } from './blazeface-models';
export type { BlazeFaceModelSpec, BlazeFaceVariant } from './blazeface-models';
export { BlazeFaceModelError, BlazeFaceSession } from './blazeface-session';
export { decodeDetections } from './decode';
export type { BlazeFaceOutputs, FaceCandidate } from './decode';
export { splitDetectionUnits } from './detection-parts';
export { DETECTABLE_FACE_PX, planDetection } from './detection-plan';
export type { DetectionLevel, DetectionPlanOptions, DetectionView } from './detection-plan';
export { FACE_DETECTION_MODES, FACE_KEYPOINT_NAMES, toFaceDetection } from './face-detection';
export type {
  FaceDetection,
  FaceDetectionMode,
  FaceDetectOptions,
  FaceKeypoint,
  FaceKeypointName,
} from './face-detection';
export {
  DEFAULT_FACE_DETECT_OPTIONS,
  defaultMinFaceSize,
  detectionPyramid,
  faceDetectionPlan,
  FaceDetector,
  mergeFaceCandidates,
  resolveFaceDetectOptions,
} from './face-detector';
export type { DetectionPyramid, FaceDetectorOptions, ResolvedFaceDetectOptions } from './face-detector';
export { inputToSource, letterboxTransform, sourceToInput } from './letterbox';
export type { ViewTransform } from './letterbox';
export { intersectionOverUnion, weightedNonMaxSuppression } from './weighted-nms';
export { FACE_CROP_MARGIN, faceCropInputs, MAX_CLASSIFIED_FACES } from './face-crops';
export type { FaceCropOptions, OnModelInput } from './face-crops';
