import { DecodedImage, modelInputDecodeOptions } from '@maskd/imaging';
import { asDecoded, quadrantRgb } from '@maskd/imaging/testing';
import type { FaceDetection } from '../face-detection/face-detection';
import { InferenceUnavailableError } from '../inference-pool/inference-pool';
import { decodeTargetSide, FaceFinder, imageRegions } from './image-regions';

// 100x100: red top-left, green top-right, blue bottom-left, white bottom-right.
const image: DecodedImage = {
  ...asDecoded(
    quadrantRgb(100, 100, [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [255, 255, 255],
    ]),
  ),
  sourceWidth: 400,
  sourceHeight: 400,
};
const input = { size: 8, resize: 'squash' as const };
const centre = (values: Float32Array) =>
  [...values.subarray((4 * 8 + 4) * 3, (4 * 8 + 4) * 3 + 3)].map((v) => Math.round(((v + 1) * 255) / 2));

/** Stands in for the detector (its own specs run the real models): reports fixed faces. */
function finder(faces: FaceDetection[]): FaceFinder & { calls: number } {
  return {
    calls: 0,
    async detectFaces() {
      this.calls++;
      return faces;
    },
  };
}
const face = (x: number, y: number): FaceDetection => ({
  box: { x, y, width: 20, height: 20 },
  score: 0.9,
  keypoints: [],
});

describe('imageRegions', () => {
  it('whole: one input for the whole image, no detection', async () => {
    const detector = finder([face(10, 10)]);
    const regions = await imageRegions(image, { mode: 'whole', faceFinder: detector, input, margin: 0.2 });
    expect(detector.calls).toBe(0);
    expect(regions).toMatchObject({ mode: 'whole', toSource: { x: 4, y: 4 } });
    expect(regions.faces).toBeUndefined();
    expect(regions.fallback).toBeUndefined();
    expect(regions.inputs).toHaveLength(1);
  });

  it('auto and faces: one crop per face, in detection order', async () => {
    for (const mode of ['auto', 'faces'] as const) {
      const regions = await imageRegions(image, {
        mode,
        faceFinder: finder([face(60, 60), face(10, 10)]),
        input,
        margin: 0.2,
      });
      expect(regions.faces).toHaveLength(2);
      expect(regions.inputs.map(centre)).toEqual([
        [255, 255, 255],
        [255, 0, 0],
      ]);
      expect(regions.detectionMs).toBeGreaterThanOrEqual(0);
      expect(regions.fallback).toBeUndefined();
    }
  });

  it('auto without a face classifies the whole image; faces mode classifies nothing', async () => {
    const auto = await imageRegions(image, { mode: 'auto', faceFinder: finder([]), input, margin: 0.2 });
    expect(auto).toMatchObject({ faces: [], fallback: { reason: 'no_face' } });
    expect(auto.inputs).toHaveLength(1);
    const faces = await imageRegions(image, { mode: 'faces', faceFinder: finder([]), input, margin: 0.2 });
    expect(faces).toMatchObject({ faces: [], inputs: [] });
  });

  it('without a detector: auto falls back to the whole image saying why, faces mode is unavailable', async () => {
    const options = { faceFinderUnavailable: 'it failed to load: missing file', input, margin: 0.2 };
    const auto = await imageRegions(image, { mode: 'auto', ...options });
    expect(auto.fallback).toEqual({
      reason: 'detector_unavailable',
      detail: 'it failed to load: missing file',
    });
    expect(auto.inputs).toHaveLength(1);
    await expect(imageRegions(image, { mode: 'faces', ...options })).rejects.toThrow(
      new InferenceUnavailableError('The face detector is not available: it failed to load: missing file'),
    );
  });

  it('decodes large photos for detection at 1080 px on the shorter side, whole images at twice the input', () => {
    expect(decodeTargetSide('auto', { size: 224 })).toBe(1080);
    expect(decodeTargetSide('faces', { size: 224 })).toBe(1080);
    expect(decodeTargetSide('whole', { size: 224 })).toBe(448);
    // The whole-image decode is training's.
    expect(decodeTargetSide('whole', { size: 96 })).toBe(modelInputDecodeOptions(96).targetSide);
  });
});
