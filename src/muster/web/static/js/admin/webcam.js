// Webcam enrolment with live quality feedback: about once a second a frame goes to
// POST /enrolment-checks (the very gates enrolment applies) and the page says what to fix;
// "Take photo" is offered once a frame would be accepted.

import { h } from "./dom.js";
import { api, explain } from "./session.js";

const CHECK_INTERVAL_MS = 900;
const JPEG_QUALITY = 0.9;

/** What to tell the person in front of the camera, by quality problem code. */
export const ADVICE = {
  no_face: "No face found. Look straight at the camera.",
  several_faces: "More than one face. Only the person being enrolled, please.",
  face_too_small: "Move closer to the camera.",
  too_blurry: "Hold still: the picture is blurred.",
  turned_sideways: "Face the camera straight on.",
  tilted_up_or_down: "Keep your head level.",
  too_dark: "Too dark. Add light in front of the face.",
  too_bright: "Too bright. Move away from direct light.",
  low_contrast: "The picture is washed out. Improve the lighting.",
};

export class WebcamEnrolment {
  /**
   * @param {{video: HTMLVideoElement, overlay: HTMLCanvasElement, feedback: HTMLElement,
   *   capture: HTMLButtonElement, onFrameChecked?: (check: object) => void}} parts
   */
  constructor({ video, overlay, feedback, capture }) {
    this.video = video;
    this.overlay = overlay;
    this.feedback = feedback;
    this.capture = capture;
    this.stream = null;
    this.timer = null;
    this.frame = document.createElement("canvas");
    this.ready = false;
  }

  get running() {
    return this.stream !== null;
  }

  async start() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.say("This browser cannot use a camera here (it needs HTTPS or localhost).", "fix");
      return false;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: "user" },
        audio: false,
      });
    } catch (error) {
      const denied = error && error.name === "NotAllowedError";
      this.say(denied ? "The camera was not allowed. Allow it in the browser's address bar and try again." : `No camera could be opened (${error.message}).`, "fix");
      return false;
    }
    this.video.srcObject = this.stream;
    await this.video.play().catch(() => {});
    this.say("Looking for a face…");
    this.schedule(0);
    return true;
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.video.srcObject = null;
    this.setReady(false);
    this.overlay.getContext("2d").clearRect(0, 0, this.overlay.width, this.overlay.height);
    this.say("The camera is off.");
  }

  say(text, kind = "") {
    this.feedback.textContent = text;
    this.feedback.className = `camera-feedback ${kind}`.trim();
  }

  setReady(ready) {
    this.ready = ready;
    this.capture.disabled = !ready;
  }

  schedule(delayMs) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.checkFrame(), delayMs);
  }

  /** The current frame as a JPEG blob, or null before the video has a picture. */
  async grab() {
    const { videoWidth: width, videoHeight: height } = this.video;
    if (!width || !height) return null;
    this.frame.width = width;
    this.frame.height = height;
    this.frame.getContext("2d").drawImage(this.video, 0, 0, width, height);
    return new Promise((resolve) => this.frame.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
  }

  async checkFrame() {
    if (!this.running) return;
    try {
      const blob = await this.grab();
      if (blob) {
        const form = new FormData();
        form.append("image", blob, "frame.jpg");
        const check = await api.postForm("/enrolment-checks", form);
        if (!this.running) return;
        this.draw(check);
        this.setReady(check.ready);
        if (check.ready) this.say("Ready: take the photo now.", "ready");
        else this.say(check.problems.map((p) => ADVICE[p.code] || p.message)[0], "fix");
      }
    } catch (error) {
      this.setReady(false);
      this.say(explain(error), "fix");
    }
    if (this.running) this.schedule(CHECK_INTERVAL_MS);
  }

  draw(check) {
    const context = this.overlay.getContext("2d");
    this.overlay.width = check.width_px;
    this.overlay.height = check.height_px;
    context.clearRect(0, 0, check.width_px, check.height_px);
    context.lineWidth = Math.max(3, check.width_px / 160);
    check.boxes.forEach((box, index) => {
      context.strokeStyle = index === 0 && check.ready ? "#22c55e" : "#f59e0b";
      context.strokeRect(box.left, box.top, box.right - box.left, box.bottom - box.top);
    });
  }
}

/** A line of an enrolment outcome list for one photo. */
export function outcomeItem(photo, label) {
  if (photo.accepted) {
    const warning = photo.duplicate_warning;
    return h(
      "li",
      { class: warning ? "warn" : "ok" },
      h("strong", { text: `${label}: enrolled.` }),
      warning ? ` Careful: ${warning.message}.` : "",
    );
  }
  const reasons = photo.image_error ? [photo.image_error.message] : photo.problems.map((p) => p.message);
  return h("li", { class: "bad" }, h("strong", { text: `${label}: not enrolled. ` }), reasons.join("; "));
}
