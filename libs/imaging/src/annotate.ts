import type { Box } from './crop';
import { assertRgbShape, DecodedImage, RGB_CHANNELS } from './decoded-image';
import { sharp } from './sharp-instance';

/** A box to outline, with the text of its label and its colour (a CSS colour such as `#137333`). */
export interface LabelledBox {
  box: Box;
  label: string;
  colour: string;
}

export interface AnnotateOptions {
  /** A label in the top-left corner, for a verdict about the whole image. */
  caption?: { label: string; colour: string };
}

/** Fonts librsvg finds through fontconfig; DejaVu is on most Linux systems (Debian `fonts-dejavu-core`). */
const FONT_FAMILY = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';
/** Average advance of the bold sans fonts above, as a fraction of the font size (to size label backgrounds). */
const CHAR_WIDTH = 0.68;

/** Outline and label sizes that read the same on a 400 px thumbnail and a 4000 px photo. */
export function annotationStyle(width: number, height: number): { lineWidth: number; fontSize: number } {
  const longer = Math.max(width, height);
  return {
    lineWidth: Math.max(2, Math.round(longer / 400)),
    fontSize: Math.max(12, Math.round(longer / 60)),
  };
}

const escapeXml = (text: string) => text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);

interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** One overlay: an SVG the size of `area`, drawn at its position (small overlays: no full-size raster). */
function overlay(area: Rect, body: string): { input: Buffer; left: number; top: number } {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${area.width}" height="${area.height}">` +
    `<g transform="translate(${-area.left} ${-area.top})">${body}</g></svg>`;
  return { input: Buffer.from(svg), left: area.left, top: area.top };
}

function labelRect(text: string, at: { x: number; y: number }, fontSize: number, image: Rect): Rect {
  const padding = Math.round(fontSize / 4);
  const width = Math.min(image.width, Math.ceil(text.length * fontSize * CHAR_WIDTH) + 2 * padding);
  const height = Math.min(image.height, fontSize + 2 * padding);
  return {
    left: Math.max(0, Math.min(Math.round(at.x), image.width - width)),
    top: Math.max(0, Math.min(Math.round(at.y), image.height - height)),
    width,
    height,
  };
}

function labelSvg(text: string, colour: string, rect: Rect, fontSize: number): string {
  const padding = Math.round(fontSize / 4);
  return (
    `<rect x="${rect.left}" y="${rect.top}" width="${rect.width}" height="${rect.height}" fill="${escapeXml(colour)}"/>` +
    `<text x="${rect.left + padding}" y="${rect.top + padding + fontSize * 0.82}" font-family="${FONT_FAMILY}" ` +
    `font-size="${fontSize}" font-weight="bold" fill="#ffffff">${escapeXml(text)}</text>`
  );
}

const union = (a: Rect, b: Rect): Rect => {
  const left = Math.min(a.left, b.left);
  const top = Math.min(a.top, b.top);
  return {
    left,
    top,
    width: Math.max(a.left + a.width, b.left + b.width) - left,
    height: Math.max(a.top + a.height, b.top + b.height) - top,
  };
};

/** The overlay of one box: its outline, and its label above it when there is room, else inside its top edge. */
function boxOverlay(item: LabelledBox, image: Rect, lineWidth: number, fontSize: number) {
  const left = Math.max(0, Math.floor(item.box.x));
  const top = Math.max(0, Math.floor(item.box.y));
  const right = Math.min(image.width, Math.ceil(item.box.x + item.box.width));
  const bottom = Math.min(image.height, Math.ceil(item.box.y + item.box.height));
  if (right <= left || bottom <= top) return undefined;
  const outline = { left, top, width: right - left, height: bottom - top };
  const labelHeight = fontSize + 2 * Math.round(fontSize / 4);
  const labelTop = top - labelHeight >= 0 ? top - labelHeight : top;
  const label = labelRect(item.label, { x: left, y: labelTop }, fontSize, image);
  // The stroke lies inside the box, so the outline never leaves the image.
  const inset = lineWidth / 2;
  const strokeWidth = Math.max(1, Math.min(lineWidth, outline.width / 2, outline.height / 2));
  const body =
    `<rect x="${left + inset}" y="${top + inset}" width="${Math.max(0, outline.width - lineWidth)}" ` +
    `height="${Math.max(0, outline.height - lineWidth)}" fill="none" stroke="${escapeXml(item.colour)}" ` +
    `stroke-width="${strokeWidth}"/>` +
    labelSvg(item.label, item.colour, label, fontSize);
  return overlay(union(outline, label), body);
}

/**
 * The image as a JPEG with each box outlined and labelled in its colour (and the caption, if any, in the
 * top-left corner). Boxes are in the image's pixels; outline and text sizes scale with the image
 * (annotationStyle). Each box is its own small SVG overlay, so memory does not grow with the image size.
 */
export async function drawLabelledBoxes(
  image: DecodedImage,
  boxes: readonly LabelledBox[],
  options: AnnotateOptions = {},
): Promise<Buffer> {
  assertRgbShape(image.data, image.width, image.height);
  const bounds = { left: 0, top: 0, width: image.width, height: image.height };
  const { lineWidth, fontSize } = annotationStyle(image.width, image.height);
  const overlays = boxes.flatMap((item) => boxOverlay(item, bounds, lineWidth, fontSize) ?? []);
  if (options.caption) {
    const { label, colour } = options.caption;
    const rect = labelRect(label, { x: 0, y: 0 }, fontSize, bounds);
    overlays.push(overlay(rect, labelSvg(label, colour, rect, fontSize)));
  }
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: RGB_CHANNELS } })
    .composite(overlays)
    .jpeg({ quality: 90 })
    .toBuffer();
}
