import { generateAnchors } from './anchors';
import { BLAZEFACE_MODELS, REGRESSORS_PER_ANCHOR } from './blazeface-models';
import { BlazeFaceOutputs, decodeDetections } from './decode';

const spec = BLAZEFACE_MODELS.front;
const anchors = generateAnchors(spec.anchorOptions);

function emptyOutputs(): { scores: Float32Array[]; regressors: Float32Array[] } {
  return {
    scores: [new Float32Array(512).fill(-10), new Float32Array(384).fill(-10)],
    regressors: [
      new Float32Array(512 * REGRESSORS_PER_ANCHOR),
      new Float32Array(384 * REGRESSORS_PER_ANCHOR),
    ],
  };
}

describe('decodeDetections', () => {
  it('decodes a regressor vector relative to its anchor, in input pixels / input size', () => {
    const outputs = emptyOutputs();
    // Anchor 600 lies in the 8x8 grid: cell (600 - 512) / 6 = 14 -> column 6, row 1.
    const anchor = 600;
    const local = anchor - 512;
    outputs.scores[1][local] = 2; // sigmoid(2) = 0.8808
    const regressors = [8, -16, 32, 40, 0, 0, 4, 0, 2, 8, 2, 16, -12, 2, 14, 2];
    outputs.regressors[1].set(regressors, local * REGRESSORS_PER_ANCHOR);

    const [face, ...others] = decodeDetections(outputs, anchors, spec, 0.5);
    expect(others).toHaveLength(0);
    const ax = 6.5 / 8;
    const ay = 1.5 / 8;
    expect([anchors.xCenter[anchor], anchors.yCenter[anchor]]).toEqual([ax, ay]);
    const cx = ax + 8 / 128;
    const cy = ay - 16 / 128;
    expect(face.xMin).toBeCloseTo(cx - 16 / 128, 6);
    expect(face.xMax).toBeCloseTo(cx + 16 / 128, 6);
    expect(face.yMin).toBeCloseTo(cy - 20 / 128, 6);
    expect(face.yMax).toBeCloseTo(cy + 20 / 128, 6);
    expect(face.score).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    // Keypoints are offsets from the anchor, like the box centre.
    const expectedKeypoints = [0, 0, 4, 0, 2, 8, 2, 16, -12, 2, 14, 2].map((value, i) =>
      i % 2 === 0 ? ax + value / 128 : ay + value / 128,
    );
    [...face.keypoints].forEach((value, i) => expect(value).toBeCloseTo(expectedKeypoints[i], 6));
  });

  it('keeps only anchors at or above minScore, and clips raw scores before the sigmoid', () => {
    const outputs = emptyOutputs();
    outputs.scores[0][0] = 0; // exactly 0.5
    outputs.scores[0][1] = -0.01;
    outputs.scores[1][0] = 1e6; // clipped to 100 -> 1
    const faces = decodeDetections(outputs, anchors, spec, 0.5);
    expect(faces.map((face) => face.score)).toEqual([0.5, 1]);
    expect(decodeDetections(outputs, anchors, spec, 0)).toHaveLength(896);
    expect(decodeDetections(outputs, anchors, spec, 1)).toHaveLength(0);
  });

  it('scales by the back model input size', () => {
    const outputs = emptyOutputs();
    outputs.scores[0][0] = 5;
    outputs.regressors[0].set([0, 0, 64, 64]);
    const [face] = decodeDetections(outputs, anchors, BLAZEFACE_MODELS.back, 0.5);
    expect(face.xMax - face.xMin).toBeCloseTo(64 / 256, 6);
  });

  it('rejects outputs that do not match the anchors', () => {
    const outputs: BlazeFaceOutputs = {
      ...emptyOutputs(),
      regressors: [new Float32Array(10), new Float32Array(10)],
    };
    expect(() => decodeDetections(outputs, anchors, spec, 0.5)).toThrow(/regressors/);
    const short = emptyOutputs();
    expect(() =>
      decodeDetections({ scores: [short.scores[0]], regressors: [short.regressors[0]] }, anchors, spec, 0.5),
    ).toThrow(/512 anchors, expected 896/);
  });
});
