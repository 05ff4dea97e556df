// /admin/register: a group's register for one day, refreshed every few seconds while it is
// today's, with counts per status and a per-person timeline with corrections.

import { byId, fill, formatDuration, groupOptions, h, localDay, statusBadge, toast, wallClock } from "./dom.js";
import { groupsWithChoice, rememberGroup } from "./groups.js";
import { api, explain, startPage } from "./session.js";
import { timeline } from "./timeline.js";

const REFRESH_MS = 5000;
const session = startPage();
const controls = byId("register-controls");
let schedules = [];
let entries = [];
let selected = null; // {person_id, schedule_id}
let timer = null;

function isToday() {
  return controls.elements.day.value === localDay(0);
}

function setStatus(text, live) {
  fill(byId("register-status"), h("span", { class: `live-dot${live ? "" : " paused"}`, attrs: { "aria-hidden": "true" } }), text);
}

function renderCounts() {
  const count = (status) => entries.filter((entry) => entry.status === status).length;
  for (const status of ["present", "late", "absent", "excused"]) byId(`count-${status}`).textContent = String(count(status));
  const expected = entries.length - count("excused");
  byId("count-rate").textContent = expected ? `${Math.round(((count("present") + count("late")) / expected) * 100)}%` : "–";
}

function isSelected(entry) {
  return selected && selected.person_id === entry.person_id && selected.schedule_id === entry.schedule_id;
}

function row(entry) {
  const open = () => select(entry);
  return h(
    "tr",
    { class: "clickable", attrs: { "aria-selected": isSelected(entry) ? "true" : "false" }, dataset: { personId: entry.person_id }, on: { click: open } },
    h("td", {}, h("button", { class: "link-button", type: "button", text: entry.name, on: { click: (event) => { event.stopPropagation(); open(); } } })),
    h("td", { class: "hide-narrow muted", text: entry.schedule_name }),
    h("td", {}, statusBadge(entry.status), entry.correction ? h("span", { class: "muted small", text: " corrected" }) : null),
    h("td", { class: "num", text: wallClock(entry.first_in) }),
    h("td", { class: "num", text: wallClock(entry.last_out) }),
    h("td", { class: "num hide-narrow", text: entry.arrival_delay_s > 0 && entry.status === "late" ? formatDuration(entry.arrival_delay_s) : "—" }),
  );
}

async function load({ quiet = false } = {}) {
  const groupId = controls.elements.group_id.value;
  const day = controls.elements.day.value;
  if (!groupId || !day) return;
  try {
    const register = await api.get(`/attendance/register?group_id=${groupId}&day=${day}`);
    entries = register.entries;
    renderCounts();
    const groupName = controls.elements.group_id.selectedOptions[0].textContent;
    fill(
      byId("register-rows"),
      entries.length
        ? entries.map(row)
        : h("tr", {}, h("td", { colspan: 6, class: "empty", text: `${groupName} has no session on this day, so nobody is expected. Schedules are set under Settings.` })),
    );
    const now = new Date().toLocaleTimeString();
    setStatus(isToday() ? `Live · updated ${now} · refreshes every ${REFRESH_MS / 1000} s` : `Register of ${day}`, isToday());
    if (selected && entries.some(isSelected)) await showPerson(entries.find(isSelected));
  } catch (error) {
    if (!quiet) fill(byId("register-rows"), h("tr", {}, h("td", { colspan: 6, class: "empty", text: explain(error) })));
    setStatus(`Not updated: ${explain(error)}`, false);
  }
}

function schedulePolling() {
  clearInterval(timer);
  timer = null;
  if (isToday()) {
    timer = setInterval(() => {
      if (document.visibilityState === "visible") load({ quiet: true });
    }, REFRESH_MS);
  }
}

async function select(entry) {
  selected = { person_id: entry.person_id, schedule_id: entry.schedule_id };
  for (const tr of byId("register-rows").children) {
    tr.setAttribute("aria-selected", tr.dataset.personId === String(entry.person_id) ? "true" : "false");
  }
  await showPerson(entry);
  // On a narrow screen the timeline sits below the register: bring it into view.
  if (window.matchMedia("(max-width: 1099px)").matches) {
    byId("person-panel").scrollIntoView({ behavior: "smooth", block: "start" });
  }
}

async function showPerson(entry) {
  const body = byId("timeline-body");
  let history;
  try {
    history = await api.get(`/attendance/people/${entry.person_id}?from=${entry.day}&to=${entry.day}`);
  } catch (error) {
    fill(body, h("p", { class: "form-error", text: explain(error) }));
    return;
  }
  const schedule = schedules.find((s) => s.id === entry.schedule_id) || null;
  const events = history.events;
  fill(
    body,
    h("div", { class: "panel-head" }, h("h3", {}, h("a", { href: `/admin/people/${entry.person_id}`, text: entry.name })), statusBadge(entry.status)),
    h("div", { class: "timeline" }, timeline({ schedule, entry, events })),
    h(
      "ul",
      { class: "legend" },
      h("li", {}, h("span", { class: "swatch in" }), "Check-in"),
      h("li", {}, h("span", { class: "swatch out" }), "Check-out"),
      h("li", {}, h("span", { class: "swatch session" }), "Session"),
      h("li", {}, h("span", { class: "swatch grace" }), "Grace period"),
    ),
    events.length
      ? h(
          "ul",
          { class: "events" },
          events.map((event) =>
            h(
              "li",
              { class: event.voided ? "voided" : "" },
              h("span", { class: `dir dir-${event.direction}`, text: event.direction }),
              new Date(event.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }),
              h("span", { class: "muted", text: `${event.source}${event.voided ? " · voided" : ""}` }),
            ),
          ),
        )
      : h("p", { class: "hint", text: "No check-in or check-out this day." }),
    history.corrections.length
      ? h(
          "div",
          {},
          h("h3", { text: "Corrections" }),
          h("ul", { class: "events" }, history.corrections.map((c) => h("li", {}, c.status ? statusBadge(c.status) : h("span", { class: "dir dir-in", text: c.event_change || "" }), h("span", { text: c.reason }), h("span", { class: "muted small", text: c.actor })))),
        )
      : null,
    correctionForm(entry),
  );
}

function correctionForm(entry) {
  const error = h("p", { class: "form-error", attrs: { role: "alert" } });
  const form = h(
    "form",
    { novalidate: true, class: "correction" },
    h("h3", { text: "Correct this register" }),
    h(
      "div",
      { class: "form-grid" },
      h(
        "div",
        {},
        h("label", { for: "correction-status", text: "Status" }),
        h(
          "select",
          { id: "correction-status", name: "status" },
          h("option", { value: "", text: "Keep as it is" }),
          ["present", "late", "absent", "excused"].map((s) => h("option", { value: s, text: s[0].toUpperCase() + s.slice(1) })),
        ),
      ),
      h("div", {}, h("label", { for: "correction-time", text: "Add a missed check-in at" }), h("input", { id: "correction-time", name: "time", type: "time" })),
    ),
    h("label", { for: "correction-reason", text: "Reason (kept in the audit trail)" }),
    h("input", { id: "correction-reason", name: "reason", required: true, attrs: { maxlength: 2000, autocomplete: "off" }, placeholder: "e.g. Doctor's appointment, note from parent" }),
    error,
    h("div", { class: "form-actions" }, h("button", { class: "button primary", type: "submit", text: "Save correction" })),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = form.elements.status.value;
    const time = form.elements.time.value;
    const reason = form.elements.reason.value.trim();
    if (!status && !time) {
      error.textContent = "Choose a status or a check-in time.";
      return;
    }
    if (!reason) {
      error.textContent = "Give a reason: it is kept with the correction.";
      form.elements.reason.focus();
      return;
    }
    const body = { person_id: entry.person_id, day: entry.day, schedule_id: entry.schedule_id, reason };
    if (status) body.status = status;
    if (time) body.add_event = { direction: "in", at: atWallClock(entry, time) };
    try {
      await api.post("/attendance/corrections", body);
      toast(`Register corrected for ${entry.name}.`, "success");
      await load();
    } catch (problem) {
      error.textContent = explain(problem);
    }
  });
  return form;
}

/** `hh:mm` on the entry's day in the session's zone, as an ISO instant with its offset. */
function atWallClock(entry, hhmm) {
  const reference = entry.first_in || entry.last_out;
  const offset = reference ? reference.slice(19).replace(/^\.\d+/, "") : "";
  if (offset) return `${entry.day}T${hhmm}:00${offset}`;
  return new Date(`${entry.day}T${hhmm}:00`).toISOString(); // the browser's zone as a fallback
}

async function start() {
  if (!session) return;
  controls.elements.day.value = localDay(0);
  let groups = [];
  let chosen = null;
  try {
    ({ groups, chosen } = await groupsWithChoice());
  } catch (error) {
    toast(explain(error), "error");
    return;
  }
  if (!groups.length) {
    fill(byId("register-rows"), h("tr", {}, h("td", { colspan: 6, class: "empty", text: "No groups yet. Create one and give it a schedule under Settings." })));
    setStatus("No groups yet", false);
    return;
  }
  groupOptions(controls.elements.group_id, groups, { selected: chosen });
  controls.addEventListener("submit", (event) => event.preventDefault());
  controls.addEventListener("change", async () => {
    rememberGroup(controls.elements.group_id.value);
    selected = null;
    fill(byId("timeline-body"), h("p", { class: "hint", text: "Choose a person in the register to see their day." }));
    await loadSchedules();
    await load();
    schedulePolling();
  });
  await loadSchedules();
  await load();
  schedulePolling();
}

async function loadSchedules() {
  try {
    schedules = await api.get(`/schedules?group_id=${controls.elements.group_id.value}`);
  } catch {
    schedules = [];
  }
}

start();
