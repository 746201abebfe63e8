import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, sharedDataPath } from '@maskd/imaging';
import { describeWithSharedData } from '@maskd/imaging/testing';
import { SPLITS } from './manifest';
import { prepareDataset } from './prepare-dataset';
import { loadPreparedDataset } from './prepared-dataset';
import { writeMiniDataset } from './testing/mini-dataset';

const run = promisify(execFile);
const tsx = path.join(repoRoot(), 'node_modules', '.bin', 'tsx');
const cli = (name: string) => path.join(repoRoot(), 'libs', 'training', 'src', 'data', 'cli', `${name}.ts`);

let work: string;
beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'maskd-data-e2e-'));
});
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('data CLIs', () => {
  it('data:prepare prints a summary and writes a dataset the trainer can load', async () => {
    const mini = await writeMiniDataset(path.join(work, 'mini'));
    const out = path.join(work, 'mini-prepared');
    const { stdout } = await run(tsx, [cli('prepare'), '--src', mini.dir, '--out', out, '--seed', '3']);
    expect(stdout).toMatch(
      /files 54: kept 46, dropped 8 \(corrupt 2, empty 1, exact_duplicate 1, label_conflict 2/,
    );
    expect(stdout).toMatch(/class 0 with_mask: train \d+, val \d+, test \d+, dropped 7/);
    const dataset = await loadPreparedDataset(out);
    expect(dataset.card.seed).toBe(3);
    expect(stdout).toContain(`manifest sha256 ${dataset.manifestSha256}`);
  });

  it('fails with one clear line and no stack trace', async () => {
    const offline = http.createServer();
    await new Promise<void>((resolve) => offline.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(offline.address() as AddressInfo).port}/dataset.zip`;
    await new Promise((resolve) => offline.close(resolve));
    const failures = [
      [cli('download'), '--url', url, '--out', path.join(work, 'download')],
      [cli('prepare'), '--src', path.join(work, 'nothing-here'), '--out', path.join(work, 'x')],
    ];
    for (const args of failures) {
      const failure = await run(tsx, args).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(1);
      const lines = failure!.stderr.split('\n').filter((line) => line && !line.startsWith('npm warn'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^error: (Cannot download .*ECONNREFUSED.*needs internet access|Source directory)/,
      );
    }
  });
});

describeWithSharedData('prepareDataset on ../shared/datasets/chandrikadeb7', () => {
  it('drops the 103 exact duplicates, keeps near-duplicate groups whole and stratifies 70/15/15', async () => {
    const started = Date.now();
    const dataset = await prepareDataset({
      sourceDir: sharedDataPath('datasets', 'chandrikadeb7'),
      outDir: path.join(work, 'chandrikadeb7'),
      origin: 'github.com/chandrikadeb7/Face-Mask-Detection',
      licence: 'MIT (repository); images collected from the web',
    });
    const seconds = (Date.now() - started) / 1000;
    const { counts, droppedByReason, nearDuplicates } = dataset.card;
    console.log(
      `chandrikadeb7 prepared in ${seconds.toFixed(1)} s: ${JSON.stringify({ counts, droppedByReason, nearDuplicates })}`,
    );

    expect(counts.files).toBe(4094);
    expect(droppedByReason).toEqual({ exact_duplicate: 103 });
    expect(counts.kept).toBe(3991);
    expect(dataset.classNames).toEqual(['with_mask', 'without_mask']);
    const splitOfGroup = new Map<string, string>();
    for (const entry of dataset.entries) {
      expect(splitOfGroup.get(entry.group) ?? entry.split).toBe(entry.split);
      splitOfGroup.set(entry.group, entry.split);
    }
    expect(nearDuplicates.sharedGroups).toBeGreaterThan(100);
    expect(nearDuplicates.largestGroup).toBeLessThan(20);
    for (const className of dataset.classNames) {
      const byClass = counts.byClass[className];
      const kept = byClass.train + byClass.val + byClass.test;
      const ratios = { train: 0.7, val: 0.15, test: 0.15 };
      for (const split of SPLITS)
        expect(Math.abs(byClass[split] - ratios[split] * kept)).toBeLessThanOrEqual(6);
    }
  });
});
