// The PIN fallback dialog: a person's code and PIN, sent to POST /checkins/pin. PINs are never
// stored or queued: offline, the dialog says the server is needed.

import { NetworkError } from "./api.js";

export class PinDialog {
  /** `submit(code, pin)` resolves with the check-in answer or rejects with an API error. */
  constructor(submit) {
    this.submit = submit;
    this.dialog = document.getElementById("pin-dialog");
    this.form = document.getElementById("pin-form");
    this.code = document.getElementById("pin-code");
    this.pin = document.getElementById("pin-pin");
    this.error = document.getElementById("pin-error");
    this.onAnswer = () => {};
    document.getElementById("pin-cancel").addEventListener("click", () => this.close());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
  }

  get open() {
    return this.dialog.open;
  }

  show() {
    this.form.reset();
    this.error.textContent = "";
    this.dialog.showModal();
    this.code.focus();
  }

  close() {
    this.form.reset();
    this.dialog.close();
  }

  async send() {
    const code = this.code.value.trim();
    const pin = this.pin.value.trim();
    if (!code || !pin) {
      this.error.textContent = "Type your code and your PIN.";
      return;
    }
    try {
      const answer = await this.submit(code, pin);
      this.close();
      this.onAnswer(answer);
    } catch (problem) {
      this.pin.value = "";
      this.error.textContent =
        problem instanceof NetworkError
          ? "The server cannot be reached, so PINs cannot be checked now. Please see an administrator."
          : problem.message.charAt(0).toUpperCase() + problem.message.slice(1);
      this.pin.focus();
    }
  }
}
