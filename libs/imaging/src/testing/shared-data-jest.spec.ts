import { describeWithSharedData } from './shared-data-jest';

// Registered at collection time, as specs use it: with the data absent the suite is skipped with one warning.
const saved = process.env.MASKD_SHARED_DIR;
const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
process.env.MASKD_SHARED_DIR = '/nonexistent/maskd-shared';
describeWithSharedData('a suite that needs the shared data', () => {
  it('is skipped', () => {
    throw new Error('ran without shared data');
  });
});
const warnings = warn.mock.calls.map((call) => String(call[0]));
warn.mockRestore();
if (saved === undefined) delete process.env.MASKD_SHARED_DIR;
else process.env.MASKD_SHARED_DIR = saved;

describe('describeWithSharedData', () => {
  it('warns once, naming the suite, what is missing and MASKD_SHARED_DIR', () => {
    expect(warnings).toEqual([
      'Skipping "a suite that needs the shared data": shared data not found (missing /nonexistent/maskd-shared). ' +
        'Set MASKD_SHARED_DIR to the shared directory (now /nonexistent/maskd-shared) to run these tests.',
    ]);
  });
});
