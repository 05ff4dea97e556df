// The liveness challenge, when the server requires one (the kiosk session says so): ask the
// server for a challenge, show its instruction big with an arrow, capture a burst of frames
// while the person follows it, and send them to POST /checkins/live. The server draws the
// challenge and judges the frames; nothing here decides whether someone is live.

// About ten frames over two seconds: enough to see a head turn, small enough to send fast.
const BURST_FRAMES = 10;
const BURST_MS = 2000;
// Time to read the instruction before the burst starts.
const READ_MS = 700;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Captures `count` frames over about `durationMs` (JPEG blobs, in order). */
async function captureBurst(grabber, count = BURST_FRAMES, durationMs = BURST_MS) {
  const frames = [];
  const intervalMs = durationMs / count;
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    frames.push(await grabber.grab());
    await sleep(Math.max(0, intervalMs - (performance.now() - started)));
  }
  return frames;
}

/**
 * Runs one challenge: resolves to the server's check-in answer (`decision` is
 * "liveness_failed" when the movement was not seen). Rejects like any API call (ApiError,
 * NetworkError): a challenge needs the server, so it can never be queued offline.
 */
export async function passLivenessChallenge(api, view, grabber, { key, capturedAt }) {
  const challenge = await api.post("/liveness/challenges");
  view.showChallenge(challenge.kind, challenge.instruction);
  await sleep(READ_MS);
  const frames = await captureBurst(grabber);
  view.show("hold-still", "Thank you", "Checking…");
  const form = new FormData();
  form.append("challenge_id", challenge.challenge_id);
  form.append("captured_at", capturedAt);
  frames.forEach((frame, i) => form.append("frames", frame.blob, `frame${i}.jpg`));
  const answer = await api.postForm("/checkins/live", form, { headers: { "Idempotency-Key": key } });
  return { answer, frame: frames[frames.length - 1] };
}

/** A sentence for why a challenge failed, from the server's `liveness.failure`. */
export function failureHint(failure) {
  switch (failure) {
    case "no_face":
    case "too_few_frames":
      return "Stay in front of the camera while you move";
    case "different_faces":
      return "One person at a time, please";
    case "expired":
      return "That took too long";
    default:
      return "Follow the arrow slowly, then look back at the camera";
  }
}
