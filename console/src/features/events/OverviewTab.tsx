import type { ReactNode } from "react";
import { Link } from "../../app/router.tsx";
import { Button, Time } from "../../app/ui.tsx";
import { visible } from "../alerts/index.ts";
import { EntityIcon, KillChain, KindBadge, RiskBadge } from "./parts.tsx";
import { EVENT_STATUS_LABEL, shortLabel, type EntityRisk, type EventDetail, type EventEntity, type EventStatus, type TimelineItem, type Playbooks } from "./model.ts";

/** EVT-7: the built-in recommended handling per entity kind (what a playbook for it does). */
const RECOMMENDED: Record<string, string> = {
  ip: "Block the address on every affected asset's firewall (or in its web server's deny list)",
  file: "Quarantine the file into the agent's vault",
  process: "Kill the process and quarantine its executable",
  host: "Isolate the host: all traffic dropped except the agent's channel to Hostward",
  account: "Lock the account and end its sessions",
  domain: "Block the addresses it resolves to",
  url: "Block its host",
};

/**
 * EVT-2: what happened, in one screen — the kill-chain stages reached, tactics and techniques,
 * affected assets, alert sources, severity, status and owner — and EVT-7 the recommended
 * handling of its malicious entities with their EVT-6 risk levels, each with the playbooks that fit
 * it; analysts open the recommended handling (`onRecommend`) to carry it out.
 */
export function OverviewTab({ e, timeline, entities, risks, playbooks, onRecommend }: { e: EventDetail; timeline: TimelineItem[] | null; entities: EventEntity[] | null; risks?: EntityRisk[] | null; playbooks?: Playbooks; onRecommend?: () => void }) {
  const perTactic = new Map<string, number>();
  for (const a of timeline ?? []) for (const t of a.tactics) perTactic.set(t.id, (perTactic.get(t.id) ?? 0) + 1);
  const sources = new Map<string, { name: string; n: number }>();
  for (const a of timeline ?? []) sources.set(a.type, { name: a.name, n: (sources.get(a.type)?.n ?? 0) + 1 });
  const bad = (entities ?? []).filter((x) => x.malicious);
  const hosts = (entities ?? []).filter((x) => x.kind === "host");
  const statusCounts = Object.entries(e.counts.alertsByStatus);
  const riskOf = new Map((risks ?? []).map((r) => [r.key, r]));

  return (
    <div className="evo" data-testid="event-overview">
      <section className="card">
        <div className="card-head"><h3>Kill chain</h3><div className="spacer" /><span className="muted small">{e.stage ? <>furthest stage: <b className="evo-stage">{e.stage.name}</b></> : "no ATT&CK stage"}</span></div>
        <KillChain reached={e.tactics} stage={e.stage} counts={perTactic} />
      </section>

      <div className="evo-grid">
        <section className="card">
          <div className="card-head"><h3>Summary</h3></div>
          <dl className="kv evo-kv">
            <dt>Severity</dt><dd>{e.severity}{e.severityChanged && <span className="muted"> · set by an analyst</span>}</dd>
            <dt>Status</dt><dd>{EVENT_STATUS_LABEL[e.status as EventStatus] ?? e.status}{e.handledHow && <span className="muted"> · {e.handledHow}</span>}{e.handledAt && <> · <Time iso={e.handledAt} /></>}</dd>
            <dt>Owner</dt><dd>{e.owner?.username ?? <span className="muted">no one</span>}</dd>
            <dt>Alerts</dt><dd>{e.alertCount.toLocaleString()}{statusCounts.length > 0 && <span className="muted"> · {statusCounts.map(([s, n]) => `${n} ${s.replaceAll("_", " ")}`).join(", ")}</span>}</dd>
            <dt>First occurrence</dt><dd><Time iso={e.firstSeen} seconds /></dd>
            <dt>Last occurrence</dt><dd><Time iso={e.lastSeen} seconds /></dd>
            <dt>Attacker</dt><dd className="mono" data-testid="event-attackers">{e.attackerIps.length ? e.attackerIps.join(", ") : <span className="muted">—</span>}</dd>
            <dt>Entities</dt><dd>{e.counts.entities} <span className="muted">({e.counts.maliciousEntities} malicious, {e.counts.edges} relations)</span></dd>
            <dt>Joined by</dt><dd>{e.joinedBy.length ? e.joinedBy.map((r) => <span key={r} className="evo-pill mono" title="The correlation rule that joined its alerts (EVT-1)">{r}</span>) : <span className="muted">one alert</span>}</dd>
          </dl>
        </section>

        <section className="card">
          <div className="card-head"><h3>Tactics and techniques</h3></div>
          <div className="evo-tactics" data-testid="event-tactics">
            {e.tactics.length === 0 && <span className="muted">No ATT&CK mapping.</span>}
            {e.tactics.map((t) => <span key={t.id} className={`evo-tactic ${e.stage?.id === t.id ? "furthest" : ""}`}><span className="mono">{t.id}</span> {t.name}</span>)}
          </div>
          <div className="evo-techs">
            {e.techniques.map((t) => <a key={t} className="evo-pill attack" href={`https://attack.mitre.org/techniques/${t.replace(".", "/")}/`} target="_blank" rel="noreferrer noopener">{t}</a>)}
          </div>
          <Sub title="Alert sources">
            <ul className="evo-list" data-testid="event-sources">
              {e.alertTypes.map((t) => <li key={t}><span>{sources.get(t)?.name ?? t}</span> <span className="muted mono small">{t}</span>{sources.get(t) && <span className="evo-n">{sources.get(t)!.n}</span>}</li>)}
            </ul>
          </Sub>
          <Sub title="Affected assets">
            <ul className="evo-list" data-testid="event-affected">
              {e.assets.map((a) => (
                <li key={a.id}><EntityIcon kind="host" size={14} /> <span>{a.hostname ?? a.id}</span>
                  <Link to={`/security-events?assetId=${encodeURIComponent(a.id)}`} className="evo-more">its events</Link>
                  <Link to={`/alerts?asset=${encodeURIComponent(a.id)}`} className="evo-more">alerts</Link>
                </li>
              ))}
            </ul>
          </Sub>
        </section>
      </div>

      <section className="card" data-testid="recommended">
        <div className="card-head">
          <h3>Recommended handling</h3><div className="spacer" /><span className="muted small">built-in policy per entity kind · a playbook's dry run shows what it would do before it runs</span>
          {onRecommend && <Button kind="primary" onClick={onRecommend} title="The risk of each malicious entity with its reasons, and the recommended items: edit them and resolve" data-testid="recommend-open">Recommended handling…</Button>}
        </div>
        {entities === null ? <p className="muted">Loading…</p> : bad.length === 0 && hosts.length === 0 ? <p className="muted">No malicious entity in this event.</p> : (
          <ul className="evo-recs">
            {[...bad, ...hosts.filter((h) => !h.malicious)].map((x) => (
              <li key={x.key} className={`evo-rec ${x.malicious ? "bad" : ""}`} data-testid="recommendation">
                <KindBadge kind={x.kind} />
                <span className="evo-rec-label mono" title={visible(x.label, 4096)}>{visible(shortLabel(x.kind, x.label, x.hostname), 200)}</span>
                <span className="evo-rec-what">{riskOf.get(x.key) && <><RiskBadge level={riskOf.get(x.key)!.level} score={riskOf.get(x.key)!.score} />{" "}</>}{x.malicious ? (RECOMMENDED[x.kind] ?? "Review it") : "If it is compromised: isolate it, or run a deep virus scan"}{x.kind !== "host" && x.assets.length > 0 && <span className="muted"> — on {x.assets.map((a) => a.hostname ?? a.id).join(", ")}</span>}</span>
                {playbooks?.has(x.kind) && <Button onClick={() => playbooks.open({ key: x.key, kind: x.kind, label: x.label, assetId: x.assetId })} data-testid="playbooks-open">Playbooks…</Button>}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function Sub({ title, children }: { title: string; children: ReactNode }) {
  return <div className="evo-sub"><h4>{title}</h4>{children}</div>;
}
