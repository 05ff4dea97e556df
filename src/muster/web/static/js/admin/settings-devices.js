// Settings: sites, kiosks and cameras, and pairing codes that set a kiosk up without typing
// a long key (the kiosk page trades the code for its device key, once).

import { busy, byId, fill, formDialog, formatDateTime, h, toast } from "./dom.js";
import { dialogForm, field } from "./forms.js";
import { api, explain } from "./session.js";
import { browserZone } from "./settings-schedules.js";

export class DeviceSettings {
  constructor({ admin }) {
    this.admin = admin;
    this.locations = [];
    this.devices = [];
  }

  async load() {
    try {
      [this.locations, this.devices] = await Promise.all([api.get("/locations"), api.get("/devices")]);
    } catch (error) {
      fill(byId("devices-rows"), h("tr", {}, h("td", { colspan: 5, class: "empty", text: explain(error) })));
      return;
    }
    const site = (id) => (this.locations.find((l) => l.id === id) || { name: `site ${id}` }).name;
    fill(
      byId("devices-rows"),
      this.devices.length
        ? this.devices.map((device) =>
            h(
              "tr",
              {},
              h("td", {}, h("strong", { text: device.name })),
              h("td", { text: site(device.location_id) }),
              h("td", { class: "hide-narrow", text: device.kind }),
              h("td", { class: "hide-narrow", text: device.timezone }),
              h("td", { class: "num" }, this.admin && device.kind === "kiosk" ? h("button", { class: "button small", type: "button", text: "Pairing code", attrs: { "aria-label": `Make a pairing code for ${device.name}` }, on: { click: (event) => this.pair(device, event.currentTarget) } }) : null),
            ),
          )
        : h("tr", {}, h("td", { colspan: 5, class: "empty", text: this.locations.length ? "No kiosks yet." : "No sites yet: add a site, then its kiosks." })),
    );
  }

  openLocation() {
    dialogForm(
      "Add a site",
      h(
        "div",
        { class: "form-grid" },
        field("Name", h("input", { id: "site-name", name: "name", required: true, placeholder: "e.g. Main building", attrs: { maxlength: 200, autocomplete: "off" } })),
        field("Time zone", h("input", { id: "site-zone", name: "timezone", value: browserZone, required: true, attrs: { autocomplete: "off" } })),
      ),
      "Add site",
      async (form) => {
        await api.post("/locations", { name: form.elements.name.value.trim(), timezone: form.elements.timezone.value.trim() });
        toast("Site added.", "success");
        await this.load();
      },
    );
  }

  openDevice() {
    if (!this.locations.length) {
      toast("Add a site first: every kiosk belongs to one.", "error");
      this.openLocation();
      return;
    }
    dialogForm(
      "Add a kiosk or camera",
      h(
        "div",
        { class: "form-grid" },
        field("Name", h("input", { id: "device-name", name: "name", required: true, placeholder: "e.g. Front door", attrs: { maxlength: 200, autocomplete: "off" } })),
        field("Site", h("select", { id: "device-site", name: "location_id" }, this.locations.map((l) => h("option", { value: String(l.id), text: l.name })))),
        field("Kind", h("select", { id: "device-kind", name: "kind" }, h("option", { value: "kiosk", text: "Kiosk (tablet at a door)" }), h("option", { value: "camera", text: "Fixed camera" }))),
      ),
      "Add",
      async (form) => {
        const device = await api.post("/devices", {
          name: form.elements.name.value.trim(),
          location_id: Number(form.elements.location_id.value),
          kind: form.elements.kind.value,
        });
        toast(`${device.name} added.`, "success");
        await this.load();
      },
    );
  }

  async pair(device, button) {
    try {
      const made = await busy(button, "Making…", () => api.post("/pairing-codes", { device_id: device.id, valid_minutes: 10 }));
      const close = h("button", { class: "button primary", type: "button", text: "Done" });
      const dialog = formDialog(
        "Pairing code",
        h(
          "div",
          {},
          h("h2", { text: `Pair ${device.name}` }),
          h("p", { text: "On the kiosk, open /kiosk and type this code. It works once." }),
          h("p", { class: "pair-code", attrs: { "aria-label": "Pairing code" }, text: made.code }),
          h("p", { class: "hint", text: `Valid until ${formatDateTime(made.expires_at)}.` }),
          h("div", { class: "modal-actions" }, close),
        ),
      );
      close.addEventListener("click", () => dialog.close());
    } catch (error) {
      toast(explain(error), "error");
    }
  }
}
