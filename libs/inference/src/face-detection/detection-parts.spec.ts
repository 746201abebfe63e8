import { detectionUnits, splitDetectionUnits } from './detection-parts';
import { faceDetectionPlan, resolveFaceDetectOptions } from './face-detector';

const plan = (width: number, height: number, mode: 'fast' | 'balanced' | 'thorough') =>
  faceDetectionPlan(width, height, resolveFaceDetectOptions({ mode }));

describe('detectionUnits', () => {
  it('lists every input of the plan, finest level first', () => {
    const levels = plan(1280, 720, 'balanced');
    expect(levels.map((level) => level.width)).toEqual(
      [...levels.map((level) => level.width)].sort((a, b) => b - a),
    );
    const units = detectionUnits(levels);
    expect(units).toHaveLength(levels.reduce((sum, level) => sum + level.views.length, 0));
    expect(units[0]).toEqual({ level: 0, view: 0 });
    expect(units.at(-1)).toEqual({ level: levels.length - 1, view: levels.at(-1)!.views.length - 1 });
  });
});

describe('splitDetectionUnits', () => {
  it('shares a balanced 1280x720 plan (3 back runs, 1 front) between two workers as evenly as it can', () => {
    const levels = plan(1280, 720, 'balanced');
    const units = detectionUnits(levels);
    const parts = splitDetectionUnits(levels, 2);
    expect(parts).toHaveLength(2);
    expect(parts.flat().sort((a, b) => a - b)).toEqual(units.map((_, index) => index));
    const backs = (part: number[]) =>
      part.filter((index) => levels[units[index].level].views[units[index].view].variant === 'back').length;
    expect(parts.map(backs).sort()).toEqual([1, 2]);
    for (const part of parts) expect(part).toEqual([...part].sort((a, b) => a - b)); // run order kept
  });

  it('spreads the tiles of a thorough plan over the workers', () => {
    const levels = plan(1280, 720, 'thorough');
    const sizes = splitDetectionUnits(levels, 3).map((part) => part.length);
    expect(sizes).toHaveLength(3);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(2);
  });

  it('never makes more parts than inputs, nor empty ones', () => {
    const fast = plan(640, 480, 'fast');
    expect(detectionUnits(fast)).toHaveLength(2);
    expect(splitDetectionUnits(fast, 4)).toHaveLength(2);
    expect(splitDetectionUnits(fast, 1)).toEqual([[0, 1]]);
  });
});
