// The kiosk's device key: kept in this browser's localStorage, obtained once by pairing (a
// short code an admin made, exchanged at POST /pairing-codes/redeem) or by pasting a key.

import { NetworkError } from "./api.js";

const TOKEN_KEY = "muster.kiosk.token";
const SESSION_KEY = "muster.kiosk.session";
const KEY_PATTERN = /^msk_[^_\s]+_[^_\s]+$/;

export const credentials = {
  token: () => localStorage.getItem(TOKEN_KEY),
  setToken: (token) => localStorage.setItem(TOKEN_KEY, token),
  /** The last session the server gave (used when starting while the server is unreachable). */
  session: () => JSON.parse(localStorage.getItem(SESSION_KEY) || "null"),
  setSession: (session) => localStorage.setItem(SESSION_KEY, JSON.stringify(session)),
  forget() {
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(SESSION_KEY);
  },
};

/** Shows the pairing form until a code or key works; resolves with the kiosk session. */
export function pair(api) {
  const panel = document.getElementById("pairing");
  const form = document.getElementById("pairing-form");
  const input = document.getElementById("pairing-code");
  const error = document.getElementById("pairing-error");
  document.body.dataset.state = "pairing";
  panel.hidden = false;
  input.focus();
  return new Promise((resolve) => {
    form.onsubmit = async (event) => {
      event.preventDefault();
      const typed = input.value.trim();
      if (!typed) {
        error.textContent = "Type the pairing code first.";
        return;
      }
      error.textContent = "";
      try {
        if (!KEY_PATTERN.test(typed)) {
          const redeemed = await api.post("/pairing-codes/redeem", { code: typed });
          credentials.setToken(redeemed.token);
        } else {
          credentials.setToken(typed);
        }
        const session = await api.get("/kiosk/session");
        credentials.setSession(session);
        panel.hidden = true;
        form.onsubmit = null;
        resolve(session);
      } catch (problem) {
        credentials.forget();
        error.textContent =
          problem instanceof NetworkError
            ? "The server cannot be reached. Check the network and try again."
            : problem.message;
        input.select();
      }
    };
  });
}
