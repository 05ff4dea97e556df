// Dialog forms for the admin pages: a modal with fields, Cancel, and a submit button whose
// handler may throw (the error is shown in the dialog, which stays open to fix it).

import { formDialog, h } from "./dom.js";
import { explain } from "./session.js";

/** Opens a modal form; `onSubmit(form)` runs on submit and closes it when it resolves. */
export function dialogForm(title, fields, submitLabel, onSubmit) {
  const error = h("p", { class: "form-error", attrs: { role: "alert" } });
  const form = h(
    "form",
    { method: "dialog", novalidate: true },
    h("h2", { text: title }),
    fields,
    error,
    h(
      "div",
      { class: "modal-actions" },
      h("button", { class: "button", type: "button", text: "Cancel", on: { click: () => dialog.close() } }),
      h("button", { class: "button primary", type: "submit", text: submitLabel }),
    ),
  );
  const dialog = formDialog(title, form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await onSubmit(form);
      dialog.close();
    } catch (problem) {
      error.textContent = explain(problem);
    }
  });
  return form;
}

/** A labelled control in a form grid cell. */
export function field(label, control) {
  return h("div", {}, h("label", { for: control.id, text: label }), control);
}
