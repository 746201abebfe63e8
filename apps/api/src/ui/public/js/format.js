// Words and numbers as the page shows them.

const LABELS = /** @type {Record<string, string>} */ ({ with_mask: 'Mask', without_mask: 'No mask' });

/**
 * "Mask" / "No mask" for the model's class names; any other class as its name in words; no verdict (faces
 * mode without a face) as "No face".
 * @param {string | null} prediction
 */
export function labelOf(prediction) {
  if (prediction === null) return 'No face';
  return LABELS[prediction] ?? prediction.replaceAll('_', ' ');
}

/**
 * @param {number} probability 0..1
 * @param {number} [digits]
 */
export function percent(probability, digits = 1) {
  return `${(probability * 100).toFixed(digits)}%`;
}

/** @param {number} ms */
export function milliseconds(ms) {
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${Math.round(ms)} ms`;
}

/** @param {number} bytes */
export function byteSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * "1 face" / "3 faces".
 * @param {number} count
 * @param {string} noun
 */
export function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
