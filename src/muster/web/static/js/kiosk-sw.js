// The kiosk's service worker (served at /kiosk-sw.js, scope /kiosk): keeps a copy of the page
// and its assets so that a kiosk reloaded during an outage still starts, shows "offline" and
// queues check-ins. Network first, so a running server always gives the current files; API
// calls are never touched.

const CACHE = "muster-kiosk-v1";
const SHELL = [
  "/kiosk",
  "/static/css/base.css",
  "/static/css/kiosk.css",
  "/static/js/api.js",
  "/static/js/kiosk.js",
  "/static/js/kiosk-camera.js",
  "/static/js/kiosk-liveness.js",
  "/static/js/kiosk-pairing.js",
  "/static/js/kiosk-pin.js",
  "/static/js/kiosk-queue.js",
  "/static/js/kiosk-sound.js",
  "/static/js/kiosk-view.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname !== "/kiosk" && !url.pathname.startsWith("/static/")) return;
  event.respondWith(networkFirst(request));
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(new URL(request.url).pathname, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(new URL(request.url).pathname);
    if (cached) return cached;
    throw error;
  }
}
