import { useMemo, useState, type FormEvent } from "react";
import { api, qs } from "../../app/api.ts";
import { useSession } from "../../app/session.tsx";
import { canAct, type Agent } from "../../app/types.ts";
import { Button, Card, Empty, Time, useLoad, useToast } from "../../app/ui.tsx";
import { Actor, ConfirmButton, ErrorBox, Switch, useAction } from "../settings/index.ts";
import { FACTORS, HOW_LABEL, approvalsFor, browserZone, factorLabel, timeZones, type ApprovalsPage, type AutoUpdate, type LearningWindow, type LocationsPage, type LogonApproval, type LogonFactor } from "./model.ts";
import "./logon.css";

/**
 * Logon settings (LOG-1 … LOG-6): what operators approved, whether learning adds to it, and
 * what each asset learned. Analysts add and remove approvals; admins switch auto-update.
 */
export function LogonView() {
  const { me } = useSession();
  const analyst = canAct(me?.role, "analyst");
  const admin = canAct(me?.role, "admin");
  const approvals = useLoad(() => api<ApprovalsPage>("/api/v1/logon/approvals"), []);
  const locations = useLoad(() => api<LocationsPage>("/api/v1/logon/locations"), [], 60_000);
  const agentsLoad = useLoad(() => api<{ items: Agent[] }>("/api/v1/agents"), []);
  const agents = (agentsLoad.data?.items ?? []).filter((a) => !a.revokedAt);
  const hostOf = (id: string) => agentsLoad.data?.items.find((a) => a.id === id)?.hostname ?? id;

  return (
    <div className="lg-page" data-testid="logon-settings">
      <div className="grid k2 lg-top">
        <Card title="How logon intelligence works">
          <ul className="lg-how" data-testid="logon-how">
            <li><b>Each factor is judged alone</b> — location, IP address, time range and account. An unusual-logon alert names every factor that fired; it never blocks by itself.</li>
            <li><b>Learning:</b> an asset's first successful logon from a public address starts a 24-hour window; every location it logs on from in that window is approved.</li>
            <li><b>6 successes</b> from one IP approve that IP's location; the first five alert (one alert, counted; it notifies once).</li>
            <li><b>Your entries take priority:</b> a factor with entries below is judged against them alone. IP, time and account are judged only when they have entries; locations are learned until you set some.</li>
            <li>Private, loopback and documentation addresses have no location: they neither start learning nor alert on location.</li>
          </ul>
        </Card>
        <AutoUpdateCard data={approvals.data?.autoUpdate ?? null} admin={admin} onChanged={approvals.reload} />
      </div>

      <ApprovalsCard page={approvals.data} error={approvals.error} analyst={analyst} agents={agents} hostOf={hostOf} onChanged={() => { approvals.reload(); locations.reload(); }} />
      <LearnedCard page={locations.data} error={locations.error} approvals={approvals.data?.items ?? []} analyst={analyst} onChanged={locations.reload} />
    </div>
  );
}

const AUTO_ROWS: [keyof AutoUpdate, string, string][] = [
  ["location", "Locations", "A location learning approves (first 24 h, or 6 successes from one IP) is added to your approved locations."],
  ["ip", "IP addresses", "An IP with 6 successful logons is added to your approved IPs."],
  ["account", "Accounts", "An account with 6 successful logons is added to your approved accounts."],
];

function AutoUpdateCard({ data, admin, onChanged }: { data: AutoUpdate | null; admin: boolean; onChanged: () => void }) {
  const { busy, run } = useAction();
  const set = (k: keyof AutoUpdate, on: boolean) => data && void run(() => api("/api/v1/logon/auto-update", { method: "PUT", body: { ...data, [k]: on } }), `Auto-update of ${k === "ip" ? "IPs" : `${k}s`} is ${on ? "on" : "off"}`).then(onChanged);
  return (
    <Card title="Automatic updates" actions={!admin ? <span className="muted set-ro">Only admins can change these</span> : undefined}>
      <p className="muted lg-lead">When your entries exist for a factor, learning no longer approves anything for it — unless auto-update adds what it learns to your entries (marked <span className="badge lg-src-auto">auto</span>).</p>
      <div className="lg-switches">
        {AUTO_ROWS.map(([k, title, text]) => (
          <div key={k} className="lg-switch-row">
            <div><div className="lg-switch-title">{title}</div><div className="muted set-small">{text}</div></div>
            <div className="spacer" />
            {data === null ? <span className="muted">…</span> : admin
              ? <Switch on={data[k]} label={`Auto-update ${title}`} disabled={busy} onChange={(on) => set(k, on)} />
              : <span className={`badge ${data[k] ? "st-active" : "st-disabled"}`}>{data[k] ? "On" : "Off"}</span>}
          </div>
        ))}
      </div>
    </Card>
  );
}

function ApprovalsCard({ page, error, analyst, agents, hostOf, onChanged }: { page: ApprovalsPage | null; error: string | null; analyst: boolean; agents: Agent[]; hostOf: (id: string) => string; onChanged: () => void }) {
  const [filter, setFilter] = useState<LogonFactor | "">("");
  const { run } = useAction();
  const items = page?.items ?? [];
  const count = (f: LogonFactor) => items.filter((a) => a.factor === f).length;
  const shown = FACTORS.filter((f) => !filter || f.id === filter);
  const remove = (a: LogonApproval) => void run(() => api(`/api/v1/logon/approvals/${encodeURIComponent(a.id)}`, { method: "DELETE" }), `Removed ${factorLabel(a.factor).toLowerCase()} ${a.value}`).then(onChanged);

  return (
    <Card title="Approved logons" actions={<span className="muted">{page ? `${items.length} entr${items.length === 1 ? "y" : "ies"}` : ""}</span>}>
      {analyst && <AddApproval agents={agents} onAdded={onChanged} />}
      <ErrorBox error={error} />
      <div className="lg-filter" role="group" aria-label="Factor">
        <button type="button" className={`lg-chip ${filter === "" ? "on" : ""}`} aria-pressed={filter === ""} onClick={() => setFilter("")}>All <span className="lg-n">{items.length}</span></button>
        {FACTORS.map((f) => (
          <button key={f.id} type="button" className={`lg-chip ${filter === f.id ? "on" : ""}`} aria-pressed={filter === f.id} onClick={() => setFilter(filter === f.id ? "" : f.id)}>{f.plural} <span className="lg-n">{count(f.id)}</span></button>
        ))}
      </div>
      {page && items.length === 0 ? (
        <Empty>No approved entries: locations are learned per asset, and IPs, time ranges and accounts are not judged.</Empty>
      ) : (
        <div className="set-scroll">
          <table data-testid="approvals" className="lg-table">
            <thead><tr><th>Value</th><th>Time zone</th><th>Scope</th><th>Source</th><th>Note</th><th>Added by</th><th>Added</th>{analyst && <th />}</tr></thead>
            {shown.map((f) => {
              const rows = items.filter((a) => a.factor === f.id);
              if (filter === "" && rows.length === 0) return null;
              return (
                <tbody key={f.id} data-testid={`approvals-${f.id}`}>
                  <tr className="lg-group"><td colSpan={analyst ? 8 : 7}>{f.plural} <span className="muted">· {rows.length === 0 ? (f.id === "location" ? "none: learned per asset" : "none: not judged") : `${rows.length} — ${f.outside}`}{f.id === "location" && rows.length > 0 ? "; learned locations do not count while these exist" : ""}</span></td></tr>
                  {rows.map((a) => (
                    <tr key={a.id} data-testid="approval-row">
                      <td className="mono lg-value">{a.value}</td>
                      <td className="mono">{a.factor === "time" ? (a.tz ?? "UTC") : <span className="muted">—</span>}</td>
                      <td>{a.assetIds === null ? <span className="muted">All assets</span> : a.assetIds.map((id) => <span key={id} className="badge lg-host">{hostOf(id)}</span>)}</td>
                      <td><span className={`badge lg-src-${a.source}`}>{a.source === "auto" ? "auto" : "operator"}</span></td>
                      <td className="lg-note">{a.note || <span className="muted">—</span>}</td>
                      <td className="set-nowrap"><Actor actor={a.createdBy} /></td>
                      <td className="set-nowrap"><Time iso={a.createdAt} /></td>
                      {analyst && <td className="set-actions"><ConfirmButton confirm="Delete entry" onConfirm={() => remove(a)} testId="delete-approval">Delete</ConfirmButton></td>}
                    </tr>
                  ))}
                </tbody>
              );
            })}
          </table>
        </div>
      )}
    </Card>
  );
}

function AddApproval({ agents, onAdded }: { agents: Agent[]; onAdded: () => void }) {
  const toast = useToast();
  const [factor, setFactor] = useState<LogonFactor>("location");
  const [value, setValue] = useState("");
  const [tz, setTz] = useState(browserZone);
  const [scope, setScope] = useState<"all" | "some">("all");
  const [ids, setIds] = useState<string[]>([]);
  const [note, setNote] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const zones = useMemo(timeZones, []);
  const f = FACTORS.find((x) => x.id === factor)!;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (scope === "some" && ids.length === 0) return setError("Choose at least one asset, or approve for all assets.");
    setBusy(true);
    try {
      await api("/api/v1/logon/approvals", { method: "POST", body: { factor, value: value.trim(), tz: factor === "time" ? tz.trim() || null : null, assetIds: scope === "all" ? null : ids, note: note.trim() } });
      toast(`Approved ${f.label.toLowerCase()} ${value.trim()}`);
      setValue("");
      setNote("");
      onAdded();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="lg-add" onSubmit={submit} aria-label="Approve a logon factor">
      <div className="lg-factors" role="radiogroup" aria-label="Factor to approve">
        {FACTORS.map((x) => (
          <button key={x.id} type="button" role="radio" aria-checked={x.id === factor} className={`lg-factor ${x.id === factor ? "on" : ""}`} onClick={() => { setFactor(x.id); setError(null); }}>{x.label}</button>
        ))}
      </div>
      <div className="lg-add-fields">
        <label className="lg-grow">{f.label}
          <input name="value" className="mono" value={value} onChange={(e) => { setValue(e.target.value); setError(null); }} placeholder={f.placeholder} required maxLength={256} aria-describedby="lg-value-hint" />
        </label>
        {factor === "time" && (
          <label>Time zone
            <input name="tz" className="mono" list="lg-zones" value={tz} onChange={(e) => { setTz(e.target.value); setError(null); }} placeholder="Europe/Berlin" maxLength={64} />
            <datalist id="lg-zones">{zones.map((z) => <option key={z} value={z} />)}</datalist>
          </label>
        )}
        <label>Applies to
          <select name="scope" value={scope} onChange={(e) => setScope(e.target.value as "all" | "some")}>
            <option value="all">All assets, present and future</option>
            <option value="some">Chosen assets</option>
          </select>
        </label>
        <label className="lg-grow">Note<input name="note" value={note} onChange={(e) => setNote(e.target.value)} placeholder="Why, e.g. office in Berlin" maxLength={500} /></label>
        <Button type="submit" kind="primary" disabled={busy} data-testid="add-approval">Approve</Button>
      </div>
      <div id="lg-value-hint" className="set-hint">{f.hint}</div>
      {scope === "some" && (
        <fieldset className="set-types lg-assets">
          <legend>Assets</legend>
          {agents.length === 0 && <span className="muted">No assets enrolled.</span>}
          {agents.map((a) => (
            <label key={a.id} className="set-check"><input type="checkbox" checked={ids.includes(a.id)} onChange={(e) => setIds(e.target.checked ? [...ids, a.id] : ids.filter((x) => x !== a.id))} />{a.hostname}</label>
          ))}
        </fieldset>
      )}
      <ErrorBox error={error} />
    </form>
  );
}

function LearningState({ w }: { w: LearningWindow }) {
  if (w.startedAt === null) return <span className="lg-state"><span className="badge st-pending">Not started</span> <span className="muted">starts at the first successful logon from a public address</span></span>;
  if (w.active) return <span className="lg-state"><span className="badge lg-learning">Learning</span> <span className="muted">until <Time iso={w.endsAt} /></span></span>;
  return <span className="lg-state"><span className="badge st-active">Learned</span> <span className="muted">window ended <Time iso={w.endsAt} /></span></span>;
}

function LearnedCard({ page, error, approvals, analyst, onChanged }: { page: LocationsPage | null; error: string | null; approvals: LogonApproval[]; analyst: boolean; onChanged: () => void }) {
  const { run } = useAction();
  const withdraw = (assetId: string, key: string, label: string) =>
    void run(() => api(`/api/v1/logon/locations${qs({ assetId, key })}`, { method: "DELETE" }), `Withdrew ${label}: logons from it alert again`).then(onChanged);
  const windows = page?.learning ?? [];
  return (
    <Card title="Learned locations per asset">
      <p className="muted set-lead">What each asset learned to trust. Withdrawing a location makes logons from it alert again (until learning approves it anew after 6 successes from one IP).</p>
      <ErrorBox error={error} />
      {page && windows.length === 0 && <Empty>No assets enrolled yet.</Empty>}
      <div className="lg-assets-list">
        {windows.map((w) => {
          const learned = (page?.items ?? []).filter((l) => l.assetId === w.assetId);
          const operatorLocations = approvalsFor(approvals, w.assetId).filter((a) => a.factor === "location");
          return (
            <section key={w.assetId} className="lg-asset" data-testid={`learned-${w.hostname}`} aria-label={`Learned locations of ${w.hostname}`}>
              <div className="lg-asset-head">
                <strong>{w.hostname}</strong>
                <LearningState w={w} />
              </div>
              {operatorLocations.length > 0 && <div className="alert-box info lg-override">Approved locations apply to this asset ({operatorLocations.map((a) => a.value).join(", ")}): its learned locations do not count while they exist.</div>}
              {learned.length === 0 ? <p className="muted lg-none">No learned locations{w.startedAt === null ? " yet" : ""}.</p> : (
                <table className="lg-table">
                  <thead><tr><th>Location</th><th>Approved by</th><th>From IP</th><th>When</th>{analyst && <th />}</tr></thead>
                  <tbody>
                    {learned.map((l) => (
                      <tr key={l.key} data-testid="learned-row">
                        <td>{l.label} <div className="mono muted set-small">{l.key}</div></td>
                        <td><span className={`badge lg-how-${l.how}`}>{HOW_LABEL[l.how]}</span></td>
                        <td className="mono">{l.ip}</td>
                        <td className="set-nowrap"><Time iso={l.approvedAt} /></td>
                        {analyst && <td className="set-actions"><ConfirmButton confirm="Withdraw" onConfirm={() => withdraw(l.assetId, l.key, l.label)} testId="withdraw-location">Withdraw</ConfirmButton></td>}
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          );
        })}
      </div>
    </Card>
  );
}
