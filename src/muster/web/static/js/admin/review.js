// /admin/review: the queue of faces nobody was matched to (assign in one click, or discard),
// register corrections with a reason, and the audit log with filters (admins).

import { actorName, busy, byId, fill, formatDateTime, h, localDay, toast } from "./dom.js";
import { api, explain, imageUrl, isAdmin, startPage } from "./session.js";

const session = startPage();
const KNOWN_ACTIONS = [
  "person.created", "person.updated", "person.erased", "consent.recorded", "consent.withdrawn",
  "templates.enrolled", "template.deleted", "unknown_face.assigned", "unknown_face.discarded",
  "correction.created", "event.reassigned", "api_key.created", "api_key.revoked",
  "pairing_code.created", "user.created", "user.signed_in", "user.sign_in_failed",
  "user.signed_out", "webhook.deleted", "retention.purged",
];
let people = [];
let devices = new Map();

function personPicker(id) {
  return h(
    "select",
    { id, attrs: { "aria-label": "Who is this?" } },
    h("option", { value: "", text: "Who is this?" }),
    people.map((p) => h("option", { value: String(p.id), text: p.external_id ? `${p.name} (${p.external_id})` : p.name })),
  );
}

function faceCard(item, status) {
  const image = h("img", { alt: `Face seen ${formatDateTime(item.seen_at)}`, attrs: { width: 224, height: 224 } });
  imageUrl(item.thumbnail_url).then((url) => { image.src = url; }).catch(() => { image.alt = "Thumbnail no longer kept"; });
  const where = item.device_id ? devices.get(item.device_id) || `device ${item.device_id}` : "an uploaded photo";
  const quality = item.quality ? `${Math.round(item.quality.interocular_px)} px between the eyes` : "quality not recorded";
  const meta = h("p", { class: "small muted" }, `Seen ${formatDateTime(item.seen_at)} at ${where}. `, quality);
  if (status !== "pending") {
    const who = people.find((p) => p.id === item.assigned_person_id);
    return h("article", { class: "face-card" }, image, h("div", { class: "body" }, meta, h("p", { class: "small", text: status === "assigned" ? `Assigned to ${who ? who.name : `person ${item.assigned_person_id}`}` : "Discarded" })));
  }
  const picker = personPicker(`assign-${item.id}`);
  const assign = h("button", { class: "button primary small", type: "button", text: "Assign" });
  const discard = h("button", { class: "button small", type: "button", text: "Discard" });
  const card = h("article", { class: "face-card", dataset: { faceId: item.id } }, image, h("div", { class: "body" }, meta, picker, h("div", { class: "actions" }, assign, discard)));
  assign.addEventListener("click", async () => {
    if (!picker.value) {
      picker.focus();
      toast("Choose who it is first.", "error");
      return;
    }
    try {
      const outcome = await busy(assign, "Assigning…", () => api.post(`/review/unknown-faces/${item.id}/assign`, { person_id: Number(picker.value) }));
      const name = picker.selectedOptions[0].textContent;
      toast(outcome.templating.templated ? `Assigned to ${name}; the face now helps recognise them.` : `Assigned to ${name}. ${outcome.templating.message}.`, "success");
      card.remove();
      updateCount(-1);
    } catch (error) {
      toast(explain(error), "error");
    }
  });
  discard.addEventListener("click", async () => {
    try {
      await busy(discard, "Discarding…", () => api.post(`/review/unknown-faces/${item.id}/discard`));
      toast("Face discarded.", "success");
      card.remove();
      updateCount(-1);
    } catch (error) {
      toast(explain(error), "error");
    }
  });
  return card;
}

let pendingCount = 0;
function updateCount(change = 0) {
  pendingCount += change;
  byId("faces-count").textContent = String(pendingCount);
  if (pendingCount === 0 && byId("faces-status").value === "pending") {
    fill(byId("faces"), h("p", { class: "hint", text: "Nothing to review. Faces the kiosks cannot name appear here." }));
  }
}

async function loadFaces() {
  const status = byId("faces-status").value;
  try {
    const items = await api.get(`/review/unknown-faces?status=${status}&limit=100`);
    if (status === "pending") pendingCount = items.length;
    byId("faces-count").textContent = status === "pending" ? String(items.length) : "";
    fill(byId("faces"), items.length ? items.map((item) => faceCard(item, status)) : h("p", { class: "hint", text: status === "pending" ? "Nothing to review. Faces the kiosks cannot name appear here." : "None." }));
  } catch (error) {
    fill(byId("faces"), h("p", { class: "form-error", text: explain(error) }));
  }
}

async function saveCorrection(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const error = byId("correction-error");
  const reason = form.elements.reason.value.trim();
  if (!form.elements.person_id.value || !form.elements.day.value || !reason) {
    error.textContent = "Choose a person and a day, and give a reason.";
    return;
  }
  try {
    await api.post("/attendance/corrections", {
      person_id: Number(form.elements.person_id.value),
      day: form.elements.day.value,
      status: form.elements.status.value,
      reason,
    });
    error.textContent = "";
    toast(`Correction saved for ${form.elements.person_id.selectedOptions[0].textContent}.`, "success");
    form.elements.reason.value = "";
    if (isAdmin(session)) loadAudit();
  } catch (problem) {
    error.textContent = explain(problem);
  }
}

function auditQuery(form) {
  const query = new URLSearchParams({ limit: "200" });
  for (const name of ["action", "actor", "target_type"]) {
    const value = form.elements[name].value.trim();
    if (value) query.set(name, value);
  }
  if (form.elements.since.value) query.set("since", new Date(`${form.elements.since.value}T00:00:00`).toISOString());
  if (form.elements.until.value) {
    const end = new Date(`${form.elements.until.value}T00:00:00`);
    end.setDate(end.getDate() + 1);
    query.set("until", end.toISOString());
  }
  return query;
}

async function loadAudit(event) {
  if (event) event.preventDefault();
  const rows = byId("audit-rows");
  try {
    const entries = await api.get(`/audit?${auditQuery(byId("audit-filters"))}`);
    const actors = [...new Set(entries.map((entry) => entry.actor))].sort();
    fill(byId("audit-actors"), actors.map((actor) => h("option", { value: actor, text: actorName(actor) })));
    fill(
      rows,
      entries.length
        ? entries.map((entry) =>
            h(
              "tr",
              {},
              h("td", { text: formatDateTime(entry.at) }),
              h("td", { class: "small", title: entry.actor, text: actorName(entry.actor) }),
              h("td", {}, h("code", { text: entry.action })),
              h("td", { text: entry.target_id === null ? entry.target_type : `${entry.target_type} ${entry.target_id}` }),
              h("td", { class: "detail hide-narrow", text: Object.keys(entry.detail).length ? JSON.stringify(entry.detail) : "" }),
            ),
          )
        : h("tr", {}, h("td", { colspan: 5, class: "empty", text: "No entries match." })),
    );
  } catch (error) {
    fill(rows, h("tr", {}, h("td", { colspan: 5, class: "empty", text: explain(error) })));
  }
}

async function start() {
  if (!session) return;
  try {
    const [page, deviceList] = await Promise.all([api.get("/people?limit=500&active=true"), api.get("/devices")]);
    people = page.items;
    devices = new Map(deviceList.map((d) => [d.id, d.name]));
  } catch (error) {
    toast(explain(error), "error");
  }
  fill(byId("correction-person"), h("option", { value: "", text: "Choose a person" }), people.map((p) => h("option", { value: String(p.id), text: p.name })));
  byId("correction-day").value = localDay(0);
  byId("correction-form").addEventListener("submit", saveCorrection);
  byId("faces-status").addEventListener("change", loadFaces);
  await loadFaces();
  if (isAdmin(session)) {
    fill(byId("audit-actions"), KNOWN_ACTIONS.map((action) => h("option", { value: action })));
    byId("audit-filters").addEventListener("submit", loadAudit);
    await loadAudit();
  }
}

start();
