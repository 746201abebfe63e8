import type { FaceCandidate } from '../face-detection/decode';
import type { FaceDetection, FaceDetectOptions } from '../face-detection/face-detection';
import { mergeFaceCandidates, resolveFaceDetectOptions } from '../face-detection/face-detector';

/** One photo's face detection as the pool queues it. */
export interface DetectionJob {
  image: { width: number; height: number };
  options: FaceDetectOptions;
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
    const { image, options } = this.job;
    this.job.resolve(
      mergeFaceCandidates(this.found.flat(), image.width, image.height, resolveFaceDetectOptions(options)),
    );
  }
}
