// A small class-per-folder dataset generated with sharp, holding every case data preparation must handle.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fromRaw, truncated, type RawRgb } from '@maskd/imaging/testing';
import sharp from 'sharp';
import type { DropReason } from '../manifest';
import { mulberry32 } from '../split';

/**
 * Smooth random colours (a 6x6 grid of random colours, bilinearly interpolated): distinct seeds give
 * distinct perceptual hashes, as different photos do, while the image survives resizing and JPEG.
 */
export function smoothRandomImage(seed: number, width: number, height: number): RawRgb {
  const grid = 6;
  const random = mulberry32(seed);
  const nodes = Float64Array.from({ length: grid * grid * 3 }, () => random() * 255);
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const gy = (y / Math.max(1, height - 1)) * (grid - 1);
    const y0 = Math.min(grid - 2, Math.floor(gy));
    const fy = gy - y0;
    for (let x = 0; x < width; x++) {
      const gx = (x / Math.max(1, width - 1)) * (grid - 1);
      const x0 = Math.min(grid - 2, Math.floor(gx));
      const fx = gx - x0;
      for (let c = 0; c < 3; c++) {
        const at = (row: number, col: number) => nodes[(row * grid + col) * 3 + c];
        const top = at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx;
        const bottom = at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx;
        data[(y * width + x) * 3 + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { data, width, height };
}

export interface MiniDataset {
  dir: string;
  /** Every sample file (relative path) with the reason it must be dropped, or undefined when it must be kept. */
  expected: Record<string, DropReason | undefined>;
  /** Files that are near-duplicates of another and must share its group. */
  nearDuplicates: [original: string, copy: string][];
}

const jpeg = (seed: number, width: number, height: number, quality = 90) =>
  fromRaw(smoothRandomImage(seed, width, height))
    .jpeg({ quality })
    .toBuffer();

/**
 * with_mask: 24 distinct JPEGs, a PNG with alpha, a PNG named .jpg, a WebP, a nested folder, an exact duplicate,
 * a resized/re-encoded and a mirrored near-duplicate, corrupt, truncated, tiny, empty and text files, a dot-file;
 * without_mask: 16 JPEGs; one file present with identical bytes in both classes (a label conflict).
 */
export async function writeMiniDataset(dir: string): Promise<MiniDataset> {
  const expected: MiniDataset['expected'] = {};
  const write = async (relative: string, bytes: Buffer | string, reason?: DropReason) => {
    await fs.mkdir(path.dirname(path.join(dir, relative)), { recursive: true });
    await fs.writeFile(path.join(dir, relative), bytes);
    if (!relative.split('/').pop()!.startsWith('.')) expected[relative] = reason;
  };
  for (let i = 0; i < 24; i++) {
    await write(
      `with_mask/wm_${String(i).padStart(2, '0')}.jpg`,
      await jpeg(100 + i, 64 + 6 * i, 80 + 3 * i),
    );
  }
  for (let i = 0; i < 16; i++) {
    await write(
      `without_mask/nm_${String(i).padStart(2, '0')}.jpg`,
      await jpeg(300 + i, 90 + 4 * i, 70 + 5 * i),
    );
  }
  const rgba = smoothRandomImage(200, 100, 100);
  const withAlpha = Buffer.alloc(100 * 100 * 4);
  for (let p = 0; p < 100 * 100; p++) {
    rgba.data.copy(withAlpha, p * 4, p * 3, p * 3 + 3);
    withAlpha[p * 4 + 3] = p % 100 < 20 ? 0 : 255;
  }
  await write(
    'with_mask/wm_alpha.png',
    await fromRaw({ ...rgba, data: withAlpha }, 4)
      .png()
      .toBuffer(),
  );
  await write(
    'with_mask/wm_png_named.jpg',
    await fromRaw(smoothRandomImage(201, 90, 110))
      .png()
      .toBuffer(),
  );
  await write(
    'with_mask/wm_webp.webp',
    await fromRaw(smoothRandomImage(203, 120, 90))
      .webp()
      .toBuffer(),
  );
  await write('with_mask/nested/wm_nested.jpg', await jpeg(202, 100, 100));

  const original = await fs.readFile(path.join(dir, 'with_mask/wm_07.jpg'));
  await write(
    'with_mask/wm_05_copy.jpg',
    await fs.readFile(path.join(dir, 'with_mask/wm_05.jpg')),
    'exact_duplicate',
  );
  await write('with_mask/wm_07_small.jpg', await sharp(original).resize(60).jpeg({ quality: 70 }).toBuffer());
  await write('with_mask/wm_07_mirror.jpg', await sharp(original).flop().jpeg({ quality: 85 }).toBuffer());

  const garbage = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 73 + 11) % 256));
  await write(
    'with_mask/wm_corrupt.jpg',
    Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), garbage]),
    'corrupt',
  );
  await write('with_mask/wm_truncated.jpg', truncated(await jpeg(204, 200, 160), 0.5), 'corrupt');
  await write(
    'with_mask/wm_tiny.png',
    await fromRaw(smoothRandomImage(205, 10, 12))
      .png()
      .toBuffer(),
    'too_small',
  );
  await write('with_mask/wm_empty.jpg', Buffer.alloc(0), 'empty');
  await write('with_mask/notes.txt', 'downloaded from the web\n', 'unsupported_format');
  await write('with_mask/.DS_Store', Buffer.from([0, 0, 0, 1, 66, 117, 100, 49]));

  const shared = await jpeg(206, 100, 100);
  await write('with_mask/shared.jpg', shared, 'label_conflict');
  await write('without_mask/shared.jpg', shared, 'label_conflict');

  await fs.writeFile(path.join(dir, 'LICENSE'), 'MIT License\n\nCopyright (c) the dataset authors\n');
  await fs.writeFile(path.join(dir, 'SOURCE.md'), 'Generated by the maskd test suite.\n');
  return {
    dir,
    expected,
    nearDuplicates: [
      ['with_mask/wm_07.jpg', 'with_mask/wm_07_small.jpg'],
      ['with_mask/wm_07.jpg', 'with_mask/wm_07_mirror.jpg'],
    ],
  };
}
