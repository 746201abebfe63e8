import { existsSync } from 'node:fs';
import { Browser, LaunchOptions, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it); CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Quiet, offline, sandbox-free headless flags that work as root in containers and CI. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Chromium with a fresh, temporary profile (playwright-core creates a new user-data-dir per launch and
 * deletes it on close). `extraArgs` adds flags, e.g. a fake camera.
 */
export function launchChromium(extraArgs: string[] = [], options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    ...options,
  });
}

/** `describe` for suites that drive a real browser: skipped with one clear warning when Chromium is absent. */
export function describeWithChromium(name: string, fn: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, fn);
    return;
  }
  console.warn(
    `Skipping "${name}": no Chromium at ${CHROMIUM_PATH}. Install it with ` +
      '`apt-get install -y --no-install-recommends chromium` (CI does) or set CHROMIUM_PATH.',
  );
  describe.skip(name, fn);
}
