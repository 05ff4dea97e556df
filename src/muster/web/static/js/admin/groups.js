// The group a page starts on: the one looked at last in this tab, else the first group that
// has a schedule (a register of a group that never meets is empty), else the first group.

import { api } from "./session.js";

const GROUP_KEY = "muster.admin.group";

/** @returns {Promise<{groups: object[], chosen: number|null}>} */
export async function groupsWithChoice() {
  const [groups, schedules] = await Promise.all([api.get("/groups"), api.get("/schedules").catch(() => [])]);
  const remembered = Number(sessionStorage.getItem(GROUP_KEY));
  if (groups.some((group) => group.id === remembered)) return { groups, chosen: remembered };
  const meets = groups.find((group) => schedules.some((schedule) => schedule.group_id === group.id));
  return { groups, chosen: (meets || groups[0] || { id: null }).id };
}

export function rememberGroup(groupId) {
  sessionStorage.setItem(GROUP_KEY, String(groupId));
}
