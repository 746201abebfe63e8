// Camera snapshots with getUserMedia. Browsers offer the camera only in a secure context (https, or
// http://localhost), so the page hides the camera button elsewhere and when there is no camera.

/** True when the browser can give the page a camera and has at least one. */
export async function cameraAvailable() {
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) return false;
  try {
    const devices = await navigator.mediaDevices.enumerateDevices();
    return devices.some((device) => device.kind === 'videoinput');
  } catch {
    return false;
  }
}

/**
 * Starts the camera into the video element (asks the user for permission the first time).
 * @param {HTMLVideoElement} video
 */
export async function openCamera(video) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: 'user', width: { ideal: 1280 }, height: { ideal: 720 } },
    audio: false,
  });
  video.srcObject = stream;
  await video.play();
}

/**
 * Stops the camera (its light goes off).
 * @param {HTMLVideoElement} video
 */
export function closeCamera(video) {
  const stream = video.srcObject;
  if (stream instanceof MediaStream) for (const track of stream.getTracks()) track.stop();
  video.srcObject = null;
}

/**
 * The current video frame as a JPEG file, at the camera's full resolution.
 * @param {HTMLVideoElement} video
 * @returns {Promise<File>}
 */
export async function snapshot(video) {
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const context = canvas.getContext('2d');
  if (!context || canvas.width === 0) throw new Error('The camera has not delivered a picture yet.');
  context.drawImage(video, 0, 0);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.92));
  if (!(blob instanceof Blob)) throw new Error('The browser could not encode the snapshot.');
  const stamp = new Date().toISOString().replaceAll(':', '-').slice(0, 19);
  return new File([blob], `camera-${stamp}.jpg`, { type: 'image/jpeg' });
}
