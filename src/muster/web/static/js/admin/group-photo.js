// /admin/group-photo: upload a class or team photo for a session; show the photo with every
// face boxed and labelled, and assign the unknown faces (review queue) in one click.

import { busy, byId, fill, h, localDay, toast } from "./dom.js";
import { api, explain, startPage } from "./session.js";

const SVG = "http://www.w3.org/2000/svg";
const KNOWN = "#15803d";
const UNKNOWN = "#b91c1c";
const session = startPage();
let people = [];

function label(face, index) {
  return face.identity ? `${index + 1}. ${face.name}` : `${index + 1}. unknown`;
}

/** The photo (a local blob: URL of the uploaded file) with a labelled box per face. */
function annotatedPhoto(photoUrl, result) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${result.width_px} ${result.height_px}`);
  svg.setAttribute("width", "100%");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `Group photo with ${result.faces.length} faces boxed`);
  const image = document.createElementNS(SVG, "image");
  image.setAttribute("href", photoUrl);
  image.setAttribute("width", String(result.width_px));
  image.setAttribute("height", String(result.height_px));
  svg.append(image);
  const stroke = Math.max(2, Math.round(result.width_px / 400));
  const fontPx = Math.max(12, Math.round(result.width_px / 60));
  result.faces.forEach((face, index) => {
    const colour = face.identity ? KNOWN : UNKNOWN;
    const { left, top, right, bottom } = face.box;
    svg.append(
      h("rect", { x: left, y: top, width: right - left, height: bottom - top, fill: "none", stroke: colour, "stroke-width": stroke }),
      h("text", { x: left, y: Math.max(fontPx, top - stroke * 2), fill: colour, stroke: "#ffffff", "stroke-width": stroke / 2, "paint-order": "stroke", "font-size": fontPx, "font-weight": "bold", text: label(face, index) }),
    );
  });
  return svg;
}

function attendanceCell(face) {
  if (face.identity) {
    return h("td", { text: face.recorded ? "Marked present" : "Already marked present" });
  }
  if (face.review_item_id === null) {
    return h("td", { class: "muted", text: face.quality_issue || "Not clear enough to review" });
  }
  const picker = h(
    "select",
    { attrs: { "aria-label": "Who is this?" } },
    h("option", { value: "", text: "Who is this?" }),
    people.map((p) => h("option", { value: String(p.id), text: p.name })),
  );
  const assign = h("button", { class: "button primary small", type: "button", text: "Assign" });
  const cell = h("td", {}, picker, " ", assign);
  assign.addEventListener("click", async () => {
    if (!picker.value) {
      picker.focus();
      toast("Choose who it is first.", "error");
      return;
    }
    try {
      const outcome = await busy(assign, "Assigning…", () => api.post(`/review/unknown-faces/${face.review_item_id}/assign`, { person_id: Number(picker.value) }));
      const name = picker.selectedOptions[0].textContent;
      fill(cell, outcome.templating.templated ? `Assigned to ${name}; upload the photo again to mark them present.` : `Assigned to ${name}. ${outcome.templating.message}.`);
    } catch (error) {
      toast(explain(error), "error");
    }
  });
  return cell;
}

function showResult(photoUrl, result) {
  byId("group-photo-result").hidden = false;
  byId("group-photo-summary").textContent = `${result.recognised} named, ${result.unknown} unknown, ${result.events_recorded} newly marked present`;
  fill(byId("group-photo-figure"), annotatedPhoto(photoUrl, result), h("figcaption", { class: "small muted", text: `${result.schedule_name}, ${result.day}` }));
  fill(
    byId("group-photo-faces"),
    result.faces.map((face, index) => h(
      "tr",
      {},
      h("td", { text: String(index + 1) }),
      h("td", { text: face.name }),
      h("td", { text: face.similarity === null ? "–" : face.similarity.toFixed(3) }),
      attendanceCell(face),
    )),
  );
}

async function loadChoices() {
  const [schedules, page] = await Promise.all([api.get("/schedules"), api.get("/people?limit=500&active=true")]);
  people = page.items;
  fill(byId("group-photo-schedule"), schedules.map((s) => h("option", { value: String(s.id), text: s.name })));
}

if (session) {
  byId("group-photo-day").value = localDay();
  const form = byId("group-photo-form");
  let photoUrl = null;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    byId("group-photo-error").textContent = "";
    const file = byId("group-photo-file").files[0];
    if (!file || !form.elements.schedule_id.value) {
      byId("group-photo-error").textContent = "Choose a session and a photo.";
      return;
    }
    const body = new FormData();
    body.append("schedule_id", form.elements.schedule_id.value);
    if (form.elements.day.value) body.append("day", form.elements.day.value);
    body.append("image", file);
    try {
      const result = await busy(form.querySelector("button[type=submit]"), "Recognising…", () => api.postForm("/group-photos", body, { timeout: 120000 }));
      if (photoUrl) URL.revokeObjectURL(photoUrl);
      photoUrl = URL.createObjectURL(file);
      showResult(photoUrl, result);
    } catch (error) {
      byId("group-photo-error").textContent = explain(error);
    }
  });
  loadChoices().catch((error) => toast(explain(error), "error"));
}
