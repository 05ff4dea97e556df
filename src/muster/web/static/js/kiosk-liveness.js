// The place for a liveness challenge (blink, turn the head) before a frame is sent. A later
// issue fills it in; until then every look passes. The view already has a "challenge" state
// (amber accent) for the prompt, e.g. view.show("challenge", "Blink twice", "...").

/** Resolves true when the person in front of the camera passed (or no challenge applies). */
export async function passLivenessChallenge(_view, _grabber) {
  return true;
}
