// Calls to the maskd API. URLs are relative to the page (/ui/), so the page keeps working behind a
// reverse proxy that serves the service under a path prefix.

/** @typedef {{ x: number, y: number, width: number, height: number }} Box */
/**
 * One face (once the service detects faces): its box in the pixels of the upright original image.
 * @typedef {{ box: Box, score?: number, prediction: string, confidence: number, has_mask: boolean }} Face
 */
/**
 * The answer of POST /detect; `faces` is absent when the service classifies the whole image only, and the
 * verdict is null in faces mode when no face was found.
 * @typedef {{
 *   success: true, prediction: string | null, confidence: number | null, has_mask: boolean | null,
 *   message: string, model?: { name: string, version: string }, inference_ms?: number, faces?: Face[]
 * }} Detection
 */
/** The API's one error shape. @typedef {{ statusCode: number, error: string, message: string }} ApiError */
/**
 * @typedef {{ roundTripMs: number, requestId: string | null, body: unknown }} Exchange
 * @typedef {(Exchange & { ok: true, detection: Detection }) | (Exchange & { ok: false, error: ApiError })} DetectOutcome
 */

/** The detection modes the service understands. */
export const MODES = /** @type {const} */ (['auto', 'faces', 'whole']);

/**
 * POSTs the image to /detect (multipart field `file`, the mode as the `mode` query parameter) and
 * times the round trip, upload and reading the answer included.
 * @param {Blob} image
 * @param {string} filename
 * @param {string} mode
 * @param {AbortSignal} signal
 * @returns {Promise<DetectOutcome>}
 * @throws when the service cannot be reached or the request is aborted
 */
export async function detect(image, filename, mode, signal) {
  const url = new URL('../detect', document.baseURI);
  url.searchParams.set('mode', mode);
  const form = new FormData();
  form.append('file', image, filename);
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', body: form, signal });
  const text = await response.text();
  const roundTripMs = performance.now() - started;
  const requestId = response.headers.get('x-request-id');
  const body = parseJson(text);
  if (response.ok && isDetection(body)) return { ok: true, detection: body, body, roundTripMs, requestId };
  return { ok: false, error: toApiError(response, body, text), body: body ?? text, roundTripMs, requestId };
}

/**
 * GET / : the service name, version and models, for the page header.
 * @returns {Promise<{ name: string, version: string, models: Array<{ name: string, version: string | null, status: string }> }>}
 */
export async function serviceInfo() {
  const response = await fetch(new URL('../', document.baseURI), { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return response.json();
}

/** @param {string} text */
function parseJson(text) {
  try {
    return /** @type {unknown} */ (JSON.parse(text));
  } catch {
    return undefined;
  }
}

/**
 * @param {unknown} body
 * @returns {body is Detection}
 */
function isDetection(body) {
  return typeof body === 'object' && body !== null && 'prediction' in body && 'confidence' in body;
}

/**
 * The API's error when the body has its shape; otherwise one made from the status (e.g. a proxy's HTML page).
 * @param {Response} response
 * @param {unknown} body
 * @param {string} text
 * @returns {ApiError}
 */
function toApiError(response, body, text) {
  const candidate = /** @type {Partial<ApiError> | undefined} */ (body);
  if (candidate && typeof candidate.message === 'string') {
    return {
      statusCode: candidate.statusCode ?? response.status,
      error: candidate.error ?? response.statusText,
      message: candidate.message,
    };
  }
  const message = response.ok
    ? 'The service answered with something that is not a detection result.'
    : text.trim().slice(0, 300) || 'The service gave no details.';
  return { statusCode: response.status, error: response.statusText || 'Error', message };
}
