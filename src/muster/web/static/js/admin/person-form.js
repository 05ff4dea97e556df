// The fields of a person (add and edit share them): name, ID, email, active, groups.

import { h } from "./dom.js";

/** Form controls for `person` (or a new one), with its groups ticked. */
export function personFields(groups, person = null) {
  const ticked = new Set(person ? person.group_ids : []);
  return [
    h(
      "div",
      { class: "form-grid" },
      h(
        "div",
        {},
        h("label", { attrs: { for: "person-name" }, text: "Full name" }),
        h("input", { id: "person-name", name: "name", required: true, value: person ? person.name : "", attrs: { maxlength: 200, autocomplete: "off" } }),
      ),
      h(
        "div",
        {},
        h("label", { attrs: { for: "person-external-id" }, text: "ID (student or staff number)" }),
        h("input", { id: "person-external-id", name: "external_id", value: person && person.external_id ? person.external_id : "", attrs: { maxlength: 100, autocomplete: "off" } }),
      ),
      h(
        "div",
        {},
        h("label", { attrs: { for: "person-email" }, text: "Email (optional)" }),
        h("input", { id: "person-email", name: "email", type: "email", value: person && person.email ? person.email : "", attrs: { maxlength: 320, autocomplete: "off" } }),
      ),
    ),
    h(
      "fieldset",
      {},
      h("legend", { text: "Groups" }),
      groups.length
        ? h(
            "div",
            { class: "chips" },
            groups.map((group) =>
              h(
                "label",
                { class: "checkbox" },
                h("input", { type: "checkbox", name: "group_ids", value: String(group.id), checked: ticked.has(group.id) }),
                group.name,
              ),
            ),
          )
        : h("p", { class: "hint small", text: "No groups yet: add them under Settings." }),
    ),
    h(
      "label",
      { class: "checkbox" },
      h("input", { type: "checkbox", name: "active", checked: person ? person.active : true }),
      "Active (inactive people are not recognised and not expected)",
    ),
  ];
}

/** The person fields of `form` as the API takes them. */
export function personValues(form) {
  const text = (name) => form.elements[name].value.trim();
  return {
    name: text("name"),
    external_id: text("external_id") || null,
    email: text("email") || null,
    active: form.elements.active.checked,
    group_ids: [...form.querySelectorAll('input[name="group_ids"]:checked')].map((box) => Number(box.value)),
  };
}

export const CONSENT_METHODS = ["Signed paper form", "Online form", "Verbal, witnessed", "Parent or guardian form"];

/** Controls recording consent: how it was given and a note. */
export function consentFields(prefix, { optional = false } = {}) {
  return [
    optional
      ? h(
          "label",
          { class: "checkbox" },
          h("input", { type: "checkbox", name: "consent_given", id: `${prefix}-given` }),
          "They have consented to face recognition",
        )
      : null,
    h(
      "div",
      { class: "form-grid" },
      h(
        "div",
        {},
        h("label", { attrs: { for: `${prefix}-method` }, text: "How consent was given" }),
        h(
          "select",
          { id: `${prefix}-method`, name: "consent_method" },
          CONSENT_METHODS.map((method) => h("option", { value: method, text: method })),
        ),
      ),
      h(
        "div",
        {},
        h("label", { attrs: { for: `${prefix}-note` }, text: "Note (e.g. where the form is filed)" }),
        h("input", { id: `${prefix}-note`, name: "consent_note", attrs: { maxlength: 2000, autocomplete: "off" } }),
      ),
    ),
  ];
}
