// /admin/people/{id}: a person's details, consent, face enrolment (upload or webcam with
// live quality feedback), enrolled faces, recent attendance, and erasure.

import { ApiError } from "../api.js";
import {
  busy,
  byId,
  confirmDialog,
  fill,
  formatDate,
  formatDateTime,
  h,
  actorName,
  initials,
  localDay,
  statusBadge,
  toast,
  wallClock,
} from "./dom.js";
import { consentFields, personFields, personValues } from "./person-form.js";
import { api, explain, imageUrl, isAdmin, startPage } from "./session.js";
import { WebcamEnrolment, outcomeItem } from "./webcam.js";

const session = startPage();
const shortDate = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric" });
const SOURCES = { upload: "Upload", webcam: "Webcam", review: "Review", import: "Import" };
const personId = Number(document.body.dataset.personId);
let person = null;
let groups = [];
let erasureDeletesEvents = false;

function render() {
  byId("person-name").textContent = person.name;
  byId("person-avatar").textContent = initials(person.name);
  const groupNames = person.group_ids.map((id) => (groups.find((g) => g.id === id) || { name: `#${id}` }).name);
  fill(
    byId("person-meta"),
    [person.external_id ? `ID ${person.external_id}` : "No ID", groupNames.length ? groupNames.join(", ") : "No group", person.active ? "Active" : "Inactive"].join(" · "),
  );
  renderDetails();
  renderConsent();
  const consented = person.consent !== null;
  byId("consent-required").hidden = consented;
  for (const control of byId("enrol-tools").querySelectorAll("input, button")) {
    if (control.id !== "webcam-stop") control.disabled = !consented;
  }
  if (consented) byId("webcam-capture").disabled = !webcam.ready;
}

function renderDetails() {
  const fields = fill(byId("details-fields"), personFields(groups, person));
  if (!isAdmin(session)) {
    for (const control of fields.querySelectorAll("input, select")) control.disabled = true;
    fields.append(h("p", { class: "hint small", text: "Only administrators change these details." }));
  }
}

function renderConsent() {
  const body = byId("consent-body");
  if (person.consent) {
    const consent = person.consent;
    fill(
      body,
      h("div", { class: "notice-box ok" }, h("p", {}, h("strong", { text: "Consent recorded " }), `on ${formatDateTime(consent.given_at)}.`)),
      h(
        "dl",
        { class: "facts" },
        h("dt", { text: "How" }), h("dd", { text: consent.method }),
        h("dt", { text: "Recorded by" }), h("dd", { text: actorName(consent.recorded_by) }),
        consent.note ? [h("dt", { text: "Note" }), h("dd", { text: consent.note })] : null,
      ),
      h("button", { class: "button", type: "button", text: "Withdraw consent…", on: { click: withdrawConsent } }),
    );
    return;
  }
  const error = h("p", { class: "form-error", attrs: { role: "alert" } });
  const form = h(
    "form",
    { novalidate: true },
    h("div", { class: "notice-box warn" }, h("p", {}, h("strong", { text: "No consent recorded. " }), "Faces cannot be enrolled until it is.")),
    consentFields("consent"),
    error,
    h("div", { class: "form-actions" }, h("button", { class: "button primary", type: "submit", text: "Record consent" })),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      person = await api.put(`/people/${personId}/consent`, {
        method: form.elements.consent_method.value,
        note: form.elements.consent_note.value.trim(),
      });
      toast("Consent recorded. You can enrol photos now.", "success");
      fill(byId("person-notice"));
      render();
    } catch (problem) {
      error.textContent = explain(problem);
    }
  });
  fill(body, form);
}

async function withdrawConsent() {
  const sure = await confirmDialog({
    title: `Withdraw ${person.name}'s consent?`,
    body: ["Their enrolled faces (templates and thumbnails) are deleted now, and they will no longer be recognised. Their attendance history stays."],
    confirm: "Withdraw consent",
    danger: true,
  });
  if (!sure) return;
  try {
    const result = await api.delete(`/people/${personId}/consent`);
    person = result.person;
    toast(`Consent withdrawn; ${result.templates_deleted} enrolled face(s) deleted.`, "success");
    render();
    loadTemplates();
  } catch (error) {
    toast(explain(error), "error");
  }
}

async function saveDetails(event) {
  event.preventDefault();
  const error = byId("details-error");
  const body = personValues(byId("details-form"));
  if (!body.name) {
    error.textContent = "The name cannot be empty.";
    return;
  }
  try {
    person = await api.patch(`/people/${personId}`, body);
    error.textContent = "";
    toast("Saved.", "success");
    render();
  } catch (problem) {
    error.textContent = explain(problem);
  }
}

async function loadTemplates() {
  const box = byId("templates");
  try {
    const templates = await api.get(`/people/${personId}/templates`);
    byId("template-count").textContent = `${templates.length} enrolled`;
    byId("template-count").className = `badge-soft ${templates.length ? "ok" : "warn"}`;
    if (!templates.length) {
      fill(box, h("p", { class: "hint", text: "No faces enrolled yet: this person cannot be recognised." }));
      return;
    }
    fill(box, templates.map(templateCard));
  } catch (error) {
    fill(box, h("p", { class: "form-error", text: explain(error) }));
  }
}

function templateCard(template) {
  let image;
  if (template.thumbnail_url) {
    image = h("img", { alt: `Enrolled face ${template.id} of ${person.name}`, attrs: { width: 120, height: 120 } });
    imageUrl(template.thumbnail_url).then((url) => { image.src = url; }).catch(() => {});
  } else {
    image = h("div", { class: "placeholder", attrs: { role: "img", "aria-label": `Enrolled face ${template.id} (no thumbnail kept)` }, text: initials(person.name) });
  }
  const remove = isAdmin(session)
    ? h("button", {
        class: "button small subtle",
        type: "button",
        text: "Delete",
        attrs: { "aria-label": `Delete enrolled face ${template.id}` },
        on: { click: () => deleteTemplate(template) },
      })
    : null;
  return h(
    "figure",
    { class: "thumb" },
    image,
    h("figcaption", { class: "meta" }, h("span", { text: `${SOURCES[template.source] || template.source}, ${shortDate.format(new Date(template.created_at))}` }), remove),
  );
}

async function deleteTemplate(template) {
  const sure = await confirmDialog({
    title: "Delete this enrolled face?",
    body: ["The face is removed from recognition now. The person's other faces stay."],
    confirm: "Delete",
    danger: true,
  });
  if (!sure) return;
  try {
    await api.delete(`/templates/${template.id}`);
    toast("Enrolled face deleted.", "success");
    loadTemplates();
  } catch (error) {
    toast(explain(error), "error");
  }
}

/** Sends photos for enrolment; shows each photo's outcome in `list`. */
async function enrol(files, source, list) {
  const form = new FormData();
  for (const [name, blob] of files) form.append("photos", blob, name);
  form.append("source", source);
  let result;
  try {
    result = await api.postForm(`/people/${personId}/templates`, form, { timeout: 120000 });
  } catch (error) {
    if (error instanceof ApiError && error.code === "photos_refused" && error.error && error.error.enrolment) {
      result = error.error.enrolment;
    } else {
      fill(list, h("li", { class: "bad", text: explain(error) }));
      return null;
    }
  }
  fill(list, result.photos.map((photo) => outcomeItem(photo, photo.filename || `Photo ${photo.index + 1}`)));
  if (result.accepted) {
    toast(`${result.accepted} face${result.accepted === 1 ? "" : "s"} enrolled for ${person.name}.`, "success");
    loadTemplates();
  }
  return result;
}

async function uploadPhotos(event) {
  event.preventDefault();
  const input = byId("upload-photos");
  const list = byId("upload-outcomes");
  if (!input.files.length) {
    fill(list, h("li", { class: "bad", text: "Choose one or more photos first." }));
    input.focus();
    return;
  }
  const files = [...input.files].map((file) => [file.name, file]);
  const result = await busy(byId("upload-submit"), "Enrolling…", () => enrol(files, "upload", list));
  if (result && result.accepted) input.value = "";
}

const webcam = new WebcamEnrolment({
  video: byId("webcam"),
  overlay: byId("webcam-overlay"),
  feedback: byId("webcam-feedback"),
  capture: byId("webcam-capture"),
});

async function startWebcam() {
  byId("camera").hidden = false;
  byId("webcam-start").hidden = true;
  byId("webcam-stop").hidden = false;
  if (!(await webcam.start())) stopWebcam(false);
}

function stopWebcam(clear = true) {
  if (clear) webcam.stop();
  byId("camera").hidden = true;
  byId("webcam-start").hidden = false;
  byId("webcam-stop").hidden = true;
}

async function takePhoto() {
  const blob = await webcam.grab();
  if (!blob) return;
  await busy(byId("webcam-capture"), "Enrolling…", () => enrol([["webcam.jpg", blob]], "webcam", byId("webcam-outcomes")));
  byId("webcam-capture").disabled = !webcam.ready;
}

async function loadHistory() {
  const rows = byId("history-rows");
  try {
    const history = await api.get(`/attendance/people/${personId}?from=${localDay(-13)}&to=${localDay(0)}`);
    const entries = [...history.entries].reverse();
    fill(
      rows,
      entries.length
        ? entries.map((entry) =>
            h(
              "tr",
              {},
              h("td", { text: formatDate(entry.day) }),
              h("td", { text: entry.schedule_name }),
              h("td", {}, statusBadge(entry.status)),
              h("td", { text: wallClock(entry.first_in) }),
              h("td", { text: wallClock(entry.last_out) }),
            ),
          )
        : h("tr", {}, h("td", { colspan: 5, class: "empty", text: "No scheduled sessions in the last 14 days." })),
    );
  } catch (error) {
    fill(rows, h("tr", {}, h("td", { colspan: 5, class: "empty", text: explain(error) })));
  }
}

async function erasePerson() {
  const events = erasureDeletesEvents
    ? "Their attendance events and corrections are deleted too, so past registers no longer count them."
    : "Their attendance events stay in past registers under an anonymous “(erased)” entry, so totals do not change.";
  const sure = await confirmDialog({
    title: `Erase ${person.name}?`,
    body: [
      "This erases, now and for good:",
      h(
        "ul",
        {},
        h("li", { text: "every enrolled face (templates and thumbnails) and any stored photos" }),
        h("li", { text: "faces of them waiting in the review queue" }),
        h("li", { text: "their name, ID, email, groups and consent record" }),
      ),
      events,
      "This cannot be undone.",
    ],
    confirm: "Erase for good",
    danger: true,
  });
  if (!sure) return;
  try {
    const report = await api.delete(`/people/${personId}`);
    toast(`Erased: ${report.templates_deleted} face(s), ${report.unknown_faces_deleted} review item(s).`, "success");
    location.assign("/admin/people?erased=1");
  } catch (error) {
    toast(explain(error), "error");
  }
}

async function start() {
  if (!session) return;
  try {
    [person, groups] = await Promise.all([api.get(`/people/${personId}`), api.get("/groups")]);
  } catch (error) {
    byId("person-name").textContent = "Not found";
    fill(byId("person-notice"), h("div", { class: "notice-box bad" }, h("p", { text: explain(error) })));
    return;
  }
  render();
  if (new URLSearchParams(location.search).has("added")) {
    fill(
      byId("person-notice"),
      h("div", { class: "notice-box ok", attrs: { role: "status" } }, h("p", { text: `${person.name} was added. ${person.consent ? "Enrol their face below." : "Record their consent, then enrol their face."}` })),
    );
  }
  byId("details-form").addEventListener("submit", saveDetails);
  byId("upload-form").addEventListener("submit", uploadPhotos);
  byId("webcam-start").addEventListener("click", startWebcam);
  byId("webcam-stop").addEventListener("click", () => stopWebcam());
  byId("webcam-capture").addEventListener("click", takePhoto);
  byId("erase-person").addEventListener("click", erasePerson);
  window.addEventListener("pagehide", () => webcam.stop());
  loadTemplates();
  loadHistory();
  api
    .get("/configuration")
    .then((settings) => {
      const setting = settings.find((s) => s.path === "privacy.erasure_deletes_events");
      erasureDeletesEvents = Boolean(setting && setting.value);
    })
    .catch(() => {});
}

start();
