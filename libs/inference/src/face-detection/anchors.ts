/**
 * SSD anchor generation, as MediaPipe's SsdAnchorsCalculator does it, so that the BlazeFace regressors
 * decode exactly as in the reference graphs. Consecutive layers with the same stride share one feature
 * map; each contributes one anchor per aspect ratio plus one interpolated-scale anchor per cell.
 */
export interface SsdAnchorOptions {
  inputWidth: number;
  inputHeight: number;
  minScale: number;
  maxScale: number;
  anchorOffsetX: number;
  anchorOffsetY: number;
  /** One stride per layer; consecutive equal strides are merged into one grid. */
  strides: readonly number[];
  aspectRatios: readonly number[];
  /** Extra anchor per layer at sqrt(scale * nextScale); 0 disables it. */
  interpolatedScaleAspectRatio: number;
  /** BlazeFace: every anchor is 1x1, so the regressors carry the absolute box size. */
  fixedAnchorSize: boolean;
}

/** Anchors as parallel arrays (normalised to the model input), in the model's output order. */
export interface Anchors {
  count: number;
  xCenter: Float32Array;
  yCenter: Float32Array;
  width: Float32Array;
  height: Float32Array;
}

function layerScale(options: SsdAnchorOptions, layer: number): number {
  const layers = options.strides.length;
  if (layers === 1) return (options.minScale + options.maxScale) / 2;
  return options.minScale + ((options.maxScale - options.minScale) * layer) / (layers - 1);
}

/** Anchor shapes (width, height) per cell for the grid starting at `firstLayer`, and the next layer index. */
function cellAnchorShapes(
  options: SsdAnchorOptions,
  firstLayer: number,
): { shapes: Array<[number, number]>; nextLayer: number } {
  const stride = options.strides[firstLayer];
  const shapes: Array<[number, number]> = [];
  let layer = firstLayer;
  for (; layer < options.strides.length && options.strides[layer] === stride; layer++) {
    const scale = layerScale(options, layer);
    const scaled: Array<[number, number]> = options.aspectRatios.map((ratio) => [scale, ratio]);
    if (options.interpolatedScaleAspectRatio > 0) {
      const nextScale = layer === options.strides.length - 1 ? 1 : layerScale(options, layer + 1);
      scaled.push([Math.sqrt(scale * nextScale), options.interpolatedScaleAspectRatio]);
    }
    for (const [s, ratio] of scaled) shapes.push([s * Math.sqrt(ratio), s / Math.sqrt(ratio)]);
  }
  return { shapes, nextLayer: layer };
}

export function generateAnchors(options: SsdAnchorOptions): Anchors {
  const centers: Array<[number, number, number, number]> = [];
  for (let layer = 0; layer < options.strides.length;) {
    const stride = options.strides[layer];
    const { shapes, nextLayer } = cellAnchorShapes(options, layer);
    const rows = Math.ceil(options.inputHeight / stride);
    const cols = Math.ceil(options.inputWidth / stride);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        for (const [width, height] of shapes) {
          centers.push([
            (x + options.anchorOffsetX) / cols,
            (y + options.anchorOffsetY) / rows,
            options.fixedAnchorSize ? 1 : width,
            options.fixedAnchorSize ? 1 : height,
          ]);
        }
      }
    }
    layer = nextLayer;
  }
  const anchors: Anchors = {
    count: centers.length,
    xCenter: new Float32Array(centers.length),
    yCenter: new Float32Array(centers.length),
    width: new Float32Array(centers.length),
    height: new Float32Array(centers.length),
  };
  centers.forEach(([x, y, w, h], i) => {
    anchors.xCenter[i] = x;
    anchors.yCenter[i] = y;
    anchors.width[i] = w;
    anchors.height[i] = h;
  });
  return anchors;
}
