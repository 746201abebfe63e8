import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import type * as Vega from 'vega';
import type { TopLevelSpec } from 'vega-lite/build/index';

/*
 * Vega 6 ships as ES modules whose `vega-canvas` uses a top-level await, which neither Node 20's require(esm)
 * nor Jest's CommonJS runtime can load. Both packages also ship self-contained UMD bundles; evaluating those
 * as CommonJS works everywhere (tsx, Jest, compiled code) with the same code and the same versions.
 * No canvas is needed: charts are rendered to SVG (text widths are estimated) and rasterised by librsvg in sharp.
 */

type VegaLite = { compile: (spec: TopLevelSpec) => { spec: Vega.Spec }; version: string };
type VegaModule = typeof Vega;

function loadUmdBundle<T>(file: string, dependencies: Record<string, unknown>): T {
  const module = { exports: {} as T };
  const requireDependency = (name: string): unknown => {
    if (name in dependencies) return dependencies[name];
    throw new Error(`${file} requires ${name}, which is not provided`);
  };
  // The bundle's UMD header picks its CommonJS branch when `exports` and `module` exist.
  new Function('exports', 'require', 'module', readFileSync(file, 'utf8'))(
    module.exports,
    requireDependency,
    module,
  );
  return module.exports;
}

let runtime: { vega: VegaModule; vegaLite: VegaLite } | undefined;

/** The vega and vega-lite libraries, loaded once. */
export function vegaRuntime(): { vega: VegaModule; vegaLite: VegaLite } {
  if (runtime === undefined) {
    // Resolving the package entry and taking its directory works with "exports" maps in Node and Jest.
    const vega = loadUmdBundle<VegaModule>(join(dirname(require.resolve('vega')), 'vega.js'), {});
    const vegaLite = loadUmdBundle<VegaLite>(
      join(dirname(require.resolve('vega-lite')), 'vega-lite.min.js'),
      {
        vega,
      },
    );
    runtime = { vega, vegaLite };
  }
  return runtime;
}

/** Fonts installed with the Debian fonts-dejavu package and in most Linux images; librsvg falls back otherwise. */
export const CHART_FONT = 'DejaVu Sans, Verdana, sans-serif';

/** Compiles a Vega-Lite spec and renders it headless to SVG markup. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { vega, vegaLite } = vegaRuntime();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders a Vega-Lite spec to a PNG file at `pixelRatio` times the spec's size (2 = sharp on HiDPI screens). */
export async function renderPng(spec: TopLevelSpec, file: string, pixelRatio = 2): Promise<void> {
  const svg = await renderSvg(spec);
  await sharp(Buffer.from(svg), { density: 72 * pixelRatio })
    .png({ compressionLevel: 9 })
    .toFile(file);
}
