import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hasSharedData, missingSharedData, repoRoot, sharedDataDir, sharedDataPath } from './shared-data';

describe('shared data location', () => {
  const saved = process.env.MASKD_SHARED_DIR;
  let scratch: string;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'maskd-shared-'));
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.MASKD_SHARED_DIR;
    else process.env.MASKD_SHARED_DIR = saved;
    rmSync(scratch, { recursive: true, force: true });
  });

  it('finds the repository root by its package name', () => {
    const packageJson = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as {
      name: string;
    };
    expect(packageJson.name).toBe('maskd');
    expect(resolve(__dirname, '../../..')).toBe(repoRoot());
  });

  it('defaults to ../shared next to the repository', () => {
    delete process.env.MASKD_SHARED_DIR;
    expect(sharedDataDir()).toBe(resolve(repoRoot(), '..', 'shared'));
  });

  it('follows MASKD_SHARED_DIR, made absolute', () => {
    process.env.MASKD_SHARED_DIR = scratch;
    expect(sharedDataDir()).toBe(scratch);
    expect(sharedDataPath('datasets', 'x')).toBe(join(scratch, 'datasets', 'x'));
    process.env.MASKD_SHARED_DIR = 'relative/dir';
    expect(sharedDataDir()).toBe(resolve('relative/dir'));
  });

  it('needs both weights/ and datasets/', () => {
    process.env.MASKD_SHARED_DIR = join(scratch, 'absent');
    expect(missingSharedData()).toEqual([join(scratch, 'absent')]);
    process.env.MASKD_SHARED_DIR = scratch;
    expect(missingSharedData()).toEqual([join(scratch, 'weights'), join(scratch, 'datasets')]);
    mkdirSync(join(scratch, 'weights'));
    expect(hasSharedData()).toBe(false);
    mkdirSync(join(scratch, 'datasets'));
    expect(missingSharedData()).toEqual([]);
    expect(hasSharedData()).toBe(true);
  });
});
