import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseManifestCsv, type ManifestRow } from './manifest';
import { prepareDataset } from './prepare-dataset';
import { loadPreparedDataset } from './prepared-dataset';
import { writeMiniDataset, type MiniDataset } from './testing/mini-dataset';

describe('prepareDataset on a generated mini dataset', () => {
  let work: string;
  let mini: MiniDataset;
  let rows: ManifestRow[];

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'maskd-prepare-'));
    mini = await writeMiniDataset(path.join(work, 'src'));
    await prepareDataset({ sourceDir: mini.dir, outDir: path.join(work, 'out-a') });
    rows = parseManifestCsv(await fs.readFile(path.join(work, 'out-a', 'manifest.csv'), 'utf8'));
  });

  afterAll(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  const row = (relative: string) => rows.find((r) => r.path === relative)!;

  it('lists every sample file once, in path order, with the expected reason', () => {
    expect(rows.map((r) => r.path)).toEqual(Object.keys(mini.expected).sort());
    for (const [relative, reason] of Object.entries(mini.expected)) {
      expect([relative, row(relative).reason]).toEqual([relative, reason]);
      expect(row(relative).split === 'dropped').toBe(reason !== undefined);
    }
    expect(rows.some((r) => r.path.endsWith('.DS_Store'))).toBe(false);
  });

  it('records content hash, size, sniffed format and dimensions', async () => {
    const png = row('with_mask/wm_png_named.jpg');
    const bytes = await fs.readFile(path.join(mini.dir, png.path));
    expect(png).toMatchObject({
      className: 'with_mask',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
      format: 'png',
      width: 90,
      height: 110,
    });
    expect(row('with_mask/wm_alpha.png')).toMatchObject({ format: 'png', width: 100, height: 100 });
    expect(row('with_mask/wm_webp.webp').format).toBe('webp');
    expect(row('with_mask/nested/wm_nested.jpg').format).toBe('jpeg');
    expect(row('with_mask/wm_truncated.jpg')).toMatchObject({
      format: 'jpeg',
      width: undefined,
      group: undefined,
    });
    expect(row('with_mask/notes.txt').format).toBeUndefined();
  });

  it('keeps one copy of an exact duplicate and drops every copy of a label conflict', () => {
    const copy = row('with_mask/wm_05_copy.jpg');
    const original = row('with_mask/wm_05.jpg');
    expect(copy.sha256).toBe(original.sha256);
    expect(copy.group).toBe(original.group);
    expect(original.split).not.toBe('dropped');
    expect(row('with_mask/shared.jpg').reason).toBe('label_conflict');
    expect(row('without_mask/shared.jpg').reason).toBe('label_conflict');
  });

  it('puts near-duplicates in one group and never splits a group', () => {
    for (const [original, copy] of mini.nearDuplicates) {
      expect(row(copy).group).toBe(row(original).group);
      expect(row(copy).sha256).not.toBe(row(original).sha256);
    }
    const splitOfGroup = new Map<string, string>();
    for (const r of rows.filter((r) => r.split !== 'dropped')) {
      expect(splitOfGroup.get(r.group!) ?? r.split).toBe(r.split);
      splitOfGroup.set(r.group!, r.split);
    }
    // The 40 distinct images stay apart: only wm_07 and its two copies share a group.
    const kept = rows.filter((r) => r.split !== 'dropped');
    expect(new Set(kept.map((r) => r.group)).size).toBe(kept.length - 2);
  });

  it('stratifies the split by class', async () => {
    const dataset = await loadPreparedDataset(path.join(work, 'out-a'));
    expect(dataset.card.counts.byClass).toEqual({
      // 30 kept with_mask images (targets 21 / 4.5 / 4.5), 16 without_mask (11.2 / 2.4 / 2.4).
      with_mask: { train: 21, val: 5, test: 4, dropped: 7, total: 37 },
      without_mask: { train: 11, val: 3, test: 2, dropped: 1, total: 17 },
    });
  });

  it('writes the same manifest and card when run again, and another split for another seed', async () => {
    await prepareDataset({ sourceDir: mini.dir, outDir: path.join(work, 'out-b') });
    for (const file of ['manifest.csv', 'dataset.json', 'dataset_card.md']) {
      expect(await fs.readFile(path.join(work, 'out-b', file))).toEqual(
        await fs.readFile(path.join(work, 'out-a', file)),
      );
    }
    const other = await prepareDataset({ sourceDir: mini.dir, outDir: path.join(work, 'out-seed'), seed: 7 });
    expect(other.entries.map((e) => e.split)).not.toEqual(
      rows.filter((r) => r.split !== 'dropped').map((r) => r.split),
    );
  });

  it('honours split ratios and the minimum side', async () => {
    const dataset = await prepareDataset({
      sourceDir: mini.dir,
      outDir: path.join(work, 'out-ratios'),
      ratios: { train: 0.5, val: 0.5, test: 0 },
      minSide: 70,
    });
    const { counts, droppedByReason } = dataset.card;
    expect(counts.bySplit.test).toBe(0);
    expect(Math.abs(counts.bySplit.train - counts.bySplit.val)).toBeLessThanOrEqual(3);
    // Sides under 70 px: wm_00 (64x80), wm_07_small (60x57) and wm_tiny.
    expect(droppedByReason.too_small).toBe(3);
  });

  it('writes a card with counts, reasons, groups, provenance and the manifest hash', async () => {
    const dataset = await loadPreparedDataset(path.join(work, 'out-a'));
    const manifestBytes = await fs.readFile(path.join(work, 'out-a', 'manifest.csv'));
    expect(dataset.manifestSha256).toBe(createHash('sha256').update(manifestBytes).digest('hex'));
    expect(dataset.card).toMatchObject({
      name: 'src',
      classNames: ['with_mask', 'without_mask'],
      seed: 42,
      ratios: { train: 0.7, val: 0.15, test: 0.15 },
      minSide: 16,
      source: {
        licence: 'MIT License',
        origin: 'Generated by the maskd test suite.',
        files: ['LICENSE', 'SOURCE.md'],
        relativeDir: '../src',
      },
      counts: { files: 54, kept: 46, dropped: 8, hiddenEntriesIgnored: 1 },
      droppedByReason: {
        corrupt: 2,
        empty: 1,
        exact_duplicate: 1,
        label_conflict: 2,
        too_small: 1,
        unsupported_format: 1,
      },
      nearDuplicates: { maxHammingDistance: 6, sharedGroups: 1, imagesInSharedGroups: 3, largestGroup: 3 },
      formats: { jpeg: 43, png: 2, webp: 1 },
      extensionMismatches: 1,
      manifest: { sha256: dataset.manifestSha256, rows: 54 },
    });
    const markdown = await fs.readFile(path.join(work, 'out-a', 'dataset_card.md'), 'utf8');
    expect(markdown).toContain('| with_mask | 21 | 5 | 4 | 30 | 7 | 37 |');
    expect(markdown).toContain('| `label_conflict` | 2 |');
    expect(markdown).toContain(dataset.manifestSha256);
  });

  it('loads typed entries for the trainer and refuses an edited manifest', async () => {
    const dataset = await loadPreparedDataset(path.join(work, 'out-a'));
    expect(dataset.entries).toHaveLength(46);
    const entry = dataset.entries.find((e) => e.path === 'without_mask/nm_03.jpg')!;
    expect(entry).toMatchObject({ className: 'without_mask', label: 1, format: 'jpeg' });
    expect(entry.absolutePath).toBe(path.join(mini.dir, 'without_mask', 'nm_03.jpg'));
    expect(dataset.entries.every((e) => existsSync(e.absolutePath))).toBe(true);

    const edited = path.join(work, 'out-edited');
    await fs.cp(path.join(work, 'out-a'), edited, { recursive: true });
    const manifest = await fs.readFile(path.join(edited, 'manifest.csv'), 'utf8');
    await fs.writeFile(path.join(edited, 'manifest.csv'), manifest.replace(',test,', ',train,'));
    await expect(loadPreparedDataset(edited)).rejects.toThrow(/manifest was changed after preparation/);
  });

  it('rejects a source without class folders and bad options with clear messages', async () => {
    await expect(prepareDataset({ sourceDir: path.join(work, 'missing'), outDir: work })).rejects.toThrow(
      /does not exist/,
    );
    await expect(
      prepareDataset({ sourceDir: path.join(mini.dir, 'with_mask'), outDir: path.join(work, 'x') }),
    ).rejects.toThrow(/one folder per class \(at least two/);
    await expect(
      prepareDataset({ sourceDir: mini.dir, outDir: path.join(work, 'x'), classes: ['with_mask', 'masks'] }),
    ).rejects.toThrow(/Class folder\(s\) masks not found/);
    await expect(
      prepareDataset({
        sourceDir: mini.dir,
        outDir: path.join(work, 'x'),
        ratios: { train: 0.9, val: 0.2, test: 0 },
      }),
    ).rejects.toThrow(/sum to 1/);
  });
});
