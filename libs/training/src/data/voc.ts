import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import type { Box } from '@maskd/imaging';

/*
 * Pascal VOC annotations of labelled photos (`<dir>/images/*.jpg` + `<dir>/annotations/*.xml`), as published
 * with the Kaggle face-mask scene sets. Used by the classifier's face-crop evaluation and the scene evaluation.
 */

/** Labels of the face-mask scene sets; other names are parsed too and left to the caller. */
export const VOC_MASK_LABELS = ['with_mask', 'without_mask', 'mask_weared_incorrect'] as const;

export interface VocObject {
  /** The `<name>` label, trimmed, e.g. `with_mask`. */
  label: string;
  /** `xmin, ymin` to `xmax, ymax` as pixel coordinates of the image (edges, so width = xmax - xmin). */
  box: Box;
  difficult: boolean;
  truncated: boolean;
  occluded: boolean;
}

export interface VocAnnotation {
  /** `<filename>` as written (may be missing or wrong in the wild; see `loadVocDataset`). */
  filename: string | undefined;
  /** `<size>`; undefined when absent or zero (some tools write 0). */
  width: number | undefined;
  height: number | undefined;
  objects: VocObject[];
}

export class VocParseError extends Error {
  override readonly name = 'VocParseError';
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'object',
});

type XmlNode = Record<string, unknown>;

function child(node: unknown, key: string): unknown {
  return node !== null && typeof node === 'object' ? (node as XmlNode)[key] : undefined;
}

function text(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (typeof node === 'number') return String(node);
  return undefined;
}

function number(node: unknown, what: string): number {
  const value = Number(text(node));
  if (text(node) === undefined || text(node) === '' || !Number.isFinite(value)) {
    throw new VocParseError(`${what} is missing or not a number (${JSON.stringify(node)})`);
  }
  return value;
}

function optionalPositive(node: unknown): number | undefined {
  const value = Number(text(node));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

const flag = (node: unknown): boolean => text(node) === '1';

/** Parses one VOC XML document. `source` names it in error messages. */
export function parseVocXml(xml: string, source = 'annotation'): VocAnnotation {
  let document: unknown;
  try {
    document = parser.parse(xml, true);
  } catch (cause) {
    throw new VocParseError(`${source}: not well-formed XML (${(cause as Error).message})`, { cause });
  }
  const root = child(document, 'annotation');
  if (root === undefined || typeof root !== 'object') {
    throw new VocParseError(`${source}: no <annotation> root element`);
  }
  const size = child(root, 'size');
  const objects = ((child(root, 'object') as unknown[] | undefined) ?? []).map((object, index): VocObject => {
    const where = `${source}: object ${index + 1}`;
    const label = text(child(object, 'name'))?.trim();
    if (!label) throw new VocParseError(`${where} has no <name>`);
    const bndbox = child(object, 'bndbox');
    const xmin = number(child(bndbox, 'xmin'), `${where} <xmin>`);
    const ymin = number(child(bndbox, 'ymin'), `${where} <ymin>`);
    const xmax = number(child(bndbox, 'xmax'), `${where} <xmax>`);
    const ymax = number(child(bndbox, 'ymax'), `${where} <ymax>`);
    if (xmax <= xmin || ymax <= ymin) {
      throw new VocParseError(`${where} has an empty box (${xmin},${ymin})-(${xmax},${ymax})`);
    }
    return {
      label,
      box: { x: xmin, y: ymin, width: xmax - xmin, height: ymax - ymin },
      difficult: flag(child(object, 'difficult')),
      truncated: flag(child(object, 'truncated')),
      occluded: flag(child(object, 'occluded')),
    };
  });
  return {
    filename: text(child(root, 'filename'))?.trim() || undefined,
    width: optionalPositive(child(size, 'width')),
    height: optionalPositive(child(size, 'height')),
    objects,
  };
}

/**
 * A face's size in pixels: the side of the square with the box's area, sqrt(width * height). One number for
 * "faces of at least 32 px" and the size buckets, whatever the box's aspect ratio.
 */
export function faceSizePx(box: Pick<Box, 'width' | 'height'>): number {
  return Math.sqrt(box.width * box.height);
}

/** Face size buckets used by every evaluation on photos: users meet small faces, so they are reported apart. */
export const FACE_SIZE_BUCKETS = ['<32', '32-64', '>64'] as const;
export type FaceSizeBucket = (typeof FACE_SIZE_BUCKETS)[number];

/** The bucket of a face of `size` px (see `faceSizePx`): below 32, 32 to 64 inclusive, above 64. */
export function faceSizeBucket(size: number): FaceSizeBucket {
  if (size < 32) return '<32';
  return size <= 64 ? '32-64' : '>64';
}

export interface VocSample {
  /** Stable id: the annotation file name without extension. */
  id: string;
  imagePath: string;
  annotationPath: string;
  annotation: VocAnnotation;
}

export interface VocDataset {
  dir: string;
  samples: VocSample[];
  /** Annotations that could not be used, with the reason (bad XML, no matching image). */
  skipped: { annotationPath: string; reason: string }[];
}

const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.JPG', '.JPEG', '.PNG'];

function findImage(imagesDir: string, id: string, filename: string | undefined): string | undefined {
  if (filename && existsSync(join(imagesDir, basename(filename)))) return join(imagesDir, basename(filename));
  return IMAGE_EXTENSIONS.map((extension) => join(imagesDir, id + extension)).find((path) =>
    existsSync(path),
  );
}

/**
 * Reads `<dir>/annotations/*.xml` and pairs each with its image in `<dir>/images/` (by `<filename>`, else by the
 * annotation's base name), sorted by id so runs are reproducible. Unusable annotations are listed, not fatal.
 */
export async function loadVocDataset(dir: string): Promise<VocDataset> {
  const annotationsDir = join(dir, 'annotations');
  const imagesDir = join(dir, 'images');
  if (!existsSync(annotationsDir) || !existsSync(imagesDir)) {
    throw new Error(`${dir} is not a VOC dataset: expected the folders images/ and annotations/`);
  }
  const files = (await readdir(annotationsDir))
    .filter((name) => extname(name).toLowerCase() === '.xml')
    .sort();
  const samples: VocSample[] = [];
  const skipped: VocDataset['skipped'] = [];
  for (const file of files) {
    const annotationPath = join(annotationsDir, file);
    const id = basename(file, extname(file));
    try {
      const annotation = parseVocXml(await readFile(annotationPath, 'utf8'), file);
      const imagePath = findImage(imagesDir, id, annotation.filename);
      if (imagePath === undefined)
        skipped.push({ annotationPath, reason: `no image for ${file} in ${imagesDir}` });
      else samples.push({ id, imagePath, annotationPath, annotation });
    } catch (error) {
      if (!(error instanceof VocParseError)) throw error;
      skipped.push({ annotationPath, reason: error.message });
    }
  }
  return { dir, samples, skipped };
}
