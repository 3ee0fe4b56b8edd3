import type { SQLInputValue } from "node:sqlite";
import type { EventTask, EventTaskStore } from "../../core/index.ts";
import type { EventConn } from "./event-store.ts";

type Row = Record<string, SQLInputValue>;
const strOrNull = (v: SQLInputValue | undefined): string | null => (v === null || v === undefined ? null : String(v));
const numOrNull = (v: SQLInputValue | undefined): number | null => (v === null || v === undefined ? null : Number(v));

const toTask = (r: Row): EventTask => ({
  id: String(r.id), resolutionId: String(r.resolution_id), eventId: String(r.event_id), accountId: String(r.account_id), targetAccountId: String(r.target_account_id),
  assetId: String(r.asset_id), entityKey: String(r.entity_key), action: String(r.action) as EventTask["action"], what: String(r.what),
  actionId: strOrNull(r.action_id), policyId: strOrNull(r.policy_id), validityMs: numOrNull(r.validity_ms), status: String(r.status) as EventTask["status"],
  result: strOrNull(r.result), createdBy: String(r.created_by), createdAt: Number(r.created_at), finishedAt: numOrNull(r.finished_at),
});

/** EVT-7 / RSP-1: the SQLite adapter of the event-task port. */
export function buildSqliteEventTaskStore(c: EventConn, g: () => Promise<void>): EventTaskStore {
  return {
    async insert(t) {
      await g();
      c.run(`INSERT INTO event_tasks (id, resolution_id, event_id, account_id, target_account_id, asset_id, entity_key, action, what, action_id, policy_id, validity_ms, status, result, created_by, created_at, finished_at)
             VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, t.id, t.resolutionId, t.eventId, t.accountId, t.targetAccountId, t.assetId, t.entityKey, t.action, t.what,
        t.actionId, t.policyId, t.validityMs, t.status, t.result, t.createdBy, t.createdAt, t.finishedAt);
    },
    async update(t) {
      await g();
      c.run("UPDATE event_tasks SET event_id = ?, status = ?, result = ?, finished_at = ?, action_id = ?, policy_id = ? WHERE id = ?", t.eventId, t.status, t.result, t.finishedAt, t.actionId, t.policyId, t.id);
    },
    async byAction(actionId) {
      await g();
      return c.all("SELECT * FROM event_tasks WHERE action_id = ? ORDER BY created_at, id", actionId).map(toTask);
    },
    async list(accountId, eventId) {
      await g();
      return c.all("SELECT * FROM event_tasks WHERE account_id = ? AND event_id = ? ORDER BY created_at, id", accountId, eventId).map(toTask);
    },
  };
}
