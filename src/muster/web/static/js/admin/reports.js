// /admin/reports: a group's attendance over a date range: totals, three charts (rate by day,
// arrival-time histogram, late arrivals per person), a per-person table, and the register
// as CSV or XLSX (the very rows GET /attendance/export writes).

import { busy, byId, fill, formatDate, formatDuration, formatPercent, groupOptions, h, localDay, toast, wallClock } from "./dom.js";
import { barChart, histogram, rateChart } from "./charts.js";
import { groupsWithChoice, rememberGroup } from "./groups.js";
import { api, download, explain, startPage } from "./session.js";

const session = startPage();
const form = byId("report-form");
const DEFAULT_DAYS = 28;

function params() {
  return new URLSearchParams({ group_id: form.elements.group_id.value, from: form.elements.from.value, to: form.elements.to.value });
}

function minutes(hhmm) {
  const [hours, mins] = hhmm.split(":").map(Number);
  return hours * 60 + mins;
}

function clock(total) {
  return `${String(Math.floor(total / 60) % 24).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
}

function empty(text) {
  return h("p", { class: "chart-empty", text });
}

function renderKpis(overall) {
  byId("kpi-rate").textContent = formatPercent(overall.attendance_rate);
  byId("kpi-sessions").textContent = String(overall.sessions);
  byId("kpi-late").textContent = String(overall.late);
  byId("kpi-absent").textContent = String(overall.absent);
  byId("kpi-delay").textContent = overall.mean_late_delay_s === null ? "–" : formatDuration(overall.mean_late_delay_s);
}

function renderRate(summary) {
  const points = summary.by_day.map((day) => ({
    label: new Date(`${day.day}T12:00:00`).toLocaleDateString(undefined, { day: "numeric", month: "short" }),
    value: day.summary.attendance_rate,
    title: `${formatDate(day.day)}: ${formatPercent(day.summary.attendance_rate)} (${day.summary.present + day.summary.late} of ${day.summary.sessions - day.summary.excused})`,
  }));
  fill(byId("chart-rate"), points.length ? rateChart(points, `Attendance rate by day, ${points.length} days`) : empty("No sessions in this range."));
}

function renderArrivals(entries, schedules) {
  const arrivals = entries.filter((e) => e.first_in && (e.status === "present" || e.status === "late")).map((e) => minutes(wallClock(e.first_in)));
  if (!arrivals.length) {
    fill(byId("chart-arrivals"), empty("Nobody arrived in this range."));
    return;
  }
  const starts = [...new Set(schedules.map((s) => s.start.slice(0, 5)))];
  const start = starts.length === 1 ? minutes(starts[0]) : null;
  const grace = start === null ? 0 : Math.round(schedules[0].grace_period_s / 60);
  const low = Math.min(...arrivals, start ?? Infinity);
  const high = Math.max(...arrivals, start ?? -Infinity);
  const width = high - low > 240 ? 30 : high - low > 90 ? 15 : 5;
  const first = Math.floor(low / width) * width;
  const count = Math.floor((high - first) / width) + 1;
  const bins = Array.from({ length: count }, (_, i) => ({ from: first + i * width, count: 0 }));
  for (const at of arrivals) bins[Math.floor((at - first) / width)].count += 1;
  const shown = bins.map((bin) => ({
    label: clock(bin.from),
    count: bin.count,
    late: start !== null && bin.from >= start + grace,
    title: `${clock(bin.from)}–${clock(bin.from + width)}: ${bin.count} arrival${bin.count === 1 ? "" : "s"}`,
  }));
  const marker = start === null ? null : { index: (start - first) / width, label: `start ${clock(start)}` };
  fill(byId("chart-arrivals"), histogram(shown, `Arrival times in ${width}-minute bins, ${arrivals.length} arrivals`, marker));
}

function renderLate(summary) {
  const late = summary.by_person
    .filter((p) => p.summary.late > 0)
    .sort((a, b) => b.summary.late - a.summary.late || a.name.localeCompare(b.name))
    .slice(0, 12)
    .map((p) => ({ label: p.name, value: p.summary.late, title: `${p.name}: late ${p.summary.late} time(s), ${formatDuration(p.summary.mean_late_delay_s)} on average` }));
  fill(byId("chart-late"), late.length ? barChart(late, `Late arrivals per person, ${late.length} people`) : empty("Nobody was late in this range."));
}

function renderPeople(summary) {
  fill(
    byId("by-person-rows"),
    summary.by_person.length
      ? summary.by_person.map((p) =>
          h(
            "tr",
            {},
            h("td", {}, h("a", { href: `/admin/people/${p.person_id}`, text: p.name })),
            ["present", "late", "absent", "excused"].map((k) => h("td", { class: "num", text: String(p.summary[k]) })),
            h("td", { class: "num", text: formatPercent(p.summary.attendance_rate) }),
          ),
        )
      : h("tr", {}, h("td", { colspan: 6, class: "empty", text: "Nobody on this group's register in this range." })),
  );
}

async function show(event) {
  if (event) event.preventDefault();
  const error = byId("report-error");
  error.textContent = "";
  const query = params();
  try {
    const [summary, register, schedules] = await Promise.all([
      api.get(`/attendance/summary?${query}`),
      api.get(`/attendance/entries?${query}`),
      api.get(`/schedules?group_id=${query.get("group_id")}`),
    ]);
    renderKpis(summary.overall);
    renderRate(summary);
    renderArrivals(register.entries, schedules);
    renderLate(summary);
    renderPeople(summary);
  } catch (problem) {
    error.textContent = explain(problem);
  }
}

async function exportAs(format, button) {
  const query = params();
  query.set("format", format);
  try {
    const name = await busy(button, "Preparing…", () => download(`/attendance/export?${query}`, `register.${format}`));
    toast(`Downloaded ${name}.`, "success");
  } catch (problem) {
    byId("report-error").textContent = explain(problem);
  }
}

async function start() {
  if (!session) return;
  form.elements.from.value = localDay(-(DEFAULT_DAYS - 1));
  form.elements.to.value = localDay(0);
  try {
    const { groups, chosen } = await groupsWithChoice();
    if (!groups.length) {
      byId("report-error").textContent = "No groups yet: create one under Settings.";
      return;
    }
    groupOptions(form.elements.group_id, groups, { selected: chosen });
  } catch (problem) {
    byId("report-error").textContent = explain(problem);
    return;
  }
  form.addEventListener("submit", show);
  form.elements.group_id.addEventListener("change", () => rememberGroup(form.elements.group_id.value));
  byId("export-csv").addEventListener("click", (event) => exportAs("csv", event.currentTarget));
  byId("export-xlsx").addEventListener("click", (event) => exportAs("xlsx", event.currentTarget));
  await show();
}

start();
