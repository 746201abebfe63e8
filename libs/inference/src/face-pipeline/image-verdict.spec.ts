import type { FaceDetection } from '../face-detection/face-detection';
import type { ImageRegions } from './image-regions';
import { imageVerdict } from './image-verdict';

const card = { class_names: ['with_mask', 'without_mask'] as [string, string], threshold: 0.5 };
const input = new Float32Array(1);
const face = (x: number, score = 0.9): FaceDetection => ({
  box: { x, y: 10.4, width: 20.2, height: 30.6 },
  score,
  keypoints: [],
});
const regions = (partial: Partial<ImageRegions>): ImageRegions => ({
  mode: 'auto',
  inputs: [],
  toSource: { x: 1, y: 1 },
  ...partial,
});

describe('imageVerdict', () => {
  it('reads the whole image in whole mode, without a faces list', () => {
    expect(imageVerdict(regions({ mode: 'whole', inputs: [input] }), [0.2], card)).toEqual({
      label: 'with_mask',
      confidence: 0.8,
      hasMask: true,
      message: 'Face mask detected',
      faces: undefined,
    });
  });

  it('is without_mask when any face is, with the confidence of the face most likely unmasked', () => {
    const verdict = imageVerdict(
      regions({ faces: [face(0), face(50), face(100)], inputs: [input, input, input] }),
      [0.1, 0.7, 0.95],
      card,
    );
    expect(verdict).toMatchObject({
      label: 'without_mask',
      confidence: 0.95,
      hasMask: false,
      message: 'No face mask on 2 of 3 faces',
    });
    expect(verdict.faces!.map((f) => [f.label, f.confidence, f.hasMask])).toEqual([
      ['with_mask', 0.9, true],
      ['without_mask', 0.7, false],
      ['without_mask', 0.95, false],
    ]);
  });

  it('is with_mask when every face is, with the lowest confidence among them', () => {
    const verdict = imageVerdict(
      regions({ mode: 'faces', faces: [face(0), face(50)], inputs: [input, input] }),
      [0.1, 0.3],
      card,
    );
    expect(verdict).toMatchObject({
      label: 'with_mask',
      hasMask: true,
      message: 'Face mask detected on all 2 faces',
    });
    expect(verdict.confidence).toBeCloseTo(0.7, 10);
    expect(imageVerdict(regions({ faces: [face(0)], inputs: [input] }), [0.6], card).message).toBe(
      'No face mask detected (1 face)',
    );
  });

  it('reports boxes in whole pixels of the source image, scaled back from a reduced decode', () => {
    const verdict = imageVerdict(
      regions({ faces: [face(10, 0.75)], inputs: [input], toSource: { x: 2, y: 2 } }),
      [0.2],
      card,
    );
    // x 10 -> 20, right edge 30.2 -> 60.4 -> 60; y 10.4 -> 20.8 -> 21, bottom 41 -> 82.
    expect(verdict.faces).toEqual([
      {
        box: { x: 20, y: 21, width: 40, height: 61 },
        score: 0.75,
        label: 'with_mask',
        confidence: 0.8,
        hasMask: true,
      },
    ]);
  });

  it('says so when auto classified the whole image: no face found, or no detector', () => {
    const noFace = imageVerdict(
      regions({ faces: [], inputs: [input], fallback: { reason: 'no_face' } }),
      [0.9],
      card,
    );
    expect(noFace).toMatchObject({
      label: 'without_mask',
      faces: [],
      message: 'No face found, so the whole image was classified: no face mask detected',
    });
    expect(noFace.confidence).toBeCloseTo(0.9, 10);
    const noDetector = imageVerdict(
      regions({
        inputs: [input],
        fallback: { reason: 'detector_unavailable', detail: 'it failed to load: x' },
      }),
      [0.1],
      card,
    );
    expect(noDetector.message).toBe(
      'Face detection is not available (it failed to load: x), so the whole image was classified: face mask detected',
    );
    expect(noDetector.faces).toEqual([]);
  });

  it('has no verdict in faces mode when no face was found', () => {
    expect(imageVerdict(regions({ mode: 'faces', faces: [] }), [], card)).toEqual({
      label: null,
      confidence: null,
      hasMask: null,
      message: 'No face found',
      faces: [],
    });
  });

  it('refuses probabilities that do not match the inputs', () => {
    expect(() => imageVerdict(regions({ mode: 'whole', inputs: [input] }), [], card)).toThrow(RangeError);
  });
});
