// Settings for admins: API keys (the token is shown once) and webhooks (the signing secret
// is shown once). Operators see a note instead; the API refuses them these routes anyway.

import { byId, confirmDialog, fill, formDialog, formatDateTime, h, toast } from "./dom.js";
import { dialogForm, field } from "./forms.js";
import { api, explain } from "./session.js";

/** Shows a secret once, with a copy button. */
function showOnce(title, label, secret, note) {
  const copy = h("button", { class: "button", type: "button", text: "Copy" });
  const done = h("button", { class: "button primary", type: "button", text: "I have stored it" });
  const dialog = formDialog(
    title,
    h(
      "div",
      {},
      h("h2", { text: title }),
      h("p", { text: note }),
      h("p", { class: "key-token", attrs: { "aria-label": label }, text: secret }),
      h("div", { class: "modal-actions" }, copy, done),
    ),
  );
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(secret);
      copy.textContent = "Copied";
    } catch {
      copy.textContent = "Select and copy it";
    }
  });
  done.addEventListener("click", () => dialog.close());
}

export class KeySettings {
  constructor({ devices }) {
    this.devices = devices; // a DeviceSettings, for device keys
  }

  deviceName(id) {
    return (this.devices.devices.find((d) => d.id === id) || { name: `device ${id}` }).name;
  }

  async load() {
    const rows = byId("keys-rows");
    try {
      const all = await api.get("/keys");
      // Sign-in sessions end on their own; listing them with the lasting keys would bury those.
      const keys = all.filter((key) => key.expires_at === null);
      const sessions = all.filter((key) => key.expires_at !== null);
      fill(
        byId("sessions-box"),
        sessions.length
          ? h(
              "details",
              { class: "config-group" },
              h("summary", {}, h("strong", { text: `Signed-in sessions (${sessions.length})` }), h("span", { class: "muted small", text: " end on their own, or revoke one to sign it out" })),
              h("ul", { class: "plain-list" }, sessions.map((key) => h("li", {}, h("span", { class: "what" }, h("strong", { text: key.name.replace(/^user:/, "") }), h("span", { class: "small muted", text: `${key.role} · signed in ${formatDateTime(key.created_at)} · until ${formatDateTime(key.expires_at)}` })), h("button", { class: "button small subtle", type: "button", text: "Sign out", attrs: { "aria-label": `Sign out session ${key.id}` }, on: { click: () => this.revoke(key) } })))),
            )
          : null,
      );
      fill(
        rows,
        keys.length
          ? keys.map((key) =>
              h(
                "tr",
                {},
                h("td", {}, h("strong", { text: key.name })),
                h("td", { text: key.role }),
                h("td", { class: "hide-narrow" }, h("code", { text: `msk_${key.prefix}_…` })),
                h("td", { class: "hide-narrow", text: formatDateTime(key.created_at) }),
                h("td", { class: key.device_id ? "" : "muted", text: key.device_id ? this.deviceName(key.device_id) : "—" }),
                h("td", { class: "num" }, h("button", { class: "button small subtle", type: "button", text: "Revoke", attrs: { "aria-label": `Revoke key ${key.name}` }, on: { click: () => this.revoke(key) } })),
              ),
            )
          : h("tr", {}, h("td", { colspan: 6, class: "empty", text: "No keys." })),
      );
    } catch (error) {
      fill(rows, h("tr", {}, h("td", { colspan: 6, class: "empty", text: explain(error) })));
    }
  }

  open() {
    const deviceSelect = h("select", { id: "key-device", name: "device_id", disabled: true }, this.devices.devices.map((d) => h("option", { value: String(d.id), text: d.name })));
    const role = h(
      "select",
      { id: "key-role", name: "role" },
      h("option", { value: "operator", text: "Operator: people, registers, reports, review" }),
      h("option", { value: "admin", text: "Admin: everything, settings included" }),
      h("option", { value: "device", text: "Device: check-ins as one kiosk or camera" }),
    );
    role.addEventListener("change", () => { deviceSelect.disabled = role.value !== "device"; });
    dialogForm(
      "Create an API key",
      h("div", { class: "form-grid" }, field("Who or what holds it", h("input", { id: "key-name", name: "name", required: true, placeholder: "e.g. Payroll export", attrs: { maxlength: 200, autocomplete: "off" } })), field("Role", role), field("Device (device keys only)", deviceSelect)),
      "Create key",
      async (form) => {
        const body = { name: form.elements.name.value.trim(), role: role.value };
        if (role.value === "device") body.device_id = Number(deviceSelect.value);
        const made = await api.post("/keys", body);
        await this.load();
        setTimeout(() => showOnce("Your new API key", "API key", made.token, "Copy it now and keep it safe: Muster stores only a hash and cannot show it again."), 0);
      },
    );
  }

  async revoke(key) {
    const sure = await confirmDialog({
      title: `Revoke ${key.name}?`,
      body: ["Anything using this key is refused from now on. This cannot be undone."],
      confirm: "Revoke key",
      danger: true,
    });
    if (!sure) return;
    try {
      await api.post(`/keys/${key.id}/revoke`);
      toast(`Key ${key.name} revoked.`, "success");
      await this.load();
    } catch (error) {
      toast(explain(error), "error");
    }
  }
}

export class WebhookSettings {
  async load() {
    const list = byId("webhooks-list");
    try {
      const hooks = await api.get("/webhooks");
      fill(
        list,
        hooks.length
          ? hooks.map((hook) =>
              h(
                "li",
                {},
                h("span", { class: "what" }, h("strong", { text: hook.url }), h("span", { class: "small muted", text: `${hook.events.join(", ")} · ${hook.active ? "active" : "paused"}` })),
                h(
                  "span",
                  { class: "actions" },
                  h("button", { class: "button small", type: "button", text: hook.active ? "Pause" : "Resume", on: { click: () => this.toggle(hook) } }),
                  h("button", { class: "button small subtle", type: "button", text: "Delete", attrs: { "aria-label": `Delete webhook ${hook.url}` }, on: { click: () => this.remove(hook) } }),
                ),
              ),
            )
          : h("li", { class: "hint", text: "No webhooks." }),
      );
    } catch (error) {
      fill(list, h("li", { class: "form-error", text: explain(error) }));
    }
  }

  open() {
    dialogForm(
      "Add a webhook",
      [
        field("Address (an http or https URL, pasted from the receiving system)", h("input", { id: "webhook-url", name: "url", type: "url", required: true, attrs: { maxlength: 2000, autocomplete: "off" } })),
        h("label", { class: "checkbox" }, h("input", { type: "checkbox", name: "events", value: "attendance.created", checked: true }), "Each check-in and check-out (attendance.created)"),
      ],
      "Add webhook",
      async (form) => {
        const events = [...form.querySelectorAll('input[name="events"]:checked')].map((box) => box.value);
        const made = await api.post("/webhooks", { url: form.elements.url.value.trim(), events });
        await this.load();
        setTimeout(() => showOnce("Webhook signing secret", "Signing secret", made.secret, "The receiver checks each delivery's X-Muster-Signature with this secret. Copy it now: it is not shown again."), 0);
      },
    );
  }

  async toggle(hook) {
    try {
      await api.patch(`/webhooks/${hook.id}`, { active: !hook.active });
      await this.load();
    } catch (error) {
      toast(explain(error), "error");
    }
  }

  async remove(hook) {
    const sure = await confirmDialog({ title: "Delete this webhook?", body: [`Muster stops sending check-ins to ${hook.url}.`], confirm: "Delete webhook", danger: true });
    if (!sure) return;
    try {
      await api.delete(`/webhooks/${hook.id}`);
      toast("Webhook deleted.", "success");
      await this.load();
    } catch (error) {
      toast(explain(error), "error");
    }
  }
}
