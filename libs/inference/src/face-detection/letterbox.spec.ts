import { planResize } from '@maskd/imaging';
import { FaceCandidate } from './decode';
import { inputToSource, letterboxTransform, sourceToInput } from './letterbox';

const point = (x: number, y: number): FaceCandidate => ({
  xMin: x,
  yMin: y,
  xMax: x,
  yMax: y,
  score: 1,
  keypoints: Float32Array.of(x, y),
});

describe('letterboxTransform', () => {
  it('maps the content corners of a wide image to the image corners', () => {
    const view = letterboxTransform({ left: 0, top: 0, width: 1280, height: 720 }, 256);
    const { target } = planResize(1280, 720, 256, 'letterbox');
    expect(view.content).toEqual(target);
    expect(target).toEqual({ left: 0, top: 56, width: 256, height: 144 });
    const topLeft = inputToSource(point(0, 56 / 256), view);
    const bottomRight = inputToSource(point(1, 200 / 256), view);
    expect([topLeft.xMin, topLeft.yMin]).toEqual([0, 0]);
    expect(bottomRight.xMax).toBeCloseTo(1280, 9);
    expect(bottomRight.yMax).toBeCloseTo(720, 9);
    expect(bottomRight.keypoints[1]).toBeCloseTo(720, 9);
  });

  it('round-trips points for tall images, tiles and scaled pyramid levels', () => {
    const cases = [
      { tile: { left: 0, top: 0, width: 301, height: 400 }, size: 128, scale: [1, 1] },
      { tile: { left: 0, top: 0, width: 37, height: 23 }, size: 256, scale: [1, 1] },
      // A 256x256 tile at (199, 93) of a level that is the source scaled by 1.16 x 1.1633.
      { tile: { left: 199, top: 93, width: 256, height: 256 }, size: 256, scale: [464 / 400, 349 / 300] },
    ];
    for (const { tile, size, scale } of cases) {
      const view = letterboxTransform(tile, size, scale[0], scale[1]);
      for (const [x, y] of [
        [0.1, 0.2],
        [0.5, 0.5],
        [0.93, 0.71],
      ]) {
        const mapped = inputToSource(point(x, y), view);
        const [u, v] = sourceToInput(view, mapped.xMin, mapped.yMin);
        expect(u).toBeCloseTo(x, 9);
        expect(v).toBeCloseTo(y, 9);
      }
    }
  });

  it('places a tile of a scaled level back in source pixels', () => {
    // Level = source x2; the tile starts at level pixel (100, 60), so input (0, 0) is source (50, 30).
    const view = letterboxTransform({ left: 100, top: 60, width: 256, height: 256 }, 256, 2, 2);
    const origin = inputToSource(point(0, 0), view);
    const far = inputToSource(point(1, 1), view);
    expect([origin.xMin, origin.yMin]).toEqual([50, 30]);
    expect([far.xMin, far.yMin]).toEqual([50 + 128, 30 + 128]);
  });
});
