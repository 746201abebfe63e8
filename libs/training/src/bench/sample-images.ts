import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { preprocessImage, sharedDataPath } from '@maskd/imaging';
import { mulberry32 } from '../data/split';

/** The classification dataset in `../shared` (folder per class). */
export const SAMPLE_DATASET = 'chandrikadeb7';
const CLASS_FOLDERS = ['with_mask', 'without_mask'];

/**
 * `count` image files from the shared dataset, evenly spread over each class's sorted file list (so JPEG, PNG and
 * WebP of all sizes appear and every run picks the same files); empty when the dataset is absent.
 */
export async function datasetImageFiles(count: number): Promise<string[]> {
  const root = sharedDataPath('datasets', SAMPLE_DATASET);
  if (!existsSync(root)) return [];
  const files: string[] = [];
  for (const [index, folder] of CLASS_FOLDERS.entries()) {
    const names = (await fs.readdir(path.join(root, folder))).sort();
    const wanted = Math.floor(count / CLASS_FOLDERS.length) + (index < count % CLASS_FOLDERS.length ? 1 : 0);
    for (let i = 0; i < wanted && names.length > 0; i++) {
      files.push(path.join(root, folder, names[Math.floor((i * names.length) / wanted)]));
    }
  }
  return files;
}

/**
 * Encoded synthetic images (seeded smooth gradients plus noise, varied sizes and aspect ratios, PNG/JPEG/WebP),
 * for runs without the shared dataset. They go through the same decoding and preprocessing as real files.
 */
export async function generatedImages(count: number, seed = 1): Promise<Buffer[]> {
  const random = mulberry32(seed);
  const images: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const width = 24 + Math.floor(random() * 400);
    const height = 24 + Math.floor(random() * 400);
    const data = Buffer.alloc(width * height * 3);
    const [r, g, b] = [random() * 255, random() * 255, random() * 255];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const offset = (y * width + x) * 3;
        const noise = (random() - 0.5) * 60;
        data[offset] = clampByte(r * (x / width) + noise);
        data[offset + 1] = clampByte(g * (y / height) + noise);
        data[offset + 2] = clampByte(b + noise);
      }
    }
    const image = sharp(data, { raw: { width, height, channels: 3 } });
    const format = i % 3;
    images.push(
      await (
        format === 0 ? image.png() : format === 1 ? image.jpeg({ quality: 85 }) : image.webp()
      ).toBuffer(),
    );
  }
  return images;
}

function clampByte(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}

/** Model inputs (NHWC, normalised) for encoded images, through the one shared preprocessing path. */
export async function preprocessAll(images: readonly Buffer[], size: number): Promise<Float32Array[]> {
  return Promise.all(images.map(async (bytes) => (await preprocessImage(bytes, { size })).input));
}

/** Concatenates per-image inputs into one NHWC batch. */
export function packBatch(inputs: readonly Float32Array[]): Float32Array {
  const batch = new Float32Array(inputs.reduce((sum, input) => sum + input.length, 0));
  let offset = 0;
  for (const input of inputs) {
    batch.set(input, offset);
    offset += input.length;
  }
  return batch;
}
