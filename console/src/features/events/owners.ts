import { api } from "../../app/api.ts";
import { useSession } from "../../app/session.tsx";
import { canAct } from "../../app/types.ts";
import { useLoad } from "../../app/ui.tsx";

export interface OwnerOption { id: string; username: string }
interface UserDto { id: string; username: string; role: string; disabledAt: string | null }

/**
 * Who can own an event (EVT-11: an enabled analyst or admin). Only an admin may list the
 * account's users, so others get themselves plus the owners the events already name.
 */
export function useOwners(seen: readonly (OwnerOption | null)[] = []): OwnerOption[] {
  const { me } = useSession();
  const admin = canAct(me?.role, "admin");
  const { data } = useLoad(() => (admin ? api<{ items: UserDto[] }>("/api/v1/users") : Promise.resolve({ items: [] as UserDto[] })), [admin]);
  const out = new Map<string, OwnerOption>();
  if (me && canAct(me.role, "analyst")) out.set(me.id, { id: me.id, username: me.username });
  for (const u of data?.items ?? []) if (!u.disabledAt && (u.role === "analyst" || u.role === "admin")) out.set(u.id, { id: u.id, username: u.username });
  for (const o of seen) if (o) out.set(o.id, o);
  return [...out.values()].sort((a, b) => a.username.localeCompare(b.username));
}
