import { Rect } from '@maskd/imaging';
import { BLAZEFACE_MODELS, BlazeFaceVariant } from './blazeface-models';

/**
 * Which model inputs to cut from an image so that faces down to `minFaceSize` pixels are found, at the
 * least cost. Measured on the scene photos, both BlazeFace models find faces from about 24 px in their
 * input (recall ~0.8 at 24 px, ~0.6 at 18 px), so a face of f px needs the image scaled by 24 / f:
 *
 * - always: the whole image letterboxed into the back model (256: faces from 24/256 of the longer side)
 *   and into the front model (128: near faces filling much of the frame, which the back model can miss);
 * - when smaller faces are wanted: one or more pyramid levels (the image resized once per level), each cut
 *   into overlapping 256x256 tiles for the back model. Levels are spaced by at most LEVEL_STEP, and tiles
 *   overlap by the largest face the next coarser level may miss, so every face fits whole in some tile of
 *   some level; a face cut by a tile edge is left to the neighbouring tile (see innerEdges).
 */

/** Face size in model-input pixels above which both models find most faces. */
export const DETECTABLE_FACE_PX = 24;
/** Largest scale ratio between pyramid levels. */
export const LEVEL_STEP = 2.5;
/** A level may be made this much coarser when that saves a row or column of tiles. */
const SNAP_DOWN_TOLERANCE = 0.12;
const OVERLAP_MARGIN = 1.25;
/**
 * The front model over a whole scene fires on textures at the bottom of its size range (precision ~0.6 on
 * the scene photos); it is there for near faces, so below this fraction of the input its faces are left to
 * the back model, which sees them at twice the resolution.
 */
const FRONT_WHOLE_MIN_FACE_FRACTION = 0.2;
/**
 * Tiles see large faces only in part and out of context; faces over this multiple of the size the coarser
 * level reliably finds are left to it.
 */
const TILE_MAX_FACE_FACTOR = 2;
/** A tiled level must be at least this much finer than the whole-image view to be worth its tiles. */
const MIN_LEVEL_STEP = 1.25;

export interface DetectionView {
  variant: BlazeFaceVariant;
  /** The input's source: a rectangle of the level image (the whole of it for whole-image views). */
  tile: Rect;
  /** Tile edges inside the level image, where faces are cut; detections touching them are dropped. */
  innerEdges: { left: boolean; top: boolean; right: boolean; bottom: boolean };
  /** Face sizes (model-input pixels) this input is trusted with; others are left to other inputs. */
  faceSizeRange: { min: number; max: number };
}

export interface DetectionLevel {
  /** Scale from the source image; the level image is the source resized to width x height. */
  scale: number;
  width: number;
  height: number;
  views: DetectionView[];
}

export interface DetectionPlanOptions {
  /** Smallest face (sqrt of box area, source pixels) the plan must cover. */
  minFaceSize: number;
  /** Never enlarge the image by more than this (tiny faces have no detail left to find). */
  maxUpscale: number;
  /** Tile model; the back model's 256 input needs less overlap per tile than the front's 128. */
  tileVariant?: BlazeFaceVariant;
  /**
   * Most tiles over all levels: beyond it the smallest face searched for grows (by 20% steps) until the plan
   * fits, so a huge photo cannot cost unbounded time.
   */
  maxTiles?: number;
}

const MIN_FACE_GROWTH = 1.2;

const NO_INNER_EDGES = { left: false, top: false, right: false, bottom: false };

/** Tile origins along one axis: n tiles of `tile` px evenly spread over `length` px. */
function tileOrigins(length: number, tile: number, count: number): number[] {
  if (count === 1) return [0];
  return Array.from({ length: count }, (_, i) => Math.round((i * (length - tile)) / (count - 1)));
}

const tilesAlong = (length: number, tile: number, overlap: number): number =>
  length <= tile ? 1 : Math.ceil((length - overlap) / (tile - overlap));

function tiledLevel(
  width: number,
  height: number,
  wantedScale: number,
  overlap: number,
  variant: BlazeFaceVariant,
  maxScale: number,
  maxFaceSize: number,
): DetectionLevel {
  const tile = BLAZEFACE_MODELS[variant].inputSize;
  const grid = (scale: number) => ({
    columns: tilesAlong(Math.round(width * scale), tile, overlap),
    rows: tilesAlong(Math.round(height * scale), tile, overlap),
  });
  let { columns, rows } = grid(wantedScale);
  const coarser = grid(wantedScale * (1 - SNAP_DOWN_TOLERANCE));
  if (coarser.columns * coarser.rows < columns * rows) ({ columns, rows } = coarser);
  // The largest scale this grid still covers: free resolution for the tiles we pay for anyway.
  const span = (count: number) => count * (tile - overlap) + overlap;
  const scale = Math.min(span(columns) / width, span(rows) / height, maxScale);
  const levelWidth = Math.max(1, Math.round(width * scale));
  const levelHeight = Math.max(1, Math.round(height * scale));
  const tileWidth = Math.min(tile, levelWidth);
  const tileHeight = Math.min(tile, levelHeight);
  const views: DetectionView[] = [];
  for (const top of tileOrigins(levelHeight, tileHeight, rows)) {
    for (const left of tileOrigins(levelWidth, tileWidth, columns)) {
      views.push({
        variant,
        tile: { left, top, width: tileWidth, height: tileHeight },
        innerEdges: {
          left: left > 0,
          top: top > 0,
          right: left + tileWidth < levelWidth,
          bottom: top + tileHeight < levelHeight,
        },
        faceSizeRange: { min: 0, max: maxFaceSize },
      });
    }
  }
  return { scale, width: levelWidth, height: levelHeight, views };
}

export function planDetection(
  width: number,
  height: number,
  options: DetectionPlanOptions,
): DetectionLevel[] {
  if (!(options.minFaceSize > 0) || !(options.maxUpscale > 0) || !((options.maxTiles ?? 0) >= 0)) {
    throw new RangeError('minFaceSize and maxUpscale must be positive, maxTiles not negative');
  }
  const tiles = (levels: DetectionLevel[]) =>
    levels.slice(1).reduce((sum, level) => sum + level.views.length, 0);
  let minFaceSize = options.minFaceSize;
  let levels = planLevels(width, height, { ...options, minFaceSize });
  while (options.maxTiles !== undefined && tiles(levels) > options.maxTiles) {
    minFaceSize *= MIN_FACE_GROWTH;
    levels = planLevels(width, height, { ...options, minFaceSize });
  }
  return levels;
}

function planLevels(width: number, height: number, options: DetectionPlanOptions): DetectionLevel[] {
  const wholeScale = BLAZEFACE_MODELS.back.inputSize / Math.max(width, height);
  // Large images are reduced once to the back model's input size; both whole-image inputs are cut from that.
  const reduction = Math.min(1, wholeScale);
  const wholeWidth = Math.max(1, Math.round(width * reduction));
  const wholeHeight = Math.max(1, Math.round(height * reduction));
  const whole: Rect = { left: 0, top: 0, width: wholeWidth, height: wholeHeight };
  const levels: DetectionLevel[] = [
    {
      scale: reduction,
      width: wholeWidth,
      height: wholeHeight,
      views: [
        {
          variant: 'back',
          tile: whole,
          innerEdges: NO_INNER_EDGES,
          faceSizeRange: { min: 0, max: Infinity },
        },
        {
          variant: 'front',
          tile: whole,
          innerEdges: NO_INNER_EDGES,
          faceSizeRange: {
            min: FRONT_WHOLE_MIN_FACE_FRACTION * BLAZEFACE_MODELS.front.inputSize,
            max: Infinity,
          },
        },
      ],
    },
  ];
  const variant = options.tileVariant ?? 'back';
  const tile = BLAZEFACE_MODELS[variant].inputSize;
  const finestScale = Math.min(options.maxUpscale, DETECTABLE_FACE_PX / options.minFaceSize);
  if (finestScale <= wholeScale * MIN_LEVEL_STEP) return levels;

  const steps = Math.ceil(Math.log(finestScale / wholeScale) / Math.log(LEVEL_STEP));
  const step = (finestScale / wholeScale) ** (1 / steps);
  // Faces up to DETECTABLE_FACE_PX * step (in this level's pixels) may be missed by the coarser level.
  const overlap = Math.min(Math.ceil(DETECTABLE_FACE_PX * step * OVERLAP_MARGIN), Math.floor(tile / 2));
  const maxFaceSize = TILE_MAX_FACE_FACTOR * DETECTABLE_FACE_PX * step;
  for (let i = 1; i <= steps; i++) {
    levels.push(
      tiledLevel(width, height, wholeScale * step ** i, overlap, variant, options.maxUpscale, maxFaceSize),
    );
  }
  return levels;
}
