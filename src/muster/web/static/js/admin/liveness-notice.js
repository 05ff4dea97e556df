// The dashboard's notice of kiosks and cameras whose face check-in is paused after repeated
// failed liveness checks: which device, how many failures, when it resumes by itself, and
// (for admins) a button that lifts the pause now. Refreshed every few seconds.

import { byId, confirmDialog, fill, formatDateTime, h, toast } from "./dom.js";
import { api, explain, isAdmin, sessionLost, storedSession } from "./session.js";

const REFRESH_MS = 15000;
const box = byId("liveness-notice");

async function lift(pause) {
  const confirmed = await confirmDialog({
    title: `Resume face check-in at ${pause.device_name}?`,
    body: [
      `It was paused after ${pause.failures} failed liveness checks: someone may have held up a photo or a screen. Resume only when you know why.`,
    ],
    confirm: "Resume now",
  });
  if (!confirmed) return;
  try {
    await api.delete(`/liveness/pauses/${pause.device_id}`);
    toast(`Face check-in resumed at ${pause.device_name}.`, "success");
  } catch (error) {
    if (!sessionLost(error)) toast(explain(error), "error");
  }
  await refresh();
}

function item(pause, admin) {
  return h(
    "li",
    { dataset: { deviceId: pause.device_id } },
    h("strong", { text: pause.device_name }),
    ` — paused after ${pause.failures} failed liveness checks; resumes by itself at ${formatDateTime(pause.paused_until)}. `,
    admin
      ? h("button", { class: "button small", type: "button", text: "Resume now", on: { click: () => lift(pause) } })
      : null,
  );
}

async function refresh() {
  let pauses;
  try {
    pauses = await api.get("/liveness/pauses");
  } catch (error) {
    if (!sessionLost(error)) console.warn("paused devices unavailable", error);
    return;
  }
  box.hidden = pauses.length === 0;
  const admin = isAdmin(storedSession());
  fill(
    box,
    h("p", {}, h("strong", { text: "Face check-in paused" })),
    h("ul", { class: "plain-list" }, pauses.map((pause) => item(pause, admin))),
  );
}

if (storedSession()) {
  refresh();
  setInterval(refresh, REFRESH_MS);
}
