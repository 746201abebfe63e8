import { missingSharedData, sharedDataDir } from '../shared-data';

/**
 * `describe` for specs that need `../shared` (weights, datasets): runs them when the data is there, otherwise
 * skips them with one warning naming what is missing. CI always has the data; fresh clones may not.
 */
export function describeWithSharedData(name: string, fn: () => void): void {
  const missing = missingSharedData();
  if (missing.length === 0) {
    describe(name, fn);
    return;
  }
  console.warn(
    `Skipping "${name}": shared data not found (missing ${missing.join(', ')}). ` +
      `Set MASKD_SHARED_DIR to the shared directory (now ${sharedDataDir()}) to run these tests.`,
  );
  describe.skip(name, fn);
}
