// The dashboard's notice of people enrolled with an older face model: after an upgrade that
// changes the embeddings (docs/accuracy.md), their templates no longer match anyone, so the
// kiosk will not recognise them until they are enrolled again. Read once per page load.

import { byId, fill, h } from "./dom.js";
import { api, sessionLost, storedSession } from "./session.js";

const box = byId("model-notice");

async function show() {
  let health;
  try {
    health = await api.get("/healthz");
  } catch (error) {
    if (!sessionLost(error)) console.warn("health unavailable", error);
    return;
  }
  const count = health.people_to_re_enrol;
  box.hidden = !count;
  if (!count) return;
  const people = count === 1 ? "1 person was" : `${count} people were`;
  fill(
    box,
    h(
      "div",
      {},
      h("p", {}, h("strong", { text: "Some people need to be enrolled again" })),
      h(
        "p",
        {},
        `${people} enrolled with an older face model and will not be recognised until new photos are enrolled. `,
        h("a", { href: "/admin/people", text: "Open People" }),
      ),
    ),
  );
}

if (storedSession()) show();
