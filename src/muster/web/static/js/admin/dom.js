// Small DOM helpers for the admin pages: building elements without innerHTML (so no text
// from the API is ever parsed as markup), toasts, a confirm dialog, and formatting.

/**
 * An element. `props`: class, text, dataset, attrs (set as attributes), on (events); any
 * other key is set as a property when the element has one (value, checked, hidden...), else
 * as an attribute (colspan, for, novalidate...).
 */
export function h(tag, props = {}, ...children) {
  const svg = ["svg", "g", "path", "line", "rect", "circle", "text", "polyline", "title"].includes(tag);
  const node = svg
    ? document.createElementNS("http://www.w3.org/2000/svg", tag)
    : document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.setAttribute("class", value);
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "attrs") {
      for (const [name, attr] of Object.entries(value)) {
        if (attr !== undefined && attr !== null && attr !== false) node.setAttribute(name, String(attr));
      }
    } else if (key === "on") {
      for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    } else if (svg || !(key in node)) node.setAttribute(key, value === true ? "" : String(value));
    else node[key] = value;
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `node`. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}

/** Shows a short message in the corner; `kind` is info, success or error. */
export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  if (!box) return;
  const item = h("div", { class: `toast ${kind}`, attrs: { role: kind === "error" ? "alert" : null } }, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 9000 : 5000);
}

/**
 * Asks a yes/no question in a modal dialog; resolves true when confirmed.
 * @param {{title: string, body: (string|Node)[], confirm: string, danger?: boolean}} options
 */
export function confirmDialog({ title, body, confirm, danger = false }) {
  return new Promise((resolve) => {
    const confirmButton = h("button", {
      class: `button ${danger ? "danger" : "primary"}`,
      type: "submit",
      value: "yes",
      text: confirm,
    });
    const dialog = h(
      "dialog",
      { class: "modal", attrs: { "aria-labelledby": "confirm-title" } },
      h(
        "form",
        { method: "dialog" },
        h("h2", { id: "confirm-title", text: title }),
        ...body.map((part) => (typeof part === "string" ? h("p", { text: part }) : part)),
        h(
          "div",
          { class: "modal-actions" },
          h("button", { class: "button", type: "submit", value: "no", text: "Cancel" }),
          confirmButton,
        ),
      ),
    );
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "yes");
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    confirmButton.focus();
  });
}

/** A modal with a form built by the caller; resolves with the dialog once shown. */
export function formDialog(title, form) {
  const dialog = h("dialog", { class: "modal wide", attrs: { "aria-label": title } }, form);
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** Sets a button busy (disabled, with a working label) while `work` runs. */
export async function busy(button, label, work) {
  const before = button.textContent;
  button.disabled = true;
  button.textContent = label;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.textContent = before;
    button.removeAttribute("aria-busy");
  }
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dateFormat = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });

export function formatTime(iso) {
  return iso ? timeFormat.format(new Date(iso)) : "—";
}

/** A wall-clock time as the register gives it (with its session's offset), e.g. 08:42. */
export function wallClock(iso) {
  if (!iso) return "—";
  const match = /T(\d\d:\d\d)/.exec(iso);
  return match ? match[1] : formatTime(iso);
}

export function formatDate(isoDay) {
  return isoDay ? dateFormat.format(new Date(`${isoDay}T12:00:00`)) : "—";
}

export function formatDateTime(iso) {
  return iso ? dateTimeFormat.format(new Date(iso)) : "—";
}

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

export function formatPercent(rate) {
  return rate === null || rate === undefined ? "—" : `${Math.round(rate * 100)}%`;
}

/** The local date as YYYY-MM-DD, `offsetDays` from today. */
export function localDay(offsetDays = 0) {
  const day = new Date();
  day.setDate(day.getDate() + offsetDays);
  const month = String(day.getMonth() + 1).padStart(2, "0");
  return `${day.getFullYear()}-${month}-${String(day.getDate()).padStart(2, "0")}`;
}

export const STATUS_LABELS = {
  present: "Present",
  late: "Late",
  absent: "Absent",
  excused: "Excused",
};

export function statusBadge(status) {
  return h("span", { class: `status status-${status}`, text: STATUS_LABELS[status] || status });
}

/** Initials for an avatar ("Ada Lovelace" → "AL"). */
export function initials(name) {
  const parts = String(name).trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0][0], parts[parts.length - 1][0]] : [parts[0] ? parts[0][0] : "?"];
  return letters.join("").toUpperCase();
}

/** A <select> of the groups, with a first "all" option when `anyLabel` is given. */
export function groupOptions(select, groups, { anyLabel = null, selected = null } = {}) {
  const options = groups.map((group) => h("option", { value: String(group.id), text: group.name }));
  fill(select, anyLabel ? h("option", { value: "", text: anyLabel }) : null, options);
  if (selected !== null && selected !== undefined) select.value = String(selected);
}

/** How a person reads an audit actor: "key:3:user:alice" is alice, "key:5:Payroll" a key. */
export function actorName(actor) {
  const user = /^key:\d+:user:(.+)$/.exec(actor);
  if (user) return user[1];
  const key = /^key:\d+:(.+)$/.exec(actor);
  if (key) return `${key[1]} (API key)`;
  return actor.replace(/^cli:/, "") + (actor.startsWith("cli:") ? " (command line)" : "");
}
