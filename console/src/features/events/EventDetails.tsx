import { useCallback, useState } from "react";
import { api } from "../../app/api.ts";
import { Link, useRouter } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { canAct } from "../../app/types.ts";
import { Button, SeverityBadge, Time, ago, useLoad } from "../../app/ui.tsx";
import { AlertDrawer, useAgents } from "../alerts/index.ts";
import { ActivityTab } from "./ActivityTab.tsx";
import { AlertsTab } from "./AlertsTab.tsx";
import { OwnerDialog, SeverityDialog, StatusDialog, WhitelistDialog } from "./CaseDialogs.tsx";
import { ChainTab } from "./ChainTab.tsx";
import { EntitiesTab } from "./EntitiesTab.tsx";
import { FailureBanner } from "./EventTasks.tsx";
import { OverviewTab } from "./OverviewTab.tsx";
import { PlaybookDialog } from "./PlaybookDialog.tsx";
import { RecommendDialog } from "./RecommendDialog.tsx";
import { EventStatusBadge } from "./parts.tsx";
import { plural, type EventDetail, type EventEntity, type PlaybookTarget, type Playbooks, type Recommendations, type TimelineItem } from "./model.ts";

const TABS = [["overview", "Overview"], ["chain", "Chain"], ["alerts", "Alerts"], ["entities", "Entities"], ["activity", "Response activity"]] as const;
type Tab = (typeof TABS)[number][0];
type Dialog = "status" | "severity" | "owner" | "whitelist" | "recommend" | null;

/**
 * One security event whole (EVT-2 … EVT-13): its overview with the analyst's case work, the
 * chain (timeline and provenance graph), its alerts, its entities and the response activity.
 * The tab and an open alert live in the URL (?tab=, ?alert=) so a view can be shared.
 */
export function EventDetails({ id }: { id: string }) {
  const { route, go } = useRouter();
  const { me } = useSession();
  const actor = canAct(me?.role, "analyst");
  const { hostOf } = useAgents();
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((x) => x + 1), []);
  const detail = useLoad(() => api<EventDetail>(`/api/v1/events/${encodeURIComponent(id)}`), [id, tick], 30_000);
  const timeline = useLoad(() => api<{ items: TimelineItem[] }>(`/api/v1/events/${encodeURIComponent(id)}/timeline`), [id, tick]);
  const entities = useLoad(() => api<{ items: EventEntity[] }>(`/api/v1/events/${encodeURIComponent(id)}/entities`), [id, tick]);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [playbook, setPlaybook] = useState<PlaybookTarget | null>(null);
  const books = useLoad(() => (actor ? api<{ items: { target: string }[] }>("/api/v1/playbooks") : Promise.resolve({ items: [] })), [actor]);
  const kinds = new Set((books.data?.items ?? []).map((p) => p.target));
  const playbooks: Playbooks | undefined = actor ? { has: (k) => kinds.has(k), open: setPlaybook } : undefined;
  const recommend = actor ? () => setDialog("recommend") : undefined;

  const tab: Tab = (TABS.find(([k]) => k === route.query.get("tab"))?.[0]) ?? "overview";
  const openAlert = route.query.get("alert");
  const set = (patch: Record<string, string | null>) => {
    const u = new URLSearchParams(route.query);
    for (const [k, v] of Object.entries(patch)) if (v) u.set(k, v); else u.delete(k);
    go(`/security-events?${u.toString()}`);
  };
  // back to the list with its filters: everything but the event's own keys
  const back = (() => {
    const u = new URLSearchParams(route.query);
    for (const k of ["event", "tab", "alert"]) u.delete(k);
    const s = u.toString();
    return `/security-events${s ? `?${s}` : ""}`;
  })();

  const e = detail.data;
  // EVT-6: the risk levels the overview shows beside its entities (viewers see them too)
  const risks = useLoad(() => (tab === "overview" ? api<Recommendations>(`/api/v1/events/${encodeURIComponent(id)}/recommendations`).then((r) => r.risks) : Promise.resolve(null)), [id, tick, tab === "overview", e?.status]);
  return (
    <div className="evd" data-testid="event-details">
      <section className="card evd-head">
        <div className="evd-crumbs"><Link to={back} className="evd-back">‹ Security events</Link><span className="muted mono small">{id}</span></div>
        {detail.error && <div className="alert-box error" role="alert">{detail.error}</div>}
        {e && (
          <>
            <div className="evd-titlerow">
              <h2 className="evd-title" data-testid="event-heading">{e.title}</h2>
            </div>
            <div className="evd-badges">
              <SeverityBadge severity={e.severity} />
              {e.severityChanged && <span className="muted small" title="An analyst set the severity (EVT-12); it no longer follows the alerts">set by an analyst</span>}
              <EventStatusBadge status={e.status} />
              <span className="evd-meta"><b>{plural(e.alertCount, "alert")}</b> on <b>{plural(e.assets.length, "asset")}</b></span>
              <span className="evd-meta">first <Time iso={e.firstSeen} /> · last <Time iso={e.lastSeen} /> <span className="muted">({ago(e.lastSeen)})</span></span>
              <span className="evd-meta" data-testid="event-owner">owner: {e.owner ? <b>{e.owner.username}</b> : <span className="muted">no one</span>}</span>
            </div>
            {e.status === "failed" && <FailureBanner e={e} tick={tick} />}
            {actor && (
              <div className="evd-actions" role="toolbar" aria-label="Case work" data-testid="event-actions">
                <Button kind="primary" onClick={() => setDialog("status")} data-testid="event-status-open">Change status</Button>
                <Button onClick={() => setDialog("owner")} data-testid="event-owner-open">{e.owner ? "Hand over" : "Assign owner"}</Button>
                <Button onClick={() => setDialog("severity")} data-testid="event-severity-open">Change severity</Button>
                <Button onClick={() => setDialog("whitelist")} data-testid="event-whitelist-open" disabled={e.alertCount === 0} title="The event is a false positive: whitelist its alerts">Whitelist…</Button>
              </div>
            )}
          </>
        )}
      </section>

      <nav className="tabs evd-tabs" aria-label="Event" role="tablist">
        {TABS.map(([k, label]) => (
          <button key={k} type="button" role="tab" aria-selected={tab === k} className={`tab ${tab === k ? "on" : ""}`} onClick={() => set({ tab: k === "overview" ? null : k, alert: null })} data-testid={`tab-${k}`}>
            {label}
            {k === "alerts" && e && <span className="evd-tabn">{e.alertCount}</span>}
            {k === "entities" && e && <span className="evd-tabn">{e.counts.entities}</span>}
          </button>
        ))}
      </nav>

      {e && tab === "overview" && <OverviewTab e={e} timeline={timeline.data?.items ?? null} entities={entities.data?.items ?? null} risks={risks.data} playbooks={playbooks} onRecommend={recommend} />}
      {e && tab === "chain" && <ChainTab id={id} tick={tick} timeline={timeline.data?.items ?? null} hostOf={hostOf} onAlert={(a) => set({ alert: a })} playbooks={playbooks} />}
      {e && tab === "alerts" && <AlertsTab id={id} tick={tick} hostOf={hostOf} open={openAlert} onOpen={(a) => set({ alert: a })} />}
      {e && tab === "entities" && <EntitiesTab items={entities.data?.items ?? null} error={entities.error} hostOf={hostOf} playbooks={playbooks} onRecommend={recommend} />}
      {e && tab === "activity" && <ActivityTab e={e} tick={tick} hostOf={hostOf} onChanged={refresh} />}

      {openAlert && <AlertDrawer id={openAlert} actor={actor} hostOf={hostOf} onClose={() => set({ alert: null })} onChanged={refresh} />}
      {e && dialog === "status" && <StatusDialog e={e} onClose={() => setDialog(null)} onDone={() => { setDialog(null); refresh(); }} />}
      {e && dialog === "severity" && <SeverityDialog e={e} onClose={() => setDialog(null)} onDone={() => { setDialog(null); refresh(); }} />}
      {e && dialog === "owner" && <OwnerDialog e={e} onClose={() => setDialog(null)} onDone={() => { setDialog(null); refresh(); }} />}
      {e && dialog === "whitelist" && <WhitelistDialog e={e} onClose={() => setDialog(null)} onDone={() => { setDialog(null); refresh(); }} />}
      {e && dialog === "recommend" && <RecommendDialog event={e} hostOf={hostOf} onClose={() => setDialog(null)} onDone={() => { setDialog(null); refresh(); }} />}
      {e && playbook && <PlaybookDialog event={e} target={playbook} hostOf={hostOf} onClose={() => setPlaybook(null)} onDone={() => { setPlaybook(null); refresh(); }} />}
    </div>
  );
}
