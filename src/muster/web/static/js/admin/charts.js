// Charts as inline SVG, drawn here (no chart library, nothing from a CDN). Each returns an
// <svg> with role="img" and an aria-label that says what it shows, plus <title> tooltips.

import { h } from "./dom.js";

const W = 560;
const PAD = { top: 16, right: 16, bottom: 34, left: 44 };

function frame(height, label, children) {
  return h("svg", { viewBox: `0 0 ${W} ${height}`, role: "img", "aria-label": label }, children);
}

function yAxis(height, max, format, ticks = 4) {
  const plotH = height - PAD.top - PAD.bottom;
  const lines = [];
  for (let i = 0; i <= ticks; i += 1) {
    const value = (max * i) / ticks;
    const y = PAD.top + plotH - (plotH * i) / ticks;
    lines.push(
      h("g", { class: "grid" }, h("line", { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y })),
      h("text", { x: PAD.left - 8, y: y + 4, "text-anchor": "end" }, format(value)),
    );
  }
  return lines;
}

/** Every `every`-th label along the x axis, so labels never overlap. */
function xLabels(labels, xOf, height, maxLabels = 8) {
  const every = Math.max(1, Math.ceil(labels.length / maxLabels));
  return labels
    .map((label, i) => (i % every === 0 ? h("text", { x: xOf(i), y: height - PAD.bottom + 18, "text-anchor": "middle" }, label) : null))
    .filter(Boolean);
}

/**
 * A line over `points` ({label, value (0..1 or null), title}); y runs 0..1 as percentages.
 */
export function rateChart(points, label) {
  const height = 240;
  const plotW = W - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const xOf = (i) => PAD.left + (points.length === 1 ? plotW / 2 : (plotW * i) / (points.length - 1));
  const yOf = (v) => PAD.top + plotH - plotH * v;
  const known = points.map((p, i) => ({ ...p, i })).filter((p) => p.value !== null);
  const path = known.map((p, n) => `${n === 0 ? "M" : "L"}${xOf(p.i).toFixed(1)},${yOf(p.value).toFixed(1)}`).join(" ");
  return frame(height, label, [
    yAxis(height, 1, (v) => `${Math.round(v * 100)}%`),
    h("g", { class: "axis" }, h("line", { x1: PAD.left, x2: W - PAD.right, y1: PAD.top + plotH, y2: PAD.top + plotH })),
    xLabels(points.map((p) => p.label), xOf, height),
    known.length > 1 ? h("path", { d: path, class: "series" }) : null,
    known.map((p) => h("circle", { cx: xOf(p.i), cy: yOf(p.value), r: 4, class: "dot" }, h("title", {}, p.title))),
  ]);
}

/**
 * Vertical bars, one per bin ({label, count, title}); `marker` ({index, label}) draws a dashed
 * line before that bin (e.g. the session start).
 */
export function histogram(bins, label, marker = null) {
  const height = 240;
  const plotW = W - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const max = Math.max(1, ...bins.map((b) => b.count));
  const niceMax = Math.ceil(max / 4) * 4;
  const slot = plotW / Math.max(1, bins.length);
  const xOf = (i) => PAD.left + slot * i + slot / 2;
  return frame(height, label, [
    yAxis(height, niceMax, (v) => String(Math.round(v))),
    h("g", { class: "axis" }, h("line", { x1: PAD.left, x2: W - PAD.right, y1: PAD.top + plotH, y2: PAD.top + plotH })),
    bins.map((bin, i) => {
      const barH = (plotH * bin.count) / niceMax;
      return h(
        "rect",
        { x: PAD.left + slot * i + 2, y: PAD.top + plotH - barH, width: Math.max(1, slot - 4), height: barH, rx: 2, class: `bar${bin.late ? " late" : ""}` },
        h("title", {}, bin.title),
      );
    }),
    xLabels(bins.map((b) => b.label), xOf, height, 7),
    marker
      ? [
          h("line", { x1: PAD.left + slot * marker.index, x2: PAD.left + slot * marker.index, y1: PAD.top - 4, y2: PAD.top + plotH, class: "marker" }),
          h("text", { x: PAD.left + slot * marker.index + 4, y: PAD.top + 6 }, marker.label),
        ]
      : null,
  ]);
}

/** Horizontal bars ({label, value, title}), longest first as given. */
export function barChart(items, label) {
  const rowH = 26;
  const left = 150;
  const height = PAD.top + items.length * rowH + 8;
  const max = Math.max(1, ...items.map((item) => item.value));
  const plotW = W - left - PAD.right - 30;
  return frame(height, label, [
    items.map((item, i) => {
      const y = PAD.top + i * rowH;
      const width = (plotW * item.value) / max;
      const name = item.label.length > 20 ? `${item.label.slice(0, 19)}…` : item.label;
      return h(
        "g",
        {},
        h("text", { x: left - 8, y: y + rowH / 2 + 4, "text-anchor": "end" }, name),
        h("rect", { x: left, y: y + 4, width: Math.max(2, width), height: rowH - 8, rx: 3, class: "bar late" }, h("title", {}, item.title)),
        h("text", { x: left + width + 6, y: y + rowH / 2 + 4, class: "value-label" }, String(item.value)),
      );
    }),
  ]);
}
