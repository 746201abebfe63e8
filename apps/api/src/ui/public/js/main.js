// The page's wiring: where images come from (file, drop, paste, camera), the mode, and one request at
// a time to /detect (a newer image or mode cancels the request still running).

import { MODES, detect, serviceInfo } from './api.js';
import { cameraAvailable, closeCamera, openCamera, snapshot } from './camera.js';
import { byteSize } from './format.js';
import { drawFaces } from './overlay.js';
import { clearResult, element, showApiError, showDetection, showError, showStatus } from './result-view.js';

/** @typedef {import('./api.js').Face} Face */

const fileInput = element('#file-input', HTMLInputElement);
const cameraButton = element('#camera-button', HTMLButtonElement);
const cameraPanel = element('#camera-panel', HTMLElement);
const cameraVideo = element('#camera-video', HTMLVideoElement);
const preview = element('#preview', HTMLElement);
const stage = element('.stage', HTMLElement, preview);
const previewImage = element('#preview-image', HTMLImageElement);
const overlay = element('#overlay', HTMLCanvasElement);
const caption = element('#preview-caption', HTMLElement);

/** The image on show, the faces found in it, and the request in flight. */
const current = {
  /** @type {{ blob: Blob, name: string } | null} */ image: null,
  /** @type {Face[]} */ faces: [],
  /** @type {AbortController | null} */ request: null,
};

function selectedMode() {
  const checked = document.querySelector('input[name="mode"]:checked');
  const mode = checked instanceof HTMLInputElement ? checked.value : 'auto';
  return MODES.find((known) => known === mode) ?? 'auto';
}

/**
 * Shows the image and sends it.
 * @param {Blob} blob
 * @param {string} name
 */
function useImage(blob, name) {
  current.image = { blob, name };
  current.faces = [];
  if (previewImage.src) URL.revokeObjectURL(previewImage.src);
  overlay.dataset.boxes = '0';
  stage.hidden = false;
  previewImage.alt = `The image sent: ${name}`;
  previewImage.src = URL.createObjectURL(blob);
  caption.textContent = `${name} · ${byteSize(blob.size)}`;
  preview.hidden = false;
  void run();
}

async function run() {
  const image = current.image;
  if (!image) return;
  current.request?.abort();
  const request = new AbortController();
  current.request = request;
  clearResult();
  redraw();
  showStatus(`Detecting (${selectedMode()} mode)…`, 'busy');
  try {
    const outcome = await detect(image.blob, image.name, selectedMode(), request.signal);
    const size = {
      size: image.blob.size,
      width: previewImage.naturalWidth,
      height: previewImage.naturalHeight,
    };
    if (outcome.ok) {
      current.faces = outcome.detection.faces ?? [];
      showDetection(outcome, size);
    } else {
      showApiError(outcome, size);
    }
    redraw();
    revealResult();
  } catch (error) {
    if (request.signal.aborted) return;
    showError('The service could not be reached', error instanceof Error ? error.message : String(error));
  } finally {
    if (current.request === request) current.request = null;
  }
}

function redraw() {
  drawFaces(overlay, previewImage, current.faces);
}

/** On narrow screens the result is below the inputs: bring it into view when it arrives. */
function revealResult() {
  const heading = element('#result-heading', HTMLElement);
  if (heading.getBoundingClientRect().top < window.innerHeight) return;
  const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  heading.scrollIntoView({ behavior: reducedMotion ? 'auto' : 'smooth', block: 'start' });
}

previewImage.addEventListener('load', () => {
  if (current.image) {
    const { naturalWidth: width, naturalHeight: height } = previewImage;
    caption.textContent = `${current.image.name} · ${width} × ${height} px · ${byteSize(current.image.blob.size)}`;
  }
  redraw();
});
previewImage.addEventListener('error', () => {
  // TIFF, for one, is not shown by most browsers; the service may still read it.
  stage.hidden = true;
  caption.textContent = `${current.image?.name ?? 'This file'}: your browser cannot display it; the service's answer is below.`;
});
new ResizeObserver(redraw).observe(previewImage);

fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  if (file) useImage(file, file.name);
  fileInput.value = ''; // choosing the same file again sends it again
});

for (const radio of document.querySelectorAll('input[name="mode"]')) {
  radio.addEventListener('change', () => void run());
}

// Drag and drop anywhere on the page; the drop zone lights up while a file is dragged.
/** @param {DragEvent} event */
const hasFiles = (event) => event.dataTransfer?.types.includes('Files') ?? false;
document.addEventListener('dragover', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', (event) => {
  if (event.relatedTarget === null) document.body.classList.remove('dragging');
});
document.addEventListener('drop', (event) => {
  document.body.classList.remove('dragging');
  const file = event.dataTransfer?.files[0];
  if (!file) return;
  event.preventDefault();
  useImage(file, file.name);
});

document.addEventListener('paste', (event) => {
  const file = event.clipboardData?.files[0];
  if (!file) return;
  event.preventDefault();
  useImage(file, file.name || 'pasted-image');
});

cameraButton.addEventListener('click', async () => {
  cameraPanel.hidden = false;
  try {
    await openCamera(cameraVideo);
    element('#snapshot-button', HTMLButtonElement).focus();
  } catch (error) {
    cameraPanel.hidden = true;
    closeCamera(cameraVideo);
    showError('The camera could not be started', error instanceof Error ? error.message : String(error));
  }
});
element('#snapshot-button', HTMLButtonElement).addEventListener('click', async () => {
  try {
    const file = await snapshot(cameraVideo);
    useImage(file, file.name);
  } catch (error) {
    showError('No snapshot', error instanceof Error ? error.message : String(error));
  }
});
element('#camera-close-button', HTMLButtonElement).addEventListener('click', () => {
  closeCamera(cameraVideo);
  cameraPanel.hidden = true;
  cameraButton.focus();
});

void cameraAvailable().then((available) => {
  cameraButton.hidden = !available;
});

const serviceLine = element('#service-info', HTMLElement);
serviceInfo().then(
  (info) => {
    const models = info.models.map((model) => `${model.name} ${model.version ?? '?'} (${model.status})`);
    serviceLine.textContent = `${info.name} ${info.version} · ${models.join(', ') || 'no model loaded'}`;
  },
  (error) => {
    serviceLine.textContent = `The service did not answer (${error instanceof Error ? error.message : error}).`;
  },
);
