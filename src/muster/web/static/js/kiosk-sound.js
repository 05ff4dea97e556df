// Optional beeps (off by default), made with WebAudio so there is no sound file to fetch.
// The audio context is created on the click that turns sound on, as browsers require.

const STORAGE_KEY = "muster.kiosk.sound";

export class Beeper {
  constructor(button) {
    this.button = button;
    this.context = null;
    this.enabled = false;
    button.addEventListener("click", () => this.setEnabled(!this.enabled));
    if (localStorage.getItem(STORAGE_KEY) === "on") this.setEnabled(true);
  }

  setEnabled(enabled) {
    this.enabled = enabled;
    localStorage.setItem(STORAGE_KEY, enabled ? "on" : "off");
    this.button.setAttribute("aria-pressed", String(enabled));
    this.button.textContent = enabled ? "Sound on" : "Sound off";
    if (enabled && !this.context && window.AudioContext) this.context = new AudioContext();
  }

  /** Two rising notes: recorded. */
  success() {
    this.play([660, 880]);
  }

  /** One low note: not recognised, or an error. */
  failure() {
    this.play([220]);
  }

  play(frequencies) {
    if (!this.enabled || !this.context) return;
    let at = this.context.currentTime;
    for (const frequency of frequencies) {
      const oscillator = this.context.createOscillator();
      const gain = this.context.createGain();
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.2, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + 0.18);
      oscillator.connect(gain).connect(this.context.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.2);
      at += 0.15;
    }
  }
}
