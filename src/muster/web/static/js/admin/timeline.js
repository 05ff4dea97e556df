// A person's day as an inline SVG: the session as a band, its grace period, and every
// check-in and check-out as a marker, on a wall-clock axis in the session's time zone.

import { h } from "./dom.js";

const WIDTH = 420;
const HEIGHT = 96;
const PAD_X = 18;
const MIN_SPAN_MIN = 4 * 60;
const AXIS_Y = 62;

function minutesOf(hhmm) {
  const [hours, minutes] = hhmm.split(":").map(Number);
  return hours * 60 + minutes;
}

function label(minutes) {
  const wrapped = ((minutes % 1440) + 1440) % 1440;
  return `${String(Math.floor(wrapped / 60)).padStart(2, "0")}:${String(wrapped % 60).padStart(2, "0")}`;
}

/** Minutes after local midnight of `day` at which `iso` happens in `timeZone`. */
export function minutesInZone(iso, day, timeZone) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(iso));
  const part = (type) => parts.find((p) => p.type === type).value;
  const localDay = `${part("year")}-${part("month")}-${part("day")}`;
  const dayShift = Math.round((Date.parse(`${localDay}T00:00:00Z`) - Date.parse(`${day}T00:00:00Z`)) / 86400000);
  return dayShift * 1440 + Number(part("hour")) * 60 + Number(part("minute"));
}

/**
 * @param {{schedule: object|null, entry: object, events: object[]}} day
 *   schedule: {start, end, grace_period_s} (wall clock), entry: a register entry, events: EventPublic[]
 */
export function timeline({ schedule, entry, events }) {
  const zone = entry.timezone;
  const marks = events.map((event) => ({ event, at: minutesInZone(event.at, entry.day, zone) }));
  let start = schedule ? minutesOf(schedule.start) : null;
  let end = schedule ? minutesOf(schedule.end) : null;
  if (start !== null && end <= start) end += 1440; // ends the next day
  const times = [...marks.map((m) => m.at), ...(start === null ? [] : [start, end])];
  // An hour either side of the session and the events, at least MIN_SPAN_MIN wide.
  const earliest = times.length ? Math.min(...times) : 8 * 60;
  const latest = times.length ? Math.max(...times) : 17 * 60;
  const widen = Math.max(0, MIN_SPAN_MIN - (latest - earliest) - 120) / 2;
  const from = Math.floor((earliest - 60 - widen) / 60) * 60;
  const to = Math.ceil((latest + 60 + widen) / 60) * 60;
  const x = (minutes) => PAD_X + ((minutes - from) / (to - from)) * (WIDTH - 2 * PAD_X);
  const span = to - from;
  const step = span > 16 * 60 ? 240 : span > 8 * 60 ? 120 : 60;

  const ticks = [];
  for (let m = from; m <= to; m += 60) {
    ticks.push(h("line", { x1: x(m), x2: x(m), y1: AXIS_Y, y2: AXIS_Y + (m % step === 0 ? 6 : 3), class: "tick" }));
    if (m % step === 0) ticks.push(h("text", { x: x(m), y: AXIS_Y + 20, "text-anchor": "middle" }, label(m)));
  }
  const band = start === null
    ? []
    : [
        h("rect", { x: x(start), y: 18, width: x(end) - x(start), height: AXIS_Y - 18, rx: 6, class: "session" }, h("title", {}, `${schedule.name}: ${label(start)}–${label(end)}`)),
        h("rect", { x: x(start), y: 18, width: Math.max(1, x(start + schedule.grace_period_s / 60) - x(start)), height: AXIS_Y - 18, class: "grace" }, h("title", {}, `Grace period: ${Math.round(schedule.grace_period_s / 60)} min`)),
        h("text", { x: x(start) + 6, y: 32, class: "session-label" }, schedule.name),
      ];
  const markers = marks.map(({ event, at }) =>
    h(
      "g",
      { class: `marker ${event.direction}${event.voided ? " voided" : ""}`, transform: `translate(${x(at)}, ${AXIS_Y})` },
      h("line", { x1: 0, x2: 0, y1: 0, y2: -40 }),
      h("circle", { cx: 0, cy: -40, r: 6 }),
      h("title", {}, `${event.direction === "in" ? "Check-in" : "Check-out"} at ${label(at)} (${event.source})${event.voided ? ", voided" : ""}`),
    ),
  );
  return h(
    "svg",
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "img", "aria-label": `Timeline of ${entry.name} on ${entry.day}: ${marks.length} event(s)`, class: "timeline-svg" },
    band,
    h("line", { x1: PAD_X, x2: WIDTH - PAD_X, y1: AXIS_Y, y2: AXIS_Y, class: "axis" }),
    ticks,
    markers,
  );
}
