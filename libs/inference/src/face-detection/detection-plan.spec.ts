import { DETECTABLE_FACE_PX, DetectionLevel, LEVEL_STEP, planDetection } from './detection-plan';

const options = { minFaceSize: 24, maxUpscale: 2 };

/** Every level pixel lies in some tile, and neighbouring tiles overlap by at least `overlap` pixels. */
function expectCovered(level: DetectionLevel, overlap: number): void {
  const columns = [...new Set(level.views.map((view) => view.tile.left))].sort((a, b) => a - b);
  const rows = [...new Set(level.views.map((view) => view.tile.top))].sort((a, b) => a - b);
  expect(level.views).toHaveLength(columns.length * rows.length);
  const { width, height } = level.views[0].tile;
  expect(columns[0]).toBe(0);
  expect(rows[0]).toBe(0);
  expect(columns.at(-1)! + width).toBe(level.width);
  expect(rows.at(-1)! + height).toBe(level.height);
  for (let i = 1; i < columns.length; i++)
    expect(columns[i - 1] + width - columns[i]).toBeGreaterThanOrEqual(overlap);
  for (let i = 1; i < rows.length; i++)
    expect(rows[i - 1] + height - rows[i]).toBeGreaterThanOrEqual(overlap);
}

describe('planDetection', () => {
  it('always runs both models over the whole image, reduced once to 256 px when larger', () => {
    const [whole] = planDetection(1280, 720, { minFaceSize: 1000, maxUpscale: 2 });
    expect(whole).toMatchObject({ width: 256, height: 144, scale: 0.2 });
    expect(whole.views.map((view) => view.variant)).toEqual(['back', 'front']);
    for (const view of whole.views) {
      expect(view.tile).toEqual({ left: 0, top: 0, width: 256, height: 144 });
      expect(Object.values(view.innerEdges)).toEqual([false, false, false, false]);
    }
    // Small images are used as they are.
    expect(planDetection(200, 150, options)[0]).toMatchObject({ width: 200, height: 150, scale: 1 });
  });

  it('adds no tiles when the whole-image view already resolves the smallest wanted face', () => {
    // 256 / 400 = 0.64: faces of 24 / 0.64 = 37.5 px are found without tiles.
    expect(planDetection(400, 300, { minFaceSize: 40, maxUpscale: 2 })).toHaveLength(1);
    expect(planDetection(400, 300, { minFaceSize: 24, maxUpscale: 2 })).toHaveLength(2);
  });

  it('tiles a 400x300 photo for 24 px faces at ~1x, with 256 px tiles covering the level', () => {
    const [, tiled] = planDetection(400, 300, options);
    expect(tiled.scale).toBeGreaterThanOrEqual(1 - 0.12);
    expect(tiled.views.every((view) => view.variant === 'back')).toBe(true);
    expect(tiled.views.every((view) => view.tile.width === 256 && view.tile.height === 256)).toBe(true);
    expectCovered(tiled, DETECTABLE_FACE_PX);
    const [topLeft, , , bottomRight] = tiled.views;
    expect(topLeft.innerEdges).toEqual({ left: false, top: false, right: true, bottom: true });
    expect(bottomRight.innerEdges).toEqual({ left: true, top: true, right: false, bottom: false });
  });

  it('spaces pyramid levels by at most LEVEL_STEP and overlaps tiles by the faces coarser levels miss', () => {
    const levels = planDetection(1920, 1080, { minFaceSize: 20, maxUpscale: 2 });
    expect(levels.length).toBeGreaterThan(2);
    for (let i = 1; i < levels.length; i++) {
      // Snapping a level to whole tiles may move it by up to ~12% either way.
      expect(levels[i].scale / levels[i - 1].scale).toBeLessThanOrEqual(LEVEL_STEP * 1.3);
      expectCovered(levels[i], DETECTABLE_FACE_PX);
    }
    expect(levels.at(-1)!.scale).toBeGreaterThanOrEqual((DETECTABLE_FACE_PX / 20) * 0.88);
  });

  it('never enlarges beyond maxUpscale', () => {
    const levels = planDetection(300, 200, { minFaceSize: 4, maxUpscale: 2 });
    expect(levels.at(-1)!.scale).toBeLessThanOrEqual(2);
  });

  it('rejects non-positive sizes', () => {
    expect(() => planDetection(400, 300, { minFaceSize: 0, maxUpscale: 2 })).toThrow(RangeError);
  });
});

describe('planDetection with a tile budget', () => {
  const count = (levels: DetectionLevel[]) =>
    levels.slice(1).reduce((sum, level) => sum + level.views.length, 0);

  it('searches for larger faces rather than exceed maxTiles on a huge photo', () => {
    const unbounded = planDetection(4000, 3000, { minFaceSize: 20, maxUpscale: 2 });
    const bounded = planDetection(4000, 3000, { minFaceSize: 20, maxUpscale: 2, maxTiles: 48 });
    expect(count(unbounded)).toBeGreaterThan(200);
    expect(count(bounded)).toBeLessThanOrEqual(48);
    expect(count(bounded)).toBeGreaterThan(10);
  });

  it('leaves plans within the budget unchanged', () => {
    const options = { minFaceSize: 20, maxUpscale: 2 };
    expect(planDetection(1280, 720, { ...options, maxTiles: 48 })).toEqual(planDetection(1280, 720, options));
  });
});
