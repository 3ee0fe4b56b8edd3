import { api } from "../../app/api.ts";
import { Empty, StatusBadge, Time, useLoad } from "../../app/ui.tsx";
import { visible } from "../alerts/index.ts";
import { EventTasks } from "./EventTasks.tsx";
import type { Activity, EventDetail } from "./model.ts";

const ACTION_LABEL: Record<string, string> = { created: "Opened", alert_joined: "Alert joined", status: "Status", owner: "Owner", severity: "Severity", whitelist: "Whitelist", task: "Task", playbook: "Playbook", merged: "Merged", alert_left: "Alert left" };
interface Task { id: string; agentId: string; type: string; params: Record<string, unknown>; status: string; createdAt: string; finishedAt: string | null; result: string | null }

/**
 * RSP-1 the event's handling tasks (EventTasks); EVT-13 every change of the event and every task
 * result, newest first — who, when, what, remark — and every response action on its assets since
 * it began (playbook runs too), with their results.
 */
export function ActivityTab({ e, tick, hostOf, onChanged }: { e: EventDetail; tick: number; hostOf: (id: string | null) => string; onChanged: () => void }) {
  const list = useLoad(() => api<{ items: Activity[] }>(`/api/v1/events/${encodeURIComponent(e.id)}/activity`), [e.id, tick], 15_000);
  const tasks = useLoad(async () => {
    const pages = await Promise.all(e.assets.map((a) => api<{ items: Task[] }>(`/api/v1/actions?agentId=${encodeURIComponent(a.id)}&limit=50`)));
    return pages.flatMap((p) => p.items).filter((t) => t.createdAt >= e.firstSeen).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }, [e.id, e.assets.length, tick], 15_000);
  const items = [...(list.data?.items ?? [])].reverse();
  return (
    <div className="eva">
      <EventTasks e={e} tick={tick} hostOf={hostOf} onChanged={onChanged} />
      <section className="card" data-testid="event-activity">
        <div className="card-head"><h3>Activity log</h3><div className="spacer" /><span className="muted small">every change and every task result, newest first</span></div>
        {list.error && <div className="alert-box error" role="alert">{list.error}</div>}
        {items.length === 0 ? <Empty>{list.loading ? "Loading…" : "Nothing done yet: no change and no task on this event."}</Empty> : (
          <ol className="eva-list">
            {items.map((a) => (
              <li key={a.id} className={`eva-item eva-${a.action}`} data-testid="activity-item" data-action={a.action}>
                <div className="eva-top">
                  <span className={`badge eva-badge eva-${a.action}`}>{ACTION_LABEL[a.action] ?? a.action}</span>
                  <span className="eva-detail" data-testid="activity-detail">{a.detail}</span>
                </div>
                <div className="eva-who muted small"><span className="mono">{a.actor}</span> · <Time iso={a.at} seconds /></div>
                {a.remark && <blockquote className="eva-remark" data-testid="activity-remark">{a.remark}</blockquote>}
              </li>
            ))}
          </ol>
        )}
      </section>
      <section className="card" data-testid="event-tasks">
        <div className="card-head"><h3>Response tasks on its assets</h3><div className="spacer" /><span className="muted small">since the event began · status and the agent's result</span></div>
        {tasks.data && tasks.data.length === 0 ? <Empty>No response task on these assets since the event began.</Empty> : (
          <table className="evt-table">
            <thead><tr><th>Queued</th><th>Asset</th><th>Task</th><th>Status</th><th>Result</th></tr></thead>
            <tbody>{(tasks.data ?? []).map((t) => (
              <tr key={t.id} data-testid="task-row">
                <td><Time iso={t.createdAt} seconds /></td>
                <td>{hostOf(t.agentId)}</td>
                <td><span className="mono">{t.type}</span> <span className="muted mono small">{visible(String(t.params.ip ?? t.params.path ?? ""), 200)}</span></td>
                <td><StatusBadge status={t.status} /></td>
                <td className="eva-result">{t.result ? visible(t.result, 500) : <span className="muted">{t.finishedAt ? "—" : "waiting for the agent"}</span>}</td>
              </tr>
            ))}</tbody>
          </table>
        )}
      </section>
    </div>
  );
}
