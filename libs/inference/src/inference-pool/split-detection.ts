import type { FaceCandidate } from '../face-detection/decode';
import type { DetectionLevel } from '../face-detection/detection-plan';
import type { FaceDetection } from '../face-detection/face-detection';
import { mergeFaceCandidates, ResolvedFaceDetectOptions } from '../face-detection/face-detector';
import type { SharedPyramid } from './worker-protocol';

/** One photo's face detection as the pool queues it. */
export interface DetectionJob {
  /** The photo's level images; its width and height are the photo's. */
  pyramid: SharedPyramid;
  /** The photo's detection plan (faceDetectionPlan), which the pyramid's levels follow. */
  plan: DetectionLevel[];
  options: ResolvedFaceDetectOptions;
  enqueuedAt: number;
  resolve(faces: FaceDetection[]): void;
  reject(error: Error): void;
}

/**
 * One photo's detection shared by several idle workers, each running some inputs of the plan (`parts`, from
 * splitDetectionUnits). Once every part has answered, the candidates are merged in run order, so the faces are
 * exactly those FaceDetector.detect finds in one worker. A failing part fails the job (through the pool).
 */
export class SplitDetection {
  private readonly found: FaceCandidate[][] = [];
  private remaining: number;

  constructor(
    private readonly job: DetectionJob,
    readonly parts: readonly number[][],
  ) {
    this.remaining = parts.length;
  }

  /** Records a part's candidates (one list per unit, in `units` order); resolves the job after the last one. */
  complete(units: readonly number[], candidates: readonly FaceCandidate[][]): void {
    units.forEach((unit, index) => (this.found[unit] = candidates[index]));
    if (--this.remaining > 0) return;
    const { pyramid, options } = this.job;
    this.job.resolve(mergeFaceCandidates(this.found.flat(), pyramid.width, pyramid.height, options));
  }
}
