// What the kiosk shows: one state at a time (body[data-state]), its two lines of text, the
// face box over the camera view, the clock and the offline badge. No decisions are made here.

const $ = (id) => document.getElementById(id);

export class KioskView {
  constructor() {
    this.body = document.body;
    this.video = $("camera");
    this.overlay = $("overlay");
    this.title = $("status-title");
    this.detail = $("status-detail");
    this.badge = $("queue-badge");
    this.clock = $("clock");
    this.deviceName = $("device-name");
    this.retryCamera = $("retry-camera");
    this.pinFallback = $("pin-fallback");
    this.pinOpen = $("pin-open");
    this.arrow = $("challenge-arrow");
    this.timezone = undefined;
    this.box = null;
    window.addEventListener("resize", () => this.redrawBox());
  }

  get state() {
    return this.body.dataset.state;
  }

  /** Shows `state` with a title and a detail line (both plain text). */
  show(state, title, detail = "", { retry = false, pin = false } = {}) {
    this.body.dataset.state = state;
    if (state !== "challenge") delete this.body.dataset.challenge;
    this.title.textContent = title;
    this.detail.textContent = detail;
    this.retryCamera.hidden = !retry;
    this.pinFallback.hidden = !pin;
  }

  /** The liveness challenge: its instruction, large, with an arrow for the movement. */
  showChallenge(kind, instruction) {
    this.show("challenge", instruction, "Keep your face in the oval");
    this.body.dataset.challenge = kind;
    // The preview is mirrored, so the person's own left is the screen's left.
    this.arrow.textContent = { turn_left: "←", turn_right: "→", nod: "↓" }[kind] || "";
  }

  setDevice(name, timezone, pinFallback) {
    this.deviceName.textContent = name ? `· ${name}` : "";
    this.timezone = timezone || undefined;
    this.pinOpen.hidden = !pinFallback;
    this.tick();
  }

  /** "HH:MM" of an ISO time in the device's time zone (the browser's if it has none). */
  time(iso) {
    const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    try {
      return new Intl.DateTimeFormat([], { ...options, timeZone: this.timezone }).format(
        new Date(iso),
      );
    } catch {
      return new Intl.DateTimeFormat([], options).format(new Date(iso));
    }
  }

  tick() {
    this.clock.textContent = this.time(new Date().toISOString());
    this.clock.dateTime = new Date().toISOString();
  }

  /** The badge: hidden when nothing waits; "Offline — N queued" or "Sending N queued…". */
  setQueue(count, offline) {
    if (!offline && count === 0) {
      this.badge.hidden = true;
      return;
    }
    this.badge.hidden = false;
    this.badge.classList.toggle("sending", !offline);
    this.badge.textContent = offline
      ? `Offline — ${count} queued`
      : `Sending ${count} queued…`;
  }

  /** Draws the face `box` (pixels of a frame `frameWidth` wide) over the camera view. */
  drawBox(box, frameWidth, colour) {
    this.box = box ? { box, frameWidth, colour } : null;
    this.redrawBox();
  }

  redrawBox() {
    const canvas = this.overlay;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(canvas.clientWidth * ratio);
    canvas.height = Math.round(canvas.clientHeight * ratio);
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, canvas.width, canvas.height);
    const { videoWidth, videoHeight } = this.video;
    if (!this.box || !videoWidth) return;
    // The video is drawn with object-fit: cover; map frame pixels to canvas pixels the same way.
    const scale = Math.max(canvas.width / videoWidth, canvas.height / videoHeight);
    const offsetX = (canvas.width - videoWidth * scale) / 2;
    const offsetY = (canvas.height - videoHeight * scale) / 2;
    const toVideo = videoWidth / this.box.frameWidth;
    const { left, top, right, bottom } = this.box.box;
    const x = offsetX + left * toVideo * scale;
    const y = offsetY + top * toVideo * scale;
    const w = (right - left) * toVideo * scale;
    const h = (bottom - top) * toVideo * scale;
    context.lineWidth = 6 * ratio;
    context.strokeStyle = this.box.colour;
    context.shadowColor = "rgb(0 0 0 / 60%)";
    context.shadowBlur = 8 * ratio;
    context.beginPath();
    context.roundRect(x, y, w, h, 18 * ratio);
    context.stroke();
  }
}
