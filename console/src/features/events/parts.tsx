import type { ReactNode } from "react";
import { BREAKABLE, EVENT_STATUS_LABEL, KILL_CHAIN, KIND_LABEL, type EventStatus, type Ref } from "./model.ts";

/** Small shared pieces of the events views. Every value is React text: attacker text never becomes markup. */

export function EventStatusBadge({ status }: { status: EventStatus | string }) {
  return <span className={`badge evs-${status}`} data-testid="event-status">{EVENT_STATUS_LABEL[status as EventStatus] ?? status}</span>;
}

/** The ATT&CK tactics an event reached, in kill-chain order; the furthest one stands out. */
export function StageChips({ tactics, stage }: { tactics: Ref[]; stage: Ref | null }) {
  if (tactics.length === 0) return null;
  return (
    <div className="ev-stages" data-testid="event-stages" aria-label="ATT&CK stages">
      {tactics.map((t, i) => (
        <span key={t.id} className={`ev-stage ${stage?.id === t.id ? "furthest" : ""}`} title={stage?.id === t.id ? `${t.name} (${t.id}): the furthest stage reached` : `${t.name} (${t.id})`}>
          {i > 0 && <span className="ev-stage-sep" aria-hidden="true">›</span>}{t.name}
        </span>
      ))}
    </div>
  );
}

/** EVT-2: the whole kill chain, the stages the event reached lit, the furthest marked; `counts` is alerts per tactic. */
export function KillChain({ reached, stage, counts }: { reached: Ref[]; stage: Ref | null; counts: Map<string, number> }) {
  const on = new Set(reached.map((t) => t.id));
  const furthest = stage ? KILL_CHAIN.findIndex((t) => t.id === stage.id) : -1;
  return (
    <ol className="ev-chain" data-testid="kill-chain" aria-label="Kill chain">
      {KILL_CHAIN.map((t, i) => {
        const n = counts.get(t.id) ?? 0;
        const cls = on.has(t.id) ? (t.id === stage?.id ? "on furthest" : "on") : i < furthest ? "before" : "";
        return (
          <li key={t.id} className={`ev-chain-step ${cls}`} data-reached={on.has(t.id) ? "true" : "false"} title={`${t.name} (${t.id})${on.has(t.id) ? ` — reached${n ? ` by ${n} alert${n === 1 ? "" : "s"}` : ""}` : ""}`}>
            <span className="ev-chain-name" data-name={t.name}>{BREAKABLE[t.id] ?? t.name}</span>
            <span className="ev-chain-n">{on.has(t.id) ? (t.id === stage?.id ? "furthest" : n ? `${n} alert${n === 1 ? "" : "s"}` : "reached") : ""}</span>
          </li>
        );
      })}
    </ol>
  );
}

const ICONS: Record<string, ReactNode> = {
  ip: <><circle cx="8" cy="8" r="6.2" /><path d="M1.8 8h12.4M8 1.8c1.8 1.9 2.6 4 2.6 6.2s-.8 4.3-2.6 6.2M8 1.8C6.2 3.7 5.4 5.8 5.4 8s.8 4.3 2.6 6.2" /></>,
  host: <><rect x="2" y="2.2" width="12" height="4.6" rx="1.2" /><rect x="2" y="9.2" width="12" height="4.6" rx="1.2" /><path d="M4.6 4.5h.01M4.6 11.5h.01" strokeWidth="2" strokeLinecap="round" /></>,
  account: <><circle cx="8" cy="5.4" r="3" /><path d="M2.4 14.2c.6-3 2.9-4.7 5.6-4.7s5 1.7 5.6 4.7" /></>,
  process: <><rect x="1.8" y="2.6" width="12.4" height="10.8" rx="1.6" /><path d="M4.4 6.2 6.6 8l-2.2 1.8M8.2 10.2h3.4" /></>,
  file: <><path d="M4 1.8h5.2L12.6 5v9.2H4z" /><path d="M9 1.8V5h3.6M6 8.4h4.4M6 10.8h4.4" /></>,
  domain: <><path d="M6.6 9.4a3 3 0 0 0 4.3.1l2.1-2.1a3 3 0 0 0-4.3-4.3l-.9.9" /><path d="M9.4 6.6a3 3 0 0 0-4.3-.1L3 8.6a3 3 0 0 0 4.3 4.3l.9-.9" /></>,
  url: <><path d="M2 4.2h12v8.6H2z" /><path d="M2 6.6h12M3.8 5.4h.01M5.4 5.4h.01" strokeLinecap="round" /></>,
};

/** An entity kind's icon, coloured by the kind through CSS (.evk-<kind>). */
export function EntityIcon({ kind, size = 16 }: { kind: string; size?: number }) {
  return (
    <svg className={`ev-icon evk-${kind}`} width={size} height={size} viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" aria-hidden="true">
      {ICONS[kind] ?? <circle cx="8" cy="8" r="5" />}
    </svg>
  );
}

export function KindBadge({ kind }: { kind: string }) {
  return <span className={`ev-kind evk-${kind}`}><EntityIcon kind={kind} size={13} />{KIND_LABEL[kind] ?? kind}</span>;
}

export function MaliciousFlag({ malicious }: { malicious: boolean }) {
  return malicious ? <span className="badge ev-bad" data-testid="malicious-flag">malicious</span> : <span className="muted small">—</span>;
}

/** EVT-6: an entity's risk level (the score in the title). */
export function RiskBadge({ level, score }: { level: string; score?: number }) {
  return <span className={`badge evr-lv evr-${level}`} data-testid="risk-level" data-level={level} title={score === undefined ? undefined : `risk score ${score}`}>{level} risk</span>;
}

const TASK_STATUS_LABEL: Record<string, string> = { queued: "Queued", sent: "Sent", succeeded: "Succeeded", failed: "Failed" };
/** RSP-1: a handling task's status — queued, sent (the agent has it), succeeded, failed. */
export function TaskStatusBadge({ status }: { status: string }) {
  return <span className={`badge evtk-${status}`} data-testid="task-status" data-status={status}>{TASK_STATUS_LABEL[status] ?? status}</span>;
}
