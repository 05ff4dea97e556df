// /admin/settings: groups and schedules, kiosks and pairing codes, API keys and webhooks
// (admins), and the process configuration, read-only, with where each value is set.

import { busy, byId, fill, formatPercent, h, toast } from "./dom.js";
import { api, explain, isAdmin, startPage } from "./session.js";
import { KeySettings, WebhookSettings } from "./settings-access.js";
import { DeviceSettings } from "./settings-devices.js";
import { ScheduleSettings } from "./settings-schedules.js";

const session = startPage();

const METHODS = {
  override: "fixed by configuration",
  empirical: "calibrated from the enrolled faces",
  exponential_tail: "calibrated from the enrolled faces",
  gaussian_tail: "calibrated from the enrolled faces",
  prior: "measured on a large population while few people are enrolled",
  fallback: "a strict default while few people are enrolled",
};

const GROUP_TITLES = {
  attendance: "Attendance: dedupe window, check-in and out",
  recognition: "Recognition: threshold and margin",
  privacy: "Privacy and retention",
  enrolment: "Enrolment photo quality",
  kiosk: "Kiosks",
  auth: "Signing in",
  reports: "Reports",
};
const OPEN_GROUPS = ["attendance", "recognition", "privacy"];

function valueText(value) {
  if (value === null) return "not set";
  if (value === true) return "on";
  if (value === false) return "off";
  return String(value);
}

async function loadConfiguration() {
  try {
    const [settings, threshold] = await Promise.all([api.get("/configuration"), api.get("/thresholds")]);
    fill(
      byId("threshold-box"),
      h(
        "div",
        { class: "cards" },
        h("div", { class: "card-stat rate" }, h("span", { class: "value", text: threshold.min_score.toFixed(3) }), h("span", { class: "label", text: `Recognition threshold, ${METHODS[threshold.method] || threshold.method}` })),
        h("div", { class: "card-stat" }, h("span", { class: "value", text: formatPercent(threshold.target_fpir) }), h("span", { class: "label", text: "Target false-accept rate per search" })),
        h("div", { class: "card-stat" }, h("span", { class: "value", text: `${threshold.people}` }), h("span", { class: "label", text: `People enrolled (${threshold.templates} faces)` })),
      ),
    );
    const groups = new Map();
    for (const setting of settings) {
      const group = setting.path.split(".")[0];
      if (!groups.has(group)) groups.set(group, []);
      groups.get(group).push(setting);
    }
    fill(
      byId("config-groups"),
      [...groups].map(([group, members]) =>
        h(
          "details",
          { class: "config-group", open: OPEN_GROUPS.includes(group) },
          h("summary", {}, h("strong", { text: GROUP_TITLES[group] || group }), h("span", { class: "muted small", text: ` ${members.length} settings` })),
          h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              { class: "data config-table" },
              h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Setting" }), h("th", { scope: "col", text: "Value" }), h("th", { scope: "col", class: "hide-narrow", text: "Meaning" }))),
              h(
                "tbody",
                {},
                members.map((setting) =>
                  h(
                    "tr",
                    {},
                    h("td", {}, h("span", { text: setting.path.split(".").slice(1).join(".") }), h("br"), h("span", { class: "muted small", text: setting.environment_variable })),
                    h("td", {}, h("strong", { text: valueText(setting.value) })),
                    h("td", { class: "hide-narrow small", text: setting.description }),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  } catch (error) {
    fill(byId("config-groups"), h("p", { class: "form-error", text: explain(error) }));
  }
}

async function purge(button) {
  try {
    const report = await busy(button, "Deleting…", () => api.post("/admin/retention/purge"));
    toast(`Deleted ${report.unknown_faces_deleted} review face(s), ${report.thumbnails_deleted} thumbnail(s), ${report.photos_deleted} photo(s) past their retention.`, "success");
  } catch (error) {
    toast(explain(error), "error");
  }
}

async function start() {
  if (!session) return;
  const admin = isAdmin(session);
  const schedules = new ScheduleSettings({ admin, onGroupsChanged: () => {} });
  const devices = new DeviceSettings({ admin });
  byId("add-group").addEventListener("click", () => schedules.openGroup());
  byId("add-schedule").addEventListener("click", () => schedules.openSchedule());
  byId("add-location").addEventListener("click", () => devices.openLocation());
  byId("add-device").addEventListener("click", () => devices.openDevice());
  const devicesLoaded = devices.load();
  const loads = [schedules.load(), devicesLoaded, loadConfiguration()];
  if (admin) {
    const keys = new KeySettings({ devices });
    const webhooks = new WebhookSettings();
    byId("add-key").addEventListener("click", () => keys.open());
    byId("add-webhook").addEventListener("click", () => webhooks.open());
    byId("purge-now").addEventListener("click", (event) => purge(event.currentTarget));
    loads.push(devicesLoaded.then(() => keys.load()), webhooks.load()); // keys name their devices
  }
  await Promise.all(loads);
}

start();
