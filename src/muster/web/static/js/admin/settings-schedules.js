// Settings: groups and their weekly schedules (start, end, time zone, grace period).

import { byId, confirmDialog, fill, h, toast } from "./dom.js";
import { dialogForm, field } from "./forms.js";
import { api, explain } from "./session.js";

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const GROUP_KINDS = { class: "Class", department: "Department", team: "Team", other: "Other" };

function zones() {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC", "Europe/London", "Europe/Paris", "America/New_York", "Asia/Tokyo"];
  }
}

export const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

export class ScheduleSettings {
  constructor({ admin, onGroupsChanged }) {
    this.admin = admin;
    this.onGroupsChanged = onGroupsChanged;
    this.groups = [];
    this.schedules = [];
  }

  async load() {
    try {
      [this.groups, this.schedules] = await Promise.all([api.get("/groups"), api.get("/schedules")]);
    } catch (error) {
      fill(byId("groups-list"), h("li", { class: "form-error", text: explain(error) }));
      return;
    }
    this.renderGroups();
    this.renderSchedules();
  }

  renderGroups() {
    fill(
      byId("groups-list"),
      this.groups.length
        ? this.groups.map((group) =>
            h(
              "li",
              {},
              h("span", { class: "what" }, h("strong", { text: group.name }), h("span", { class: "small muted", text: GROUP_KINDS[group.kind] || group.kind })),
              this.admin ? h("span", { class: "actions" }, h("button", { class: "button small subtle", type: "button", text: "Delete", attrs: { "aria-label": `Delete group ${group.name}` }, on: { click: () => this.deleteGroup(group) } })) : null,
            ),
          )
        : h("li", { class: "hint", text: "No groups yet." }),
    );
  }

  renderSchedules() {
    const name = (id) => (this.groups.find((g) => g.id === id) || { name: `group ${id}` }).name;
    fill(
      byId("schedules-list"),
      this.schedules.length
        ? this.schedules.map((s) =>
            h(
              "li",
              {},
              h(
                "span",
                { class: "what" },
                h("strong", { text: `${name(s.group_id)}: ${s.name}` }),
                h("span", { class: "small muted", text: `${s.weekdays.map((d) => WEEKDAYS[d]).join(" ")} · ${s.start.slice(0, 5)}–${s.end.slice(0, 5)} ${s.timezone} · ${Math.round(s.grace_period_s / 60)} min grace` }),
              ),
              this.admin
                ? h(
                    "span",
                    { class: "actions" },
                    h("button", { class: "button small", type: "button", text: "Edit", attrs: { "aria-label": `Edit schedule ${s.name}` }, on: { click: () => this.openSchedule(s) } }),
                    h("button", { class: "button small subtle", type: "button", text: "Delete", attrs: { "aria-label": `Delete schedule ${s.name}` }, on: { click: () => this.deleteSchedule(s) } }),
                  )
                : null,
            ),
          )
        : h("li", { class: "hint", text: "No schedules yet: registers stay empty until a group has one." }),
    );
  }

  openGroup() {
    dialogForm(
      "Add a group",
      h(
        "div",
        { class: "form-grid" },
        field("Name", h("input", { id: "group-name", name: "name", required: true, attrs: { maxlength: 200, autocomplete: "off" } })),
        field("Kind", h("select", { id: "group-kind", name: "kind" }, Object.entries(GROUP_KINDS).map(([value, text]) => h("option", { value, text })))),
      ),
      "Add group",
      async (form) => {
        const group = await api.post("/groups", { name: form.elements.name.value.trim(), kind: form.elements.kind.value });
        toast(`Group ${group.name} added.`, "success");
        await this.load();
        this.onGroupsChanged();
      },
    );
  }

  async deleteGroup(group) {
    const sure = await confirmDialog({
      title: `Delete the group ${group.name}?`,
      body: ["Its schedules go with it and its members leave it. The people themselves and their attendance events stay."],
      confirm: "Delete group",
      danger: true,
    });
    if (!sure) return;
    try {
      await api.delete(`/groups/${group.id}`);
      toast(`Group ${group.name} deleted.`, "success");
      await this.load();
      this.onGroupsChanged();
    } catch (error) {
      toast(explain(error), "error");
    }
  }

  openSchedule(schedule = null) {
    if (!this.groups.length) {
      toast("Add a group first: a schedule belongs to a group.", "error");
      return;
    }
    const s = schedule || { group_id: this.groups[0].id, name: "", weekdays: [0, 1, 2, 3, 4], start: "09:00", end: "15:30", timezone: browserZone, grace_period_s: 300, opens_before_s: 3600 };
    const zoneList = h("datalist", { id: "zone-list" }, zones().map((zone) => h("option", { value: zone })));
    dialogForm(
      schedule ? `Edit ${schedule.name}` : "Add a schedule",
      [
        h(
          "div",
          { class: "form-grid" },
          field("Group", h("select", { id: "schedule-group", name: "group_id" }, this.groups.map((g) => h("option", { value: String(g.id), text: g.name, selected: g.id === s.group_id })))),
          field("Name", h("input", { id: "schedule-name", name: "name", value: s.name, required: true, placeholder: "e.g. Morning registration", attrs: { maxlength: 200, autocomplete: "off" } })),
        ),
        h("fieldset", {}, h("legend", { text: "Days" }), h("div", { class: "weekdays" }, WEEKDAYS.map((day, index) => h("label", { class: "checkbox" }, h("input", { type: "checkbox", name: "weekdays", value: String(index), checked: s.weekdays.includes(index) }), day)))),
        h(
          "div",
          { class: "form-grid" },
          field("Starts", h("input", { id: "schedule-start", name: "start", type: "time", value: s.start.slice(0, 5), required: true })),
          field("Ends", h("input", { id: "schedule-end", name: "end", type: "time", value: s.end.slice(0, 5), required: true })),
          field("Time zone", h("input", { id: "schedule-zone", name: "timezone", value: s.timezone, required: true, attrs: { list: "zone-list", autocomplete: "off" } })),
          field("Grace period (minutes late still on time)", h("input", { id: "schedule-grace", name: "grace", type: "number", value: String(Math.round(s.grace_period_s / 60)), attrs: { min: 0, max: 1440 } })),
          field("Check-ins count from (minutes before start)", h("input", { id: "schedule-opens", name: "opens", type: "number", value: String(Math.round(s.opens_before_s / 60)), attrs: { min: 0, max: 1440 } })),
        ),
        zoneList,
      ],
      schedule ? "Save schedule" : "Add schedule",
      async (form) => {
        const body = {
          group_id: Number(form.elements.group_id.value),
          name: form.elements.name.value.trim(),
          weekdays: [...form.querySelectorAll('input[name="weekdays"]:checked')].map((box) => Number(box.value)),
          start: form.elements.start.value,
          end: form.elements.end.value,
          timezone: form.elements.timezone.value.trim(),
          grace_period_s: Math.round(Number(form.elements.grace.value || 0) * 60),
          opens_before_s: Math.round(Number(form.elements.opens.value || 0) * 60),
        };
        if (schedule) await api.patch(`/schedules/${schedule.id}`, body);
        else await api.post("/schedules", body);
        toast(`Schedule ${body.name} saved.`, "success");
        await this.load();
      },
    );
  }

  async deleteSchedule(schedule) {
    const sure = await confirmDialog({
      title: `Delete the schedule ${schedule.name}?`,
      body: ["Registers stop listing its sessions, past ones included. Attendance events are kept."],
      confirm: "Delete schedule",
      danger: true,
    });
    if (!sure) return;
    try {
      await api.delete(`/schedules/${schedule.id}`);
      toast("Schedule deleted.", "success");
      await this.load();
    } catch (error) {
      toast(explain(error), "error");
    }
  }
}
