// /admin/people: the roster with search, group and status filters, and "Add a person".

import { byId, fill, formDialog, groupOptions, h, initials, toast } from "./dom.js";
import { consentFields, personFields, personValues } from "./person-form.js";
import { api, explain, isAdmin, startPage } from "./session.js";

const PAGE_SIZE = 50;
const session = startPage();
const rows = byId("people-rows");
const filters = byId("people-filters");
let groups = [];
let offset = 0;
let searchTimer = null;

function groupNames(ids) {
  const names = ids.map((id) => (groups.find((group) => group.id === id) || { name: `#${id}` }).name);
  return names.length ? names.join(", ") : "—";
}

function personRow(person) {
  const link = h("a", { href: `/admin/people/${person.id}`, text: person.name });
  return h(
    "tr",
    { class: "clickable", on: { click: (event) => { if (event.target !== link) link.click(); } } },
    h("td", {}, h("div", { class: "person-cell" }, h("span", { class: "avatar", attrs: { "aria-hidden": "true" }, text: initials(person.name) }), link)),
    h("td", { class: "hide-narrow muted", text: person.external_id || "—" }),
    h("td", { text: groupNames(person.group_ids) }),
    h(
      "td",
      {},
      person.consent
        ? h("span", { class: "badge-soft ok", text: "Recorded" })
        : h("span", { class: "badge-soft warn", text: "Missing" }),
    ),
    h("td", { class: "hide-narrow" }, h("span", { class: `badge-soft${person.active ? "" : " bad"}`, text: person.active ? "Active" : "Inactive" })),
  );
}

async function load() {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset) });
  const q = filters.elements.q.value.trim();
  if (q) params.set("q", q);
  if (filters.elements.group_id.value) params.set("group_id", filters.elements.group_id.value);
  if (filters.elements.active.value) params.set("active", filters.elements.active.value);
  try {
    const page = await api.get(`/people?${params}`);
    fill(
      rows,
      page.items.length
        ? page.items.map(personRow)
        : h("tr", {}, h("td", { colspan: 5, class: "empty", text: q ? `Nobody matches “${q}”.` : "No people yet." })),
    );
    const shown = page.items.length ? `${offset + 1}–${offset + page.items.length}` : "0";
    byId("people-count").textContent = `${page.total} ${page.total === 1 ? "person" : "people"}`;
    byId("people-page").textContent = `Showing ${shown} of ${page.total}`;
    byId("people-prev").disabled = offset === 0;
    byId("people-next").disabled = offset + page.items.length >= page.total;
  } catch (error) {
    fill(rows, h("tr", {}, h("td", { colspan: 5, class: "empty", text: explain(error) })));
  }
}

function openAddDialog() {
  const error = h("p", { class: "form-error", attrs: { role: "alert" } });
  const form = h(
    "form",
    { method: "dialog", novalidate: true },
    h("h2", { text: "Add a person" }),
    personFields(groups),
    h(
      "fieldset",
      {},
      h("legend", { text: "Consent to face recognition" }),
      h("p", { class: "hint small", text: "Photos can only be enrolled once consent is recorded. You can also record it later." }),
      consentFields("new-consent", { optional: true }),
    ),
    error,
    h(
      "div",
      { class: "modal-actions" },
      h("button", { class: "button", type: "button", text: "Cancel", on: { click: () => dialog.close() } }),
      h("button", { class: "button primary", type: "submit", text: "Add and enrol photos" }),
    ),
  );
  const dialog = formDialog("Add a person", form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = personValues(form);
    if (!body.name) {
      error.textContent = "Enter the person's name.";
      form.elements.name.focus();
      return;
    }
    if (form.elements.consent_given.checked) {
      body.consent = { method: form.elements.consent_method.value, note: form.elements.consent_note.value.trim() };
    }
    try {
      const person = await api.post("/people", body);
      dialog.close();
      location.assign(`/admin/people/${person.id}?added=1`);
    } catch (problem) {
      error.textContent = explain(problem);
    }
  });
}

async function start() {
  if (!session) return;
  const addButton = byId("add-person");
  if (isAdmin(session)) addButton.addEventListener("click", openAddDialog);
  else addButton.hidden = true;
  try {
    groups = await api.get("/groups");
    groupOptions(filters.elements.group_id, groups, { anyLabel: "All groups" });
  } catch (error) {
    toast(explain(error), "error");
  }
  filters.addEventListener("submit", (event) => event.preventDefault());
  filters.addEventListener("input", (event) => {
    offset = 0;
    clearTimeout(searchTimer);
    searchTimer = setTimeout(load, event.target.name === "q" ? 250 : 0);
  });
  byId("people-prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE_SIZE); load(); });
  byId("people-next").addEventListener("click", () => { offset += PAGE_SIZE; load(); });
  await load();
}

start();
