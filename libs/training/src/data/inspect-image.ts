import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { decodeImage, isImageDecodeError, sniffImageFormat } from '@maskd/imaging';
import type { DropReason } from './manifest';
import type { ImageHashes } from './near-duplicates';
import { hashThumbnail, mirrorThumbnail, perceptualHash } from './perceptual-hash';

/** The perceptual hash needs a 32 px thumbnail; decoding JPEG/WebP at >= 64 px (shrink-on-load) is much faster. */
const HASH_DECODE_SIDE = 64;

export interface InspectedImage {
  /** Absent only when the file could not be read. */
  sha256?: string;
  bytes: number;
  format?: string;
  width?: number;
  height?: number;
  hashes?: ImageHashes;
  /** Set when the file cannot be used as an image. */
  reason?: DropReason;
}

/** Reads, content-hashes and decodes one file with the shared decoder; never throws for bad image data. */
export async function inspectImage(file: string, minSide: number): Promise<InspectedImage> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch {
    return { bytes: 0, reason: 'unreadable' };
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const format = sniffImageFormat(bytes);
  try {
    const image = await decodeImage(bytes, { minSide }, { targetSide: HASH_DECODE_SIDE });
    const thumbnail = await hashThumbnail(image);
    return {
      sha256,
      bytes: bytes.length,
      format: image.format,
      width: image.sourceWidth ?? image.width,
      height: image.sourceHeight ?? image.height,
      hashes: { hash: perceptualHash(thumbnail), mirrorHash: perceptualHash(mirrorThumbnail(thumbnail)) },
    };
  } catch (error) {
    if (!isImageDecodeError(error)) throw error;
    return { sha256, bytes: bytes.length, format, reason: error.code };
  }
}
