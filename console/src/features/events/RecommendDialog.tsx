import { useEffect, useState } from "react";
import { api } from "../../app/api.ts";
import { Button, Modal, useLoad, useToast } from "../../app/ui.tsx";
import { visible } from "../alerts/index.ts";
import { KindBadge, RiskBadge } from "./parts.tsx";
import { ACTION_LABEL, EVENT_STATUS_LABEL, VALIDITIES, entityOfKey, plural, shortLabel, type EntityRisk, type EventDetail, type EventStatus, type EventTask, type RecommendedItem, type Recommendations } from "./model.ts";

/** One editable row of the plan: carried out or not, where, for how long, on which account. */
interface Row { on: boolean; assetIds: string[]; validity: string | null; accountId: string }
interface Account { id: string; name: string; parentId: string | null }

const rowKey = (i: RecommendedItem) => `${i.entityKey}\n${i.action}`;
/** "it brute-forced logons" → "It brute-forced logons." */
const sentence = (t: string) => { const s = t.charAt(0).toUpperCase() + t.slice(1); return /[.!?]$/.test(s) ? s : `${s}.`; };
const points = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : "0");

/** Why an offered item is not in the recommended plan, from what the API says about it and its entity. */
function whyNot(i: RecommendedItem, risk: EntityRisk | undefined): string {
  if (i.unavailable) return `cannot be done: ${i.unavailable}`;
  if (i.action === "isolate") return "isolation is offered, never preselected: it takes the asset off the network but for the agent's channel";
  if (risk && risk.suggestion.actions.length === 0) return risk.suggestion.text;
  if (risk?.level === "low") return "low risk: offered, not preselected";
  return i.why;
}

/**
 * EVT-6 / EVT-7: the risk of each malicious entity with the reasons behind it, and the
 * recommended handling as editable rows — carry it out or not, target assets, validity period,
 * destination account — resolved in one go: the tasks are queued and the event becomes Handling
 * (RSP-1 lists them under Response activity). Analysts and admins only; the server checks too.
 */
export function RecommendDialog({ event, hostOf, onClose, onDone }: { event: EventDetail; hostOf: (id: string | null) => string; onClose: () => void; onDone: () => void }) {
  const toast = useToast();
  const rec = useLoad(() => api<Recommendations>(`/api/v1/events/${encodeURIComponent(event.id)}/recommendations`), [event.id]);
  const accounts = useLoad(() => api<{ items: Account[] }>("/api/v1/accounts"), []);
  const [rows, setRows] = useState<Record<string, Row> | null>(null);
  const [remark, setRemark] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // the plan starts as the API recommends it; edits stay while the dialog is open
  useEffect(() => {
    if (!rec.data || rows !== null) return;
    setRows(Object.fromEntries(rec.data.items.map((i) => [rowKey(i), { on: i.selected && !i.unavailable, assetIds: [...i.assetIds], validity: i.validity, accountId: i.accountId }])));
  }, [rec.data, rows]);

  const risks = rec.data?.risks ?? [];
  const riskOf = new Map(risks.map((r) => [r.key, r]));
  const items = rec.data?.items ?? [];
  const accountList = accounts.data?.items ?? [];
  const accountName = (id: string) => accountList.find((a) => a.id === id)?.name ?? id;
  const edit = (i: RecommendedItem, patch: Partial<Row>) => setRows((r) => (r ? { ...r, [rowKey(i)]: { ...r[rowKey(i)]!, ...patch } } : r));
  const chosen = items.filter((i) => rows?.[rowKey(i)]?.on);
  // a block may go to any asset of the event; the others only where the entity was seen
  const candidates = (i: RecommendedItem) => (i.action === "block" ? event.assets.map((a) => a.id) : i.assetIds);
  const sameAccount = (i: RecommendedItem, r: Row) => r.accountId === i.accountId;
  const incomplete = chosen.filter((i) => sameAccount(i, rows![rowKey(i)]!) && rows![rowKey(i)]!.assetIds.length === 0);
  const handled = event.status === "handled";

  const resolve = async () => {
    if (!rows || chosen.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      const body = {
        items: chosen.map((i) => {
          const r = rows[rowKey(i)]!;
          return {
            entityKey: i.entityKey, action: i.action,
            ...(i.validity !== null && r.validity ? { validity: r.validity } : {}),
            // another account's block goes to its assets (the server's default); here the event's, as chosen
            ...(sameAccount(i, r) ? { assetIds: r.assetIds } : { accountId: r.accountId }),
          };
        }),
        remark: remark.trim(),
      };
      const out = await api<{ status: string; tasks: EventTask[] }>(`/api/v1/events/${encodeURIComponent(event.id)}/resolve`, { method: "POST", body });
      const queued = out.tasks.filter((t) => t.status === "queued").length;
      toast(`Resolved: ${plural(out.tasks.length, "task")}${queued !== out.tasks.length ? ` (${queued} queued, ${out.tasks.length - queued} already done)` : " queued"} — the event is ${EVENT_STATUS_LABEL[out.status as EventStatus] ?? out.status}`);
      onDone();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Recommended handling" onClose={onClose}>
      <div className="evx-form evr" data-testid="recommend-dialog">
        {rec.error && <div className="alert-box error" role="alert">{rec.error}</div>}
        {!rec.data && !rec.error && <p className="muted">Assessing the event's entities…</p>}
        {handled && <div className="alert-box warn" role="alert">The event is Handled: a later alert opens a new event. Reopen it (status Unhandled) to handle it again.</div>}

        {rec.data && (
          <section className="evr-sec" aria-label="Risk assessment">
            <h4 className="evr-h">Risk assessment <span className="muted small">offline, from the store and the loaded intel lists; every point explained</span></h4>
            {risks.length === 0 && <p className="muted">No malicious or compromised entity in this event.</p>}
            <ul className="evr-risks">
              {risks.map((r) => {
                const where = entityOfKey(r.key).assetId;
                return (
                  <li key={r.key} className={`evr-risk evr-b-${r.level}`} data-testid="risk" data-key={r.key}>
                    <div className="evr-risk-top">
                      <KindBadge kind={r.kind} />
                      <span className="mono evr-label" title={visible(r.label, 4096)} data-testid="risk-label">{visible(shortLabel(r.kind, r.label), 160)}</span>
                      {where && r.kind !== "host" && <span className="muted small">on {hostOf(where)}</span>}
                      <span className="spacer" />
                      <RiskBadge level={r.level} score={r.score} />
                    </div>
                    <div className="evr-suggest" data-testid="risk-suggestion"><span className="muted">Suggested:</span> {r.suggestion.text}</div>
                    <ul className="evr-reasons" data-testid="risk-reasons">
                      {r.reasons.map((x, n) => (
                        <li key={n} data-factor={x.factor}><span className={`evr-pts ${x.points > 0 ? "up" : x.points < 0 ? "down" : ""}`} title={x.factor}>{points(x.points)}</span><span>{sentence(x.text)}</span></li>
                      ))}
                    </ul>
                  </li>
                );
              })}
            </ul>
          </section>
        )}

        {rec.data && rows && items.length > 0 && (
          <section className="evr-sec" aria-label="Recommended items">
            <h4 className="evr-h">What to do <span className="muted small">the built-in policy per entity type; checked items are carried out</span></h4>
            <div className="evr-wrap">
              <table className="evt-table evr-items">
                <thead><tr><th /><th>Entity</th><th>Action</th><th>Target assets</th><th>Validity</th>{accountList.length > 1 && <th>Destination account</th>}</tr></thead>
                <tbody>
                  {items.map((i) => {
                    const r = rows[rowKey(i)]!;
                    const risk = riskOf.get(i.entityKey);
                    const label = visible(shortLabel(i.kind, i.label), 120);
                    return (
                      <tr key={rowKey(i)} className={`evr-item ${r.on ? "on" : ""} ${i.unavailable ? "off" : ""}`} data-testid="rec-item" data-key={i.entityKey} data-action={i.action} data-preselected={String(i.selected)}>
                        <td className="evr-check">
                          <input type="checkbox" checked={r.on} disabled={!!i.unavailable || handled} onChange={(x) => edit(i, { on: x.target.checked })} aria-label={`${ACTION_LABEL[i.action] ?? i.action}: ${label}`} data-testid="rec-item-check" />
                        </td>
                        <td>
                          <div className="evr-entity">
                            <KindBadge kind={i.kind} />
                            <div className="mono evr-label" title={visible(i.label, 4096)}>{label}</div>
                            {risk && <RiskBadge level={risk.level} score={risk.score} />}
                          </div>
                        </td>
                        <td className="evr-action">
                          <b>{ACTION_LABEL[i.action] ?? i.action}</b>
                          <div className="muted small evr-why">{i.why}</div>
                          {!i.selected && <div className={`small evr-whynot ${i.unavailable ? "bad" : ""}`} data-testid="rec-why-not">Not preselected — {whyNot(i, risk)}</div>}
                        </td>
                        <td className="evr-assets">
                          {!sameAccount(i, r) ? <span className="muted small">every asset of {accountName(r.accountId)}</span> : candidates(i).length === 1 ? <span>{hostOf(candidates(i)[0]!)}</span> : (
                            <fieldset className="evx-assets" aria-label={`Target assets of ${ACTION_LABEL[i.action] ?? i.action} ${label}`}>
                              {candidates(i).map((id) => (
                                <label key={id} className="evx-check">
                                  <input type="checkbox" checked={r.assetIds.includes(id)} disabled={handled} onChange={(x) => edit(i, { assetIds: x.target.checked ? [...r.assetIds, id] : r.assetIds.filter((a) => a !== id) })} />{hostOf(id)}
                                </label>
                              ))}
                            </fieldset>
                          )}
                          {r.on && sameAccount(i, r) && r.assetIds.length === 0 && <div className="small evr-whynot bad">choose at least one asset</div>}
                        </td>
                        <td className="evr-validity">
                          {i.validity === null ? <span className="muted small" title={i.action === "quarantine" ? "The vault keeps the file 30 days; restore it from Quarantine" : "Done once: nothing to undo"}>—</span> : (
                            <select value={r.validity ?? i.validity} disabled={handled} onChange={(x) => edit(i, { validity: x.target.value })} aria-label={`Validity period of ${ACTION_LABEL[i.action] ?? i.action} ${label}`} data-testid="rec-item-validity">
                              {VALIDITIES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
                            </select>
                          )}
                        </td>
                        {accountList.length > 1 && (
                          <td>
                            {i.action === "block" ? (
                              <select value={r.accountId} disabled={handled} onChange={(x) => edit(i, { accountId: x.target.value })} aria-label={`Destination account of block ${label}`} data-testid="rec-item-account">
                                {accountList.map((a) => <option key={a.id} value={a.id}>{a.name}{a.id === i.accountId ? " (this event's)" : ""}</option>)}
                              </select>
                            ) : <span className="muted small">{accountName(i.accountId)}</span>}
                          </td>
                        )}
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </section>
        )}
        {rec.data && items.length === 0 && <p className="muted" data-testid="rec-none">Nothing an agent can do here: {risks.length ? "the handling already holds, or no action fits these entities" : "no malicious entity"}.</p>}

        {rec.data && items.length > 0 && (
          <label>Remark<textarea value={remark} onChange={(x) => setRemark(x.target.value)} maxLength={1000} rows={2} placeholder="Why this handling (kept in the activity log)" aria-label="Remark" data-testid="rec-remark" /></label>
        )}
        {error && <div className="alert-box error" role="alert">{error}</div>}
        <div className="row">
          <span className="muted small" data-testid="rec-summary">{rows ? `${plural(chosen.length, "item")} checked` : ""}</span>
          <div className="spacer" />
          <Button kind="ghost" onClick={onClose}>Cancel</Button>
          <Button kind="danger" onClick={() => void resolve()} disabled={busy || handled || chosen.length === 0 || incomplete.length > 0} title={chosen.length === 0 ? "Check at least one item" : "Queue the checked items as tasks; the event becomes Handling"} data-testid="rec-resolve">Resolve</Button>
        </div>
      </div>
    </Modal>
  );
}
