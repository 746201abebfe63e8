// Face boxes drawn on a canvas that lies over the <img>. The service gives boxes in the pixels of the
// upright original image; the browser shows the same upright image (it applies the EXIF orientation,
// and naturalWidth/naturalHeight are the upright size), so one scale per axis maps boxes to the screen.

import { labelOf, percent } from './format.js';

/** @typedef {import('./api.js').Face} Face */
/** @typedef {import('./api.js').Box} Box */

/**
 * Box colours by class, dark enough for white label text (contrast >= 5:1); the label names the class
 * too, so colour is never the only cue.
 */
const COLOURS = /** @type {Record<string, string>} */ ({ with_mask: '#137333', without_mask: '#c5221f' });
const OTHER_COLOUR = '#0a58ca';
const FONT_PX = 14;
const LINE_PX = 3;

/**
 * A box in original-image pixels scaled to the displayed size.
 * @param {Box} box
 * @param {{ width: number, height: number }} natural the image's upright size in pixels
 * @param {{ width: number, height: number }} shown its size on the page (CSS pixels)
 * @returns {Box}
 */
export function toDisplayBox(box, natural, shown) {
  const sx = shown.width / natural.width;
  const sy = shown.height / natural.height;
  return { x: box.x * sx, y: box.y * sy, width: box.width * sx, height: box.height * sy };
}

/**
 * Sizes the canvas to the image as displayed (sharp on high-DPI screens) and draws each face's box and
 * label. Returns how many boxes were drawn (also kept in the canvas' data-boxes attribute).
 * @param {HTMLCanvasElement} canvas
 * @param {HTMLImageElement} image
 * @param {Face[]} faces
 * @returns {number}
 */
export function drawFaces(canvas, image, faces) {
  const shown = { width: image.clientWidth, height: image.clientHeight };
  const natural = { width: image.naturalWidth, height: image.naturalHeight };
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(shown.width * ratio);
  canvas.height = Math.round(shown.height * ratio);
  const context = canvas.getContext('2d');
  let drawn = 0;
  if (context && natural.width > 0 && shown.width > 0) {
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, shown.width, shown.height);
    context.font = `600 ${FONT_PX}px system-ui, sans-serif`;
    context.textBaseline = 'top';
    for (const face of faces) {
      drawFace(context, face, toDisplayBox(face.box, natural, shown), shown);
      drawn++;
    }
  }
  canvas.dataset.boxes = String(drawn);
  return drawn;
}

/**
 * @param {CanvasRenderingContext2D} context
 * @param {Face} face
 * @param {Box} box displayed coordinates
 * @param {{ width: number, height: number }} shown
 */
function drawFace(context, face, box, shown) {
  const colour = COLOURS[face.prediction] ?? OTHER_COLOUR;
  context.lineWidth = LINE_PX;
  context.strokeStyle = colour;
  context.strokeRect(box.x, box.y, box.width, box.height);

  const text = `${labelOf(face.prediction)} ${percent(face.confidence, 0)}`;
  const padding = 4;
  const labelWidth = context.measureText(text).width + 2 * padding;
  const labelHeight = FONT_PX + 2 * padding;
  // Above the box when there is room, else just inside its top edge; never past the image's right edge.
  const left = Math.max(0, Math.min(box.x - LINE_PX / 2, shown.width - labelWidth));
  const top = box.y - labelHeight >= 0 ? box.y - labelHeight : Math.max(0, box.y);
  context.fillStyle = colour;
  context.fillRect(left, top, labelWidth, labelHeight);
  context.fillStyle = '#ffffff';
  context.fillText(text, left + padding, top + padding);
}
