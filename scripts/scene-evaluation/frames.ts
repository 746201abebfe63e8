import type { Box } from '@maskd/imaging';
import sharp, { OverlayOptions } from 'sharp';
import type { VocSample } from '../../libs/training/src/data/voc';

/** A synthetic camera-sized frame: several labelled photos side by side, with their boxes moved along. */
export interface Frame {
  jpeg: Buffer;
  truths: Box[];
}

const COLUMNS = 3;
const ROWS = 2;
const BACKGROUND = { r: 128, g: 128, b: 128 };

/**
 * Frames of width x height, each a COLUMNS x ROWS grid of the samples' photos at their own resolution (only
 * photos larger than a cell are reduced), so small faces stay small in a large frame. Encoded as JPEG
 * (quality 90) like a camera frame; the last incomplete group is dropped.
 */
export async function buildFrames(
  samples: readonly VocSample[],
  width: number,
  height: number,
): Promise<Frame[]> {
  const cellWidth = Math.floor(width / COLUMNS);
  const cellHeight = Math.floor(height / ROWS);
  const perFrame = COLUMNS * ROWS;
  const frames: Frame[] = [];
  for (let start = 0; start + perFrame <= samples.length; start += perFrame) {
    const composites: OverlayOptions[] = [];
    const truths: Box[] = [];
    for (let i = 0; i < perFrame; i++) {
      const sample = samples[start + i];
      const { width: w = 0, height: h = 0 } = await sharp(sample.imagePath).metadata();
      const scale = Math.min(1, cellWidth / w, cellHeight / h);
      const tileWidth = Math.round(w * scale);
      const tileHeight = Math.round(h * scale);
      const left = (i % COLUMNS) * cellWidth + Math.floor((cellWidth - tileWidth) / 2);
      const top = Math.floor(i / COLUMNS) * cellHeight + Math.floor((cellHeight - tileHeight) / 2);
      const input = await sharp(sample.imagePath).resize(tileWidth, tileHeight, { fit: 'fill' }).toBuffer();
      composites.push({ input, left, top });
      for (const { box } of sample.annotation.objects) {
        truths.push({
          x: left + box.x * (tileWidth / w),
          y: top + box.y * (tileHeight / h),
          width: box.width * (tileWidth / w),
          height: box.height * (tileHeight / h),
        });
      }
    }
    const jpeg = await sharp({ create: { width, height, channels: 3, background: BACKGROUND } })
      .composite(composites)
      .jpeg({ quality: 90 })
      .toBuffer();
    frames.push({ jpeg, truths });
  }
  return frames;
}
