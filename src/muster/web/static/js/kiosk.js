// The kiosk: pairs once, then watches the camera and checks people in.
//
// One loop, one request in flight at most. Each step does one of:
//   - deliver the oldest queued check-in (captured while the server was unreachable), with the
//     idempotency key it was captured with, so a retry can never be recorded twice;
//   - send a live frame (a downscaled JPEG) and show the decision, then hold it for a while;
//   - offline: keep the frame in the queue when someone new is in front of the camera.
// When the server requires liveness, a frame with a face is refused (liveness_required) and
// the kiosk runs the challenge instead (kiosk-liveness.js); such a check-in needs the server,
// so nothing is queued offline then.

import { ApiError, NetworkError, createApi } from "./api.js";
import { CameraUnavailableError, FrameGrabber, sceneChanged, startCamera } from "./kiosk-camera.js";
import { failureHint, passLivenessChallenge } from "./kiosk-liveness.js";
import { credentials, pair } from "./kiosk-pairing.js";
import { PinDialog } from "./kiosk-pin.js";
import { CheckinQueue } from "./kiosk-queue.js";
import { Beeper } from "./kiosk-sound.js";
import { KioskView } from "./kiosk-view.js";

const JPEG_QUALITY = 0.8;
// A stranger is told "not recognised" only after this many such answers in a row, so that one
// blurred frame of an enrolled person is not shown as a refusal.
const NOT_RECOGNISED_AFTER = 2;
const MAX_QUEUED = 500;
const RETRY_FIRST_MS = 2000;
const RETRY_MAX_MS = 10000;
const BOX_COLOURS = { recognised: "#4ade80", unknown: "#fbbf24" };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.now();

function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  // Outside a secure context randomUUID is missing; 122 random bits in UUID form will do.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function unreachable(problem) {
  return problem instanceof NetworkError || (problem instanceof ApiError && problem.transient);
}

function sentence(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

class Kiosk {
  constructor({ api, view, queue, beeper }) {
    this.api = api;
    this.view = view;
    this.queue = queue;
    this.beeper = beeper;
    this.session = null;
    this.grabber = null;
    this.offline = false;
    this.retryDelayMs = 0;
    this.retryAt = 0;
    this.holdUntil = 0;
    this.unknownStreak = 0;
    this.cameraProblem = "";
    this.emptyScene = null; // thumbnail of the last frame the server found no face in
    this.lastKept = null; // thumbnail of the last frame queued offline
    this.keepAgainAt = 0;
    this.pin = new PinDialog((code, pin) =>
      this.api.post(
        "/checkins/pin",
        { code, pin, captured_at: new Date().toISOString() },
        { headers: { "Idempotency-Key": newKey() } },
      ),
    );
    this.pin.onAnswer = (answer) => this.showDecision(answer);
    for (const id of ["pin-open", "pin-fallback"]) {
      document.getElementById(id).addEventListener("click", () => this.pin.show());
    }
    document.getElementById("retry-camera").addEventListener("click", () => this.startCamera());
    window.addEventListener("online", () => {
      this.retryAt = 0;
    });
  }

  async start() {
    this.useSession(await this.loadSession());
    await this.updateBadge();
    await this.startCamera();
    this.loop();
  }

  async loadSession() {
    for (;;) {
      if (!credentials.token()) return pair(this.api);
      try {
        const session = await this.api.get("/kiosk/session");
        credentials.setSession(session);
        return session;
      } catch (problem) {
        if (problem instanceof ApiError && problem.status === 401) {
          credentials.forget();
          continue;
        }
        const cached = credentials.session();
        if (cached) {
          this.goOffline();
          return cached;
        }
        this.view.show("starting", "Waiting for the server", problem.message);
        await sleep(RETRY_MAX_MS);
      }
    }
  }

  useSession(session) {
    this.session = session;
    this.view.setDevice(session.device_name, session.timezone, session.pin_fallback);
  }

  async startCamera() {
    this.view.show("starting", "Starting…", "Getting the camera ready");
    try {
      await startCamera(this.view.video);
      this.grabber = new FrameGrabber(this.view.video, {
        widthPx: this.session.frame_width_px,
        quality: JPEG_QUALITY,
      });
      this.showLooking();
    } catch (problem) {
      this.grabber = null;
      this.cameraProblem =
        problem instanceof CameraUnavailableError ? problem.message : String(problem);
      this.showCameraUnavailable();
    }
  }

  showCameraUnavailable() {
    const pin = this.session.pin_fallback;
    this.view.show(
      "camera-unavailable",
      "Camera unavailable",
      pin ? `${this.cameraProblem} You can still check in with your code and PIN.` : this.cameraProblem,
      { retry: true, pin },
    );
  }

  async loop() {
    for (;;) {
      const started = now();
      let again = false;
      try {
        again = await this.step();
      } catch (problem) {
        console.error("kiosk step failed", problem);
      }
      if (!again) await sleep(Math.max(50, this.session.frame_interval_ms - (now() - started)));
    }
  }

  /** One step; true when the next should follow at once (draining the queue). */
  async step() {
    this.view.tick();
    if (this.holdUntil && now() >= this.holdUntil) {
      this.holdUntil = 0;
      if (this.grabber) this.showLooking();
      else this.showCameraUnavailable();
    }
    if (await this.deliverQueued()) return !this.offline;
    if (!this.grabber || !this.grabber.live || this.pin.open || this.holdUntil) return false;
    const frame = await this.grabber.grab();
    const capturedAt = new Date().toISOString();
    if (this.offline && (now() < this.retryAt || (await this.hasQueued()))) {
      // Still offline, or the retry fell due while the frame was grabbed: the queue goes
      // first (next step), so an earlier capture is never overtaken by a later one.
      await this.keepForLater(frame, capturedAt);
      return false;
    }
    const key = newKey();
    try {
      const answer = await this.send(frame.blob, capturedAt, key);
      this.backOnline();
      this.onAnswer(answer, frame);
    } catch (problem) {
      await this.onSendFailure(problem, frame, capturedAt, key);
    }
    return false;
  }

  send(blob, capturedAt, key) {
    const form = new FormData();
    form.append("image", blob, "frame.jpg");
    form.append("captured_at", capturedAt);
    return this.api.postForm("/checkins", form, { headers: { "Idempotency-Key": key } });
  }

  // Offline queue --------------------------------------------------------------------------

  async hasQueued() {
    return this.queue !== null && (await this.queue.count()) > 0;
  }

  /** Sends the oldest queued check-in when one is due; true when it tried. */
  async deliverQueued() {
    if (!this.queue || now() < this.retryAt) return false;
    const item = await this.queue.oldest();
    if (!item) return false;
    try {
      await this.send(item.blob, item.capturedAt, item.key);
      await this.queue.remove(item.key);
      this.backOnline();
    } catch (problem) {
      if (unreachable(problem)) {
        this.goOffline();
      } else if (problem instanceof ApiError && problem.status === 401) {
        await this.repair();
      } else {
        // Refused for good (too old a capture time, a corrupt image): retrying cannot help.
        console.warn("dropping a queued check-in the server refused", item.key, problem);
        await this.queue.remove(item.key);
      }
    }
    await this.updateBadge();
    return true;
  }

  /** Offline: queue the frame when someone new is in front of the camera. */
  async keepForLater(frame, capturedAt, key = newKey()) {
    if (this.session.liveness_required) {
      // A check-in that needs a challenge cannot be answered later: say so, queue nothing.
      if (sceneChanged(frame.thumb, this.emptyScene) && now() >= this.keepAgainAt) {
        this.keepAgainAt = now() + this.session.result_display_s * 1000;
        this.result("saved-offline", "Offline", "Face check-in needs the server: please try again shortly");
      }
      return;
    }
    if (!this.queue) return;
    if (!sceneChanged(frame.thumb, this.emptyScene) || !sceneChanged(frame.thumb, this.lastKept)) {
      return; // the empty scene, or the person whose frame is queued already
    }
    if (now() < this.keepAgainAt) return;
    if ((await this.queue.count()) >= MAX_QUEUED) {
      this.result("saved-offline", "Offline", "Please see an administrator: the queue is full");
      return;
    }
    await this.queue.add({ key, capturedAt, blob: frame.blob });
    this.lastKept = frame.thumb;
    this.keepAgainAt = now() + this.session.result_display_s * 1000;
    this.view.drawBox(null);
    this.result(
      "saved-offline",
      "Saved",
      "The server is unreachable: you will be checked in as soon as it is back",
    );
    await this.updateBadge();
  }

  goOffline() {
    this.offline = true;
    this.retryDelayMs = Math.min(RETRY_MAX_MS, Math.max(RETRY_FIRST_MS, this.retryDelayMs * 2));
    this.retryAt = now() + this.retryDelayMs;
  }

  backOnline() {
    this.offline = false;
    this.retryDelayMs = 0;
    this.retryAt = 0;
    this.lastKept = null;
  }

  async updateBadge() {
    const count = this.queue ? await this.queue.count() : 0;
    this.view.setQueue(count, this.offline);
  }

  async onSendFailure(problem, frame, capturedAt, key) {
    if (problem instanceof ApiError && problem.code === "liveness_required") {
      await this.runChallenge();
    } else if (problem instanceof ApiError && problem.code === "liveness_paused") {
      this.showPaused(problem);
    } else if (unreachable(problem)) {
      this.goOffline();
      await this.keepForLater(frame, capturedAt, key);
      await this.updateBadge();
    } else if (problem instanceof ApiError && problem.status === 401) {
      await this.repair();
    } else {
      console.warn("frame refused", problem);
      this.result("hold-still", "Please try again", problem.message);
    }
  }

  /** A face is in view and the server wants a liveness challenge: run one and show it. */
  async runChallenge() {
    try {
      const { answer, frame } = await passLivenessChallenge(this.api, this.view, this.grabber, {
        key: newKey(),
        capturedAt: new Date().toISOString(),
      });
      this.backOnline();
      if (answer.decision === "liveness_failed") {
        this.view.drawBox(null);
        this.result("try-again", "Please try again", failureHint(answer.liveness.failure));
        this.beeper.failure();
      } else {
        this.onAnswer(answer, frame);
      }
    } catch (problem) {
      if (problem instanceof ApiError && problem.code === "liveness_paused") {
        this.showPaused(problem);
      } else if (unreachable(problem)) {
        this.goOffline();
        this.result("saved-offline", "Offline", "Face check-in needs the server: please try again shortly");
      } else if (problem instanceof ApiError && problem.status === 401) {
        await this.repair();
      } else {
        console.warn("challenge refused", problem);
        this.result("try-again", "Please try again", problem.message);
      }
    }
  }

  /** Face check-in is paused here after repeated failed challenges: say until when. */
  showPaused(problem) {
    const error = problem.error || {};
    const until = error.resumes_at ? ` Face check-in resumes at ${this.view.time(error.resumes_at)}.` : "";
    const pin = this.session.pin_fallback;
    this.view.drawBox(null);
    this.view.show("paused", "Check-in paused", `Please see an administrator.${until}`, { pin });
    // Look again now and then (a paused device answers at once), or when the pause ends.
    const waitS = Math.min(Number(error.retry_after_s) || 30, 30);
    this.holdUntil = now() + Math.max(waitS, this.session.result_display_s) * 1000;
  }

  /** The key was refused (revoked): pair again, then carry on. */
  async repair() {
    credentials.forget();
    this.useSession(await pair(this.api));
    if (this.grabber) this.showLooking();
    else this.showCameraUnavailable();
  }

  // Decisions ------------------------------------------------------------------------------

  onAnswer(answer, frame) {
    if (answer.decision === "no_face") {
      this.emptyScene = frame.thumb;
      this.unknownStreak = 0;
      this.view.drawBox(null);
      this.showLooking();
      return;
    }
    if (answer.decision === "not_recognised") {
      this.view.drawBox(answer.box, frame.width, BOX_COLOURS.unknown);
      this.onUnknown(answer);
      return;
    }
    this.unknownStreak = 0;
    this.view.drawBox(answer.box, frame.width, BOX_COLOURS.recognised);
    this.showDecision(answer);
  }

  onUnknown(answer) {
    if (answer.rejection === "low_quality") {
      const hint = answer.quality_issue ? answer.quality_issue.split(": ").pop() : "";
      this.view.show("hold-still", "Hold still", sentence(hint) || "Look at the camera");
      return;
    }
    this.unknownStreak += 1;
    if (this.unknownStreak < NOT_RECOGNISED_AFTER) {
      this.view.show("hold-still", "Hold still…", "Looking you up");
      return;
    }
    this.unknownStreak = 0;
    const pin = this.session.pin_fallback;
    this.result(
      "not-recognised",
      "Not recognised",
      pin ? "Please see an administrator, or use your code and PIN" : "Please see an administrator",
      { pin },
    );
    this.beeper.failure();
  }

  /** Shows a recorded (or refused-as-repeat) decision about a known person. */
  showDecision(answer) {
    const name = answer.person ? answer.person.name : "";
    const time = this.view.time(answer.event_at || answer.at);
    switch (answer.decision) {
      case "checked_in":
        this.result("checked-in", `Welcome, ${name}`, `Checked in ${time}`);
        this.beeper.success();
        break;
      case "checked_out":
        this.result("checked-out", `Goodbye, ${name}`, `Checked out ${time}`);
        this.beeper.success();
        break;
      case "already_checked_in":
        this.result("already", "Already checked in", `${name}, since ${time}`);
        break;
      case "duplicate":
        this.result("duplicate", "Already recorded", `${name}, at ${time}`);
        break;
      default:
        this.result("hold-still", answer.message || "Please try again");
    }
  }

  result(state, title, detail = "", options = {}) {
    this.view.show(state, title, detail, options);
    this.holdUntil = now() + this.session.result_display_s * 1000;
  }

  showLooking() {
    this.view.drawBox(null);
    this.view.show("looking", "Look at the camera", "Stand in front of the screen to check in");
  }
}

async function main() {
  const view = new KioskView();
  const api = createApi({ token: credentials.token });
  if (navigator.serviceWorker && document.body.dataset.worker) {
    // Lets the page itself load while the server is down (the queue then waits in IndexedDB).
    navigator.serviceWorker
      .register(document.body.dataset.worker, { scope: "/kiosk" })
      .catch((problem) => console.warn("offline page cache unavailable", problem));
  }
  let queue = null;
  try {
    queue = await CheckinQueue.open();
  } catch (problem) {
    console.warn("IndexedDB unavailable: check-ins cannot be queued offline", problem);
  }
  const beeper = new Beeper(document.getElementById("sound-toggle"));
  setInterval(() => view.tick(), 5000);
  await new Kiosk({ api, view, queue, beeper }).start();
}

main();
