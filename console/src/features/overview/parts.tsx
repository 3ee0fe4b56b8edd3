import type { ReactNode } from "react";
import { Link } from "../../app/router.tsx";
import { fmt } from "./model.ts";

/** A headline number with its label; links to the list behind it. */
export function Kpi({ label, value, sub, tone, to, extra, testId }: { label: string; value: number | undefined; sub?: string; tone: "ok" | "bad" | "crit" | "warn" | "accent"; to?: string; extra?: ReactNode; testId?: string }) {
  const body = (
    <>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value"><span data-testid={testId ? `${testId}-value` : undefined}>{value === undefined ? "–" : fmt(value)}</span>{extra}</div>
      <div className="kpi-sub">{sub}</div>
    </>
  );
  return to ? <Link to={to} className={`card kpi-card tone-${tone}`}><span data-testid={testId} className="kpi-inner">{body}</span></Link> : <section className={`card kpi-card tone-${tone}`} data-testid={testId}>{body}</section>;
}

/** Whether a source is blocked now, was blocked before, or never was. */
export function BlockedBadge({ blocked, blocks }: { blocked: boolean; blocks: number }) {
  if (blocked) return <span className="badge st-blocked" title={`${blocks} block${blocks === 1 ? "" : "s"} in all`}>Blocked</span>;
  if (blocks > 0) return <span className="badge st-expired" title={`${blocks} earlier block${blocks === 1 ? "" : "s"}, none live`}>Released</span>;
  return <span className="badge ov-unblocked">Not blocked</span>;
}
