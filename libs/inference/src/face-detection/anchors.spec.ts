import { generateAnchors, SsdAnchorOptions } from './anchors';
import { BLAZEFACE_MODELS } from './blazeface-models';

describe('generateAnchors', () => {
  it('gives the front model 896 anchors: 16x16 cells x 2 (stride 8), then 8x8 cells x 6 (strides 16)', () => {
    const anchors = generateAnchors(BLAZEFACE_MODELS.front.anchorOptions);
    expect(anchors.count).toBe(896);
    // Cell (0, 0) of the 16x16 grid holds anchors 0 and 1, centred at half a cell.
    for (const i of [0, 1]) {
      expect([anchors.xCenter[i], anchors.yCenter[i]]).toEqual([0.5 / 16, 0.5 / 16]);
    }
    expect([anchors.xCenter[2], anchors.yCenter[2]]).toEqual([1.5 / 16, 0.5 / 16]);
    expect([anchors.xCenter[32], anchors.yCenter[32]]).toEqual([0.5 / 16, 1.5 / 16]);
    expect([anchors.xCenter[511], anchors.yCenter[511]]).toEqual([15.5 / 16, 15.5 / 16]);
    // The 8x8 grid starts at anchor 512 with six anchors per cell.
    for (const i of [512, 517]) expect([anchors.xCenter[i], anchors.yCenter[i]]).toEqual([0.5 / 8, 0.5 / 8]);
    expect([anchors.xCenter[518], anchors.yCenter[518]]).toEqual([1.5 / 8, 0.5 / 8]);
    expect([anchors.xCenter[895], anchors.yCenter[895]]).toEqual([7.5 / 8, 7.5 / 8]);
    // fixed_anchor_size: the regressors carry the whole box size.
    expect(anchors.width.every((w) => w === 1) && anchors.height.every((h) => h === 1)).toBe(true);
  });

  it('gives the back model the same layout on a 256 input (strides 16 and 32)', () => {
    const front = generateAnchors(BLAZEFACE_MODELS.front.anchorOptions);
    const back = generateAnchors(BLAZEFACE_MODELS.back.anchorOptions);
    expect(back.count).toBe(896);
    expect(back.xCenter).toEqual(front.xCenter);
    expect(back.yCenter).toEqual(front.yCenter);
  });

  it('sizes anchors by layer scale and aspect ratio when they are not fixed (SsdAnchorsCalculator)', () => {
    const options: SsdAnchorOptions = {
      ...BLAZEFACE_MODELS.front.anchorOptions,
      aspectRatios: [1, 4],
      fixedAnchorSize: false,
    };
    const anchors = generateAnchors(options);
    // Stride 8 layer: scale 0.1484375 at ratios 1 and 4, plus the interpolated anchor between layer 0 and 1.
    const scale0 = 0.1484375;
    const scale1 = 0.1484375 + (0.75 - 0.1484375) / 3;
    expect(anchors.width[0]).toBeCloseTo(scale0, 6);
    expect(anchors.height[0]).toBeCloseTo(scale0, 6);
    expect(anchors.width[1]).toBeCloseTo(scale0 * 2, 6);
    expect(anchors.height[1]).toBeCloseTo(scale0 / 2, 6);
    expect(anchors.width[2]).toBeCloseTo(Math.sqrt(scale0 * scale1), 6);
    // 3 anchors per layer: 16x16 x 3 + 8x8 x (3 layers x 3).
    expect(anchors.count).toBe(16 * 16 * 3 + 8 * 8 * 9);
    // The last layer interpolates towards scale 1.
    expect(anchors.width[anchors.count - 1]).toBeCloseTo(Math.sqrt(0.75 * 1), 6);
  });
});
