import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectImageFiles } from './collect-images';

describe('collectImageFiles', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'maskd-collect-'));
    mkdirSync(join(dir, 'nested', 'deeper'), { recursive: true });
    for (const file of ['b.jpg', 'a.PNG', 'notes.txt', 'nested/fake.jpg', 'nested/deeper/c.webp']) {
      writeFileSync(join(dir, file), 'contents are read later, by predictFiles');
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('expands folders to their image files, sorted and recursive, and keeps named files as given', async () => {
    const files = await collectImageFiles([dir, join(dir, 'notes.txt'), join(dir, 'absent.jpg')]);
    expect(files).toEqual([
      { file: join(dir, 'a.PNG') },
      { file: join(dir, 'b.jpg') },
      { file: join(dir, 'nested', 'deeper', 'c.webp') },
      { file: join(dir, 'nested', 'fake.jpg') },
      { file: join(dir, 'notes.txt') },
      { file: join(dir, 'absent.jpg') },
    ]);
  });

  it('follows symbolic links to images and folders, reports broken ones, and stops at links that loop', async () => {
    const linked = mkdtempSync(join(tmpdir(), 'maskd-collect-links-'));
    try {
      mkdirSync(join(linked, 'sub'));
      symlinkSync(join(dir, 'b.jpg'), join(linked, 'link.jpg'));
      symlinkSync(join(dir, 'notes.txt'), join(linked, 'link.txt'));
      symlinkSync(join(dir, 'nested'), join(linked, 'nested-link'));
      symlinkSync(join(linked, 'missing.jpg'), join(linked, 'gone.jpg'));
      symlinkSync('self.jpg', join(linked, 'self.jpg'));
      symlinkSync('..', join(linked, 'sub', 'up')); // back to `linked`: a loop
      symlinkSync(linked, join(linked, 'sub', 'again')); // the same loop by an absolute path

      expect(await collectImageFiles([linked])).toEqual([
        { file: join(linked, 'gone.jpg'), error: 'broken symbolic link' },
        { file: join(linked, 'link.jpg') },
        { file: join(linked, 'nested-link', 'deeper', 'c.webp') },
        { file: join(linked, 'nested-link', 'fake.jpg') },
        { file: join(linked, 'self.jpg'), error: 'symbolic link loop' },
      ]);
    } finally {
      rmSync(linked, { recursive: true, force: true });
    }
  });

  it('finds nothing in an empty folder or one without images', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(join(empty, 'inner'), { recursive: true });
    writeFileSync(join(empty, 'inner', 'readme.md'), 'no image here');
    try {
      expect(await collectImageFiles([empty])).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true });
    }
  });
});
