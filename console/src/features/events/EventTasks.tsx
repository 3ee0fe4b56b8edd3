import { useEffect, useRef, useState } from "react";
import { api } from "../../app/api.ts";
import { useSession } from "../../app/session.tsx";
import { Empty, Time, useLoad } from "../../app/ui.tsx";
import { relative, visible } from "../alerts/index.ts";
import { KindBadge, TaskStatusBadge } from "./parts.tsx";
import { ACTION_LABEL, entityOfKey, shortLabel, type EventDetail, type EventTask } from "./model.ts";

/** While a task is open the list is polled this often; the agent answers within seconds. */
const POLL_MS = 3000;
/** Actions whose validity period ends on its own (the others are done once). */
const EXPIRING = new Set(["block", "lock", "isolate"]);

interface Shown extends EventTask { shown: string }
interface AgentAction { id: string; status: string }

/** The event's tasks; a queued one whose agent action is out shows as sent. */
async function loadTasks(eventId: string, acting: string | undefined): Promise<Shown[]> {
  const { items } = await api<{ items: EventTask[] }>(`/api/v1/events/${encodeURIComponent(eventId)}/tasks`);
  const open = items.filter((t) => t.status === "queued" && t.actionId);
  const where = new Map(open.map((t) => [`${t.accountId}\n${t.assetId}`, t]));
  const states = new Map<string, string>();
  await Promise.all([...where.values()].map(async (t) => {
    try {
      // a block sent to a member account's asset is listed under that account
      const r = await api<{ items: AgentAction[] }>(`/api/v1/actions?agentId=${encodeURIComponent(t.assetId)}&limit=200`, { account: t.accountId !== acting ? t.accountId : undefined });
      for (const a of r.items) states.set(a.id, a.status);
    } catch {
      // the status stays as the task says (queued)
    }
  }));
  return items.map((t) => ({ ...t, shown: t.status === "queued" && t.actionId && states.get(t.actionId) === "sent" ? "sent" : t.status }));
}

/**
 * RSP-1: the event's handling tasks — entity, action, asset, status, the agent's result and the
 * end of the validity period — newest resolution first, polled every few seconds while one is
 * open. When the statuses change the event is reloaded (a finished task moves it on, EVT-7).
 */
export function EventTasks({ e, tick, hostOf, onChanged }: { e: EventDetail; tick: number; hostOf: (id: string | null) => string; onChanged: () => void }) {
  const { me } = useSession();
  const [beat, setBeat] = useState(0);
  const list = useLoad(() => loadTasks(e.id, me?.actingAccountId), [e.id, tick, beat, me?.actingAccountId]);
  const tasks = list.data ?? [];
  const open = tasks.some((t) => t.status === "queued");
  useEffect(() => {
    if (!open) return;
    const t = setInterval(() => setBeat((b) => b + 1), POLL_MS);
    return () => clearInterval(t);
  }, [open]);
  const seen = useRef<string | null>(null);
  const signature = list.data ? list.data.map((t) => `${t.id}:${t.status}`).join(",") : null;
  useEffect(() => {
    if (signature === null) return;
    if (seen.current !== null && seen.current !== signature) onChanged();
    seen.current = signature;
  }, [signature, onChanged]);

  // the newest resolution first; within one, the order they were queued in (block, kill, quarantine …)
  const order = [...new Set(tasks.map((t) => t.resolutionId))].reverse();
  const rows = order.flatMap((r) => tasks.filter((t) => t.resolutionId === r));
  return (
    <section className="card" data-testid="handling-tasks">
      <div className="card-head">
        <h3>Handling tasks</h3><div className="spacer" />
        <span className="muted small">{open ? <span className="evh-live" data-testid="tasks-live">refreshing every {POLL_MS / 1000} s while a task is open</span> : "from the recommended handling · status and the agent's result"}</span>
      </div>
      {list.error && <div className="alert-box error" role="alert">{list.error}</div>}
      {list.data && rows.length === 0 ? <Empty>No handling task yet: resolve the event from its recommended handling.</Empty> : (
        <div className="evt-wrap">
          <table className="evt-table evh-table">
            <thead><tr><th>Queued</th><th>Entity</th><th>Action</th><th>Asset</th><th>Status</th><th>Result</th><th>Until</th></tr></thead>
            <tbody>{rows.map((t) => {
              const x = entityOfKey(t.entityKey);
              return (
                <tr key={t.id} className={`evh-${t.shown}`} data-testid="handling-task" data-action={t.action} data-key={t.entityKey} data-status={t.shown} title={t.what}>
                  <td className="evh-when"><Time iso={t.createdAt} seconds /><div className="muted small mono">{t.createdBy}</div></td>
                  <td className="evh-entity"><KindBadge kind={x.kind} /><div className="mono" title={visible(x.label, 4096)} data-testid="task-entity">{visible(shortLabel(x.kind, x.label, x.kind === "host" ? hostOf(x.assetId) : null), 160)}</div></td>
                  <td>{ACTION_LABEL[t.action] ?? t.action}</td>
                  <td className="evh-asset">{hostOf(t.assetId)}</td>
                  <td><TaskStatusBadge status={t.shown} /></td>
                  <td className="eva-result" data-testid="task-result">{t.result ? visible(t.result, 500) : <span className="muted">{t.shown === "sent" ? "the agent is on it" : "waiting for the agent"}</span>}</td>
                  <td className="evh-until" data-testid="task-until">{t.validUntil ? <><Time iso={t.validUntil} /><div className="muted small">{relative(t.validUntil)}</div></> : <span className="muted">{EXPIRING.has(t.action) ? "permanent" : "—"}</span>}</td>
                </tr>
              );
            })}</tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * EVT-7: a Failed event says why, on every tab — the failed tasks of its newest resolution with
 * the agent's reason.
 */
export function FailureBanner({ e, tick }: { e: EventDetail; tick: number }) {
  const list = useLoad(() => api<{ items: EventTask[] }>(`/api/v1/events/${encodeURIComponent(e.id)}/tasks`), [e.id, tick, e.status]);
  const items = list.data?.items ?? [];
  const newest = items.at(-1)?.resolutionId;
  const failed = items.filter((t) => t.resolutionId === newest && t.status === "failed");
  return (
    <div className="alert-box error evh-failed" role="alert" data-testid="event-failure">
      <b>Handling failed.</b>{" "}
      {failed.length === 0 ? <span>{list.data ? "A handling task failed: see Response activity." : "Loading the reason…"}</span> : (
        <ul className="evh-failed-list">
          {failed.map((t) => <li key={t.id}><span data-testid="failure-what">{visible(t.what, 300)}</span>: <span className="mono" data-testid="failure-reason">{t.result ? visible(t.result, 500) : "no reason given"}</span></li>)}
        </ul>
      )}
      <div className="small">Fix the cause, then resolve again from Recommended handling, or set the status by hand.</div>
    </div>
  );
}
