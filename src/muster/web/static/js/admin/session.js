// The signed-in session of the admin pages, and the API client that uses it.
//
// Sign-in gives a short-lived session key; it lives in sessionStorage (this tab only, gone
// when the tab closes) and goes out as a bearer token, never as a cookie, so other sites
// cannot make the browser use it (no CSRF). Pages call `startPage()` first: without a
// session it sends the browser to /admin/login and returns null.

import { ApiError, NetworkError, createApi } from "../api.js";

const STORAGE_KEY = "muster.admin.session";
const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout's limit

/** @returns {{token: string, username: string, role: string, expires_at: string} | null} */
export function storedSession() {
  let session = null;
  try {
    session = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
  } catch {
    session = null;
  }
  if (!session || typeof session.token !== "string") return null;
  if (session.expires_at && Date.parse(session.expires_at) <= Date.now()) {
    forgetSession();
    return null;
  }
  return session;
}

export function saveSession(session) {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function forgetSession() {
  sessionStorage.removeItem(STORAGE_KEY);
}

function bearer() {
  const session = storedSession();
  return session ? session.token : null;
}

export const api = createApi({ token: bearer, timeoutMs: 60000 });

/** Sends the browser to the sign-in page, to come back here afterwards. */
export function toSignIn(reason = "") {
  const next = encodeURIComponent(location.pathname + location.search);
  const why = reason ? `&reason=${encodeURIComponent(reason)}` : "";
  location.replace(`/admin/login?next=${next}${why}`);
}

/** True (and off to the sign-in page) when `error` says the session is no longer valid. */
export function sessionLost(error) {
  if (error instanceof ApiError && error.status === 401) {
    forgetSession();
    toSignIn("expired");
    return true;
  }
  return false;
}

/** What to tell a person about a failed call. */
export function explain(error) {
  if (error instanceof NetworkError) return "Muster is not answering. Check the connection and try again.";
  if (error instanceof ApiError) {
    if (error.status === 403) return "Your role may not do this; ask an administrator.";
    if (error.details && error.details.length) {
      const fields = error.details.map((d) => `${d.field.replace(/^body\./, "")}: ${d.problem}`);
      return `${error.message} ${fields.join("; ")}`;
    }
    return error.message;
  }
  return String(error && error.message ? error.message : error);
}

export function isAdmin(session) {
  return Boolean(session) && session.role === "admin";
}

/**
 * Begins a signed-in page: fills the header, wires "Sign out", marks admin-only parts for
 * operators, and signs out when the session runs out. Returns the session, or null after
 * sending the browser to the sign-in page.
 */
export function startPage() {
  const session = storedSession();
  if (!session) {
    toSignIn();
    return null;
  }
  document.body.dataset.session = "ready";
  document.body.dataset.role = session.role;
  const user = document.getElementById("signed-in-user");
  const role = document.getElementById("signed-in-role");
  if (user) user.textContent = session.username;
  if (role) role.textContent = session.role;
  // What only an admin may do is hidden from operators (the API refuses it anyway).
  if (!isAdmin(session)) {
    for (const node of document.querySelectorAll("[data-admin-only]")) node.hidden = true;
    for (const node of document.querySelectorAll("[data-operator-only]")) node.hidden = false;
  }
  const signOutButton = document.getElementById("sign-out");
  if (signOutButton) signOutButton.addEventListener("click", () => signOut());
  const left = Date.parse(session.expires_at) - Date.now();
  if (Number.isFinite(left)) {
    setTimeout(() => {
      forgetSession();
      toSignIn("expired");
    }, Math.min(Math.max(left, 0), MAX_TIMER_MS));
  }
  window.addEventListener("unhandledrejection", (event) => {
    if (sessionLost(event.reason)) event.preventDefault();
  });
  return session;
}

export async function signOut() {
  try {
    await api.post("/auth/logout");
  } catch {
    // Signed out here either way: the key expires on its own if the server missed this.
  }
  forgetSession();
  location.replace("/admin/login?reason=signed-out");
}

async function authorisedFetch(path) {
  const headers = { Accept: "*/*" };
  const token = bearer();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { headers, cache: "no-store" });
  } catch (error) {
    throw new NetworkError(`GET ${path}: ${error.message}`, error);
  }
  if (!response.ok) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    const error = body && body.error ? body.error : {};
    throw new ApiError(
      response.status,
      error.code || "http_error",
      error.message || `GET ${path} failed with HTTP ${response.status}`,
    );
  }
  return response;
}

/** Downloads a file the API makes (an export), named as the server names it. */
export async function download(path, fallbackName) {
  const response = await authorisedFetch(path);
  const disposition = response.headers.get("Content-Disposition") || "";
  const named = /filename="?([^";]+)"?/.exec(disposition);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = named ? named[1] : fallbackName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return link.download;
}

/** A blob: URL for an image the API serves only with a key (thumbnails). */
export async function imageUrl(path) {
  const response = await authorisedFetch(path);
  return URL.createObjectURL(await response.blob());
}
