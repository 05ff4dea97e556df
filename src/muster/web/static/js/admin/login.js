// /admin/login: a username and password become a session key (POST /auth/login), kept in
// sessionStorage for this tab; then back to the page that sent us here.

import { ApiError } from "../api.js";
import { api, explain, saveSession, storedSession } from "./session.js";

const form = document.getElementById("login-form");
const errorBox = document.getElementById("login-error");
const submit = document.getElementById("login-submit");
const params = new URLSearchParams(location.search);

function destination() {
  const next = params.get("next") || "";
  // Only our own admin pages: never an absolute or protocol-relative URL from the query.
  return /^\/admin(\/[\w\-/]*)?(\?[\w=&%.\-]*)?$/.test(next) && next !== "/admin/login" ? next : "/admin";
}

const notices = {
  expired: "Your session has ended. Sign in again to go on.",
  "signed-out": "You have signed out.",
};
if (notices[params.get("reason")]) {
  errorBox.classList.add("notice");
  errorBox.textContent = notices[params.get("reason")];
}

if (storedSession()) location.replace(destination());

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  errorBox.classList.remove("notice");
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    errorBox.textContent = "Enter your username and password.";
    (username ? form.password : form.username).focus();
    return;
  }
  submit.disabled = true;
  submit.textContent = "Signing in…";
  errorBox.textContent = "";
  try {
    const session = await api.post("/auth/login", { username, password });
    saveSession({
      token: session.token,
      username: session.username,
      role: session.role,
      expires_at: session.expires_at,
    });
    location.replace(destination());
  } catch (error) {
    const wrong = error instanceof ApiError && error.code === "invalid_credentials";
    errorBox.textContent = wrong
      ? "That username and password do not match. Check them and try again."
      : explain(error);
    form.password.value = "";
    form.password.focus();
    form.password.setAttribute("aria-invalid", "true");
  } finally {
    submit.disabled = false;
    submit.textContent = "Sign in";
  }
});
