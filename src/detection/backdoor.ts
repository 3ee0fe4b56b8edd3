/**
 * LOG-8 / AGT-7: judging the agent's account inventory. Pure: the inventory comes in, reasons
 * and differences go out. "Logon with a backdoor account" = a successful logon whose user has
 * a non-empty backdoorReasons().
 */
import type { InventoryAccount } from "../protocol/index.ts";

/** Why an account looks like a backdoor, in words an operator can act on; empty = it does not. */
export function backdoorReasons(a: InventoryAccount, all: InventoryAccount[]): string[] {
  const reasons: string[] = [];
  if (a.uid === 0 && a.name !== "root") {
    reasons.push(`"${a.name}" has uid 0 (superuser) but is not root`);
    if (all.some((o) => o !== a && o.name === "root" && o.uid === 0)) reasons.push(`"${a.name}" shares uid 0 with root: a second name for the superuser`);
  }
  const usablePassword = a.password === "set" || a.password === "empty";
  if (a.systemAccount && a.packaged !== true && a.interactiveShell && (a.keys.length > 0 || usablePassword)) {
    const how = [
      a.keys.length > 0 ? `${a.keys.length} authorized key${a.keys.length === 1 ? "" : "s"}` : null,
      usablePassword ? (a.password === "empty" ? "an empty password" : "a password") : null,
    ].filter(Boolean).join(" and ");
    reasons.push(`system account "${a.name}" (uid ${a.uid}) not known to come from a package has a logon shell (${a.shell || "/bin/sh"}) and ${how}`);
  }
  if (a.password === "empty" && a.interactiveShell) reasons.push(`"${a.name}" has an empty password and a logon shell: anyone can log on`);
  return reasons;
}

export interface InventoryDiff {
  added: string[];
  removed: string[];
  keysAdded: { user: string; fingerprint: string }[];
  uidChanged: string[];
}

/**
 * What changed between two inventories of one host. With no previous inventory (prev null)
 * nothing is reported: the first inventory is the baseline, not a flood of "added".
 * keysAdded holds every (user, fingerprint) pair new in `next`, keys of added accounts included.
 */
export function inventoryDiff(prev: InventoryAccount[] | null, next: InventoryAccount[]): InventoryDiff {
  const diff: InventoryDiff = { added: [], removed: [], keysAdded: [], uidChanged: [] };
  if (prev === null) return diff;
  const byName = (list: InventoryAccount[]) => {
    const m = new Map<string, InventoryAccount>();
    for (const a of list) if (!m.has(a.name)) m.set(a.name, a);
    return m;
  };
  const before = byName(prev);
  const after = byName(next);
  for (const [name, a] of after) {
    const old = before.get(name);
    if (!old) diff.added.push(name);
    else if (old.uid !== a.uid) diff.uidChanged.push(name);
    const known = new Set(old?.keys.map((k) => k.fingerprint) ?? []);
    for (const k of a.keys) {
      if (known.has(k.fingerprint)) continue;
      known.add(k.fingerprint);
      diff.keysAdded.push({ user: name, fingerprint: k.fingerprint });
    }
  }
  for (const name of before.keys()) if (!after.has(name)) diff.removed.push(name);
  return diff;
}
