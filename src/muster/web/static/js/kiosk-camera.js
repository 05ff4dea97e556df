// The kiosk's camera: start it, grab downscaled JPEG frames, and tell whether the scene changed
// (used offline, where nothing can be recognised, to queue a frame only when someone arrives).

const THUMB_WIDTH_PX = 32;
const THUMB_HEIGHT_PX = 24;
// Mean absolute luma difference (0..255) of two thumbnails above which the scene changed:
// well above sensor noise and slow light changes, well below a person stepping in.
const SCENE_CHANGE_LUMA = 12;

export class CameraUnavailableError extends Error {
  constructor(message, cause) {
    super(message, { cause });
    this.name = "CameraUnavailableError";
  }
}

/** Starts the front camera in `video`; rejects with CameraUnavailableError and a reason. */
export async function startCamera(video) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    throw new CameraUnavailableError(
      "This browser gives no camera here (the kiosk needs HTTPS or localhost).",
    );
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 720 } },
      audio: false,
    });
  } catch (error) {
    throw new CameraUnavailableError(cameraProblem(error), error);
  }
  video.srcObject = stream;
  try {
    await video.play();
  } catch (error) {
    stream.getTracks().forEach((track) => track.stop());
    throw new CameraUnavailableError("The camera started but shows no picture.", error);
  }
  return stream;
}

function cameraProblem(error) {
  switch (error && error.name) {
    case "NotAllowedError":
    case "SecurityError":
      return "Camera access was refused. Allow the camera for this page in the browser settings.";
    case "NotFoundError":
    case "OverconstrainedError":
      return "No camera was found. Check that one is connected.";
    case "NotReadableError":
    case "AbortError":
      return "The camera is busy or failed. Close other apps that use it.";
    default:
      return "The camera could not be started.";
  }
}

/** A frame ready to send: JPEG `blob`, its size in pixels, and a small luma thumbnail. */
export class FrameGrabber {
  constructor(video, { widthPx = 640, quality = 0.8 } = {}) {
    this.video = video;
    this.widthPx = widthPx;
    this.quality = quality;
    this.canvas = document.createElement("canvas");
    this.thumbCanvas = document.createElement("canvas");
    this.thumbCanvas.width = THUMB_WIDTH_PX;
    this.thumbCanvas.height = THUMB_HEIGHT_PX;
  }

  get live() {
    return this.video.readyState >= 2 && this.video.videoWidth > 0;
  }

  async grab() {
    const { videoWidth, videoHeight } = this.video;
    const scale = Math.min(1, this.widthPx / videoWidth);
    const width = Math.round(videoWidth * scale);
    const height = Math.round(videoHeight * scale);
    this.canvas.width = width;
    this.canvas.height = height;
    this.canvas.getContext("2d").drawImage(this.video, 0, 0, width, height);
    const blob = await new Promise((resolve, reject) => {
      this.canvas.toBlob(
        (result) => (result ? resolve(result) : reject(new Error("JPEG encoding failed"))),
        "image/jpeg",
        this.quality,
      );
    });
    return { blob, width, height, thumb: this.thumbnail() };
  }

  thumbnail() {
    const context = this.thumbCanvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(this.canvas, 0, 0, THUMB_WIDTH_PX, THUMB_HEIGHT_PX);
    const rgba = context.getImageData(0, 0, THUMB_WIDTH_PX, THUMB_HEIGHT_PX).data;
    const luma = new Uint8Array(THUMB_WIDTH_PX * THUMB_HEIGHT_PX);
    for (let i = 0; i < luma.length; i += 1) {
      luma[i] = (rgba[4 * i] * 299 + rgba[4 * i + 1] * 587 + rgba[4 * i + 2] * 114) / 1000;
    }
    return luma;
  }
}

/** Did the scene change between two thumbnails? A missing one counts as a change. */
export function sceneChanged(thumb, reference) {
  if (!thumb || !reference) return true;
  let total = 0;
  for (let i = 0; i < thumb.length; i += 1) total += Math.abs(thumb[i] - reference[i]);
  return total / thumb.length > SCENE_CHANGE_LUMA;
}
