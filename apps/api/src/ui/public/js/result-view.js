// The result panel: verdict, faces table, timings, JSON and errors. Text only ever goes in through
// textContent (the page's Trusted Types policy forbids HTML strings).

import { byteSize, labelOf, milliseconds, percent, plural } from './format.js';

/** @typedef {import('./api.js').Detection} Detection */
/** @typedef {import('./api.js').ApiError} ApiError */
/** @typedef {import('./api.js').Face} Face */

/**
 * @template {Element} T
 * @param {string} selector
 * @param {{ new (): T }} type
 * @param {ParentNode} [root]
 * @returns {T}
 */
export function element(selector, type, root = document) {
  const found = root.querySelector(selector);
  if (!(found instanceof type)) throw new Error(`The page lacks ${selector}`);
  return found;
}

const panel = element('#result-panel', HTMLElement);
const status = element('#status', HTMLElement);
const errorBox = element('#error', HTMLElement);
const verdict = element('#verdict', HTMLElement);
const facesTable = element('#faces', HTMLTableElement);
const timings = element('#timings', HTMLElement);
const jsonPanel = element('#json-panel', HTMLDetailsElement);
const json = element('#json', HTMLElement);

/**
 * The status line, and the panel's state (`data-state`: idle, busy, done or error) for styling and tests.
 * @param {string} text
 * @param {'idle' | 'busy' | 'done' | 'error'} [state]
 */
export function showStatus(text, state = 'idle') {
  status.textContent = text;
  panel.setAttribute('aria-busy', String(state === 'busy'));
  panel.dataset.state = state;
}

/** Hides everything a previous result left. */
export function clearResult() {
  for (const part of [errorBox, verdict, facesTable, timings, jsonPanel]) part.hidden = true;
}

/**
 * @param {{ detection: Detection, body: unknown, roundTripMs: number, requestId: string | null }} outcome
 * @param {{ size: number, width: number, height: number }} image
 */
export function showDetection({ detection, body, roundTripMs, requestId }, image) {
  clearResult();
  const faces = detection.faces;
  verdict.className = `verdict ${detection.prediction ?? 'none'}`;
  element('.verdict-label', HTMLElement, verdict).textContent = labelOf(detection.prediction);
  const confidence = detection.confidence === null ? [] : [`${percent(detection.confidence)} confident`];
  element('.verdict-detail', HTMLElement, verdict).textContent = [
    detection.message,
    ...confidence,
    scopeOf(faces, detection.prediction !== null),
  ].join(' · ');
  verdict.hidden = false;
  if (faces && faces.length > 0) showFaces(faces);
  showTimings(roundTripMs, detection.inference_ms, image, requestId);
  showJson(body);
  showStatus(
    `Done: ${labelOf(detection.prediction)} (${scopeOf(faces, detection.prediction !== null)}).`,
    'done',
  );
}

/**
 * @param {{ error: ApiError, body: unknown, roundTripMs: number, requestId: string | null }} outcome
 * @param {{ size: number, width: number, height: number }} image
 */
export function showApiError({ error, body, roundTripMs, requestId }, image) {
  clearResult();
  showError(`${error.statusCode} ${error.error}`, error.message);
  showTimings(roundTripMs, undefined, image, requestId);
  showJson(body);
  showStatus('The service could not classify this image.', 'error');
}

/**
 * @param {string} title
 * @param {string} message
 */
export function showError(title, message) {
  element('.error-title', HTMLElement, errorBox).textContent = title;
  element('.error-message', HTMLElement, errorBox).textContent = message;
  errorBox.hidden = false;
  showStatus(title, 'error');
}

/**
 * @param {Face[] | undefined} faces
 * @param {boolean} classified whether there is a verdict (none in faces mode without a face)
 */
function scopeOf(faces, classified) {
  if (faces === undefined) return 'whole-image classification';
  if (faces.length === 0) return classified ? 'no face found, whole image classified' : 'no face found';
  const masked = faces.filter((face) => face.has_mask).length;
  return `${plural(faces.length, 'face')}: ${masked} with a mask, ${faces.length - masked} without`;
}

/** @param {Face[]} faces */
function showFaces(faces) {
  const rows = faces.map((face, index) => {
    const row = document.createElement('tr');
    const { x, y, width, height } = face.box;
    const cells = [
      String(index + 1),
      labelOf(face.prediction),
      percent(face.confidence),
      face.score === undefined ? '–' : percent(face.score),
      `${Math.round(x)}, ${Math.round(y)}, ${Math.round(width)} × ${Math.round(height)}`,
    ];
    for (const [column, text] of cells.entries()) {
      const cell = document.createElement('td');
      cell.textContent = text;
      if (column === 1) cell.className = face.prediction;
      row.append(cell);
    }
    return row;
  });
  element('tbody', HTMLTableSectionElement, facesTable).replaceChildren(...rows);
  facesTable.hidden = false;
}

/**
 * @param {number} roundTripMs
 * @param {number | undefined} inferenceMs
 * @param {{ size: number, width: number, height: number }} image
 * @param {string | null} requestId
 */
function showTimings(roundTripMs, inferenceMs, image, requestId) {
  /** @param {string} name @param {string} text */
  const set = (name, text) => {
    element(`[data-timing="${name}"]`, HTMLElement, timings).textContent = text;
  };
  set('round-trip', milliseconds(roundTripMs));
  set('inference', inferenceMs === undefined ? '–' : milliseconds(inferenceMs));
  const dimensions = image.width > 0 ? `${image.width} × ${image.height} px, ` : '';
  set('image', `${dimensions}${byteSize(image.size)}`);
  set('request-id', requestId ?? '–');
  timings.hidden = false;
}

/** @param {unknown} body */
function showJson(body) {
  json.textContent = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
  jsonPanel.hidden = false;
}
