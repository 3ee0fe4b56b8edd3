import { useEffect, useState, type FormEvent } from "react";
import { api, qs } from "../../app/api.ts";
import { useRouter } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { canAct } from "../../app/types.ts";
import { Button, Card, Empty, Time, ago, useLoad } from "../../app/ui.tsx";
import { ErrorBox, useAction } from "../settings/index.ts";
import { BAD_CATEGORIES, CATEGORY_LABEL, INDICATOR_KINDS, KIND_LABEL, isoOf, type IntelSource, type IntelStatus, type Lookup } from "./model.ts";
import "./intel.css";

/**
 * Threat intel (PRC-1): look any value up in every list, and see what is loaded — shipped
 * lists and operators' feeds, with their rejected lines, errors and provenance. Admins reload.
 * The lookup is in the URL (?value=&kind=) so alert evidence can link to it.
 */
export function IntelView() {
  const { me } = useSession();
  const admin = canAct(me?.role, "admin");
  const status = useLoad(() => api<IntelStatus>("/api/v1/intel/sources"), [], 60_000);
  return (
    <div className="ti-page" data-testid="threat-intel">
      <LookupCard status={status.data} />
      <SourcesCard status={status.data} error={status.error} admin={admin} onReloaded={status.reload} />
    </div>
  );
}

function LookupCard({ status }: { status: IntelStatus | null }) {
  const { route, go } = useRouter();
  const value = route.query.get("value") ?? "";
  const kind = route.query.get("kind") ?? "";
  const [text, setText] = useState(value);
  const [k, setK] = useState(kind);
  useEffect(() => { setText(value); setK(kind); }, [value, kind]);
  const result = useLoad(() => (value ? api<Lookup>(`/api/v1/intel/lookup${qs({ value, kind })}`) : Promise.resolve(null)), [value, kind]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const v = text.trim();
    if (!v) return;
    go(`/threat-intel${qs({ value: v, kind: k })}`);
  };
  const r = value ? result.data : null;
  const lists = status?.sources.filter((s) => s.entries > 0).length;

  return (
    <Card title="Look up an indicator">
      <form className="ti-form" onSubmit={submit} aria-label="Intel lookup">
        <label className="ti-grow">Value
          <input name="value" className="mono" value={text} onChange={(e) => setText(e.target.value)} placeholder="An IP, domain, URL, file hash, port, process name or command line" maxLength={2048} required />
        </label>
        <label>Kind
          <select name="kind" value={k} onChange={(e) => setK(e.target.value)}>
            <option value="">Guess from the value</option>
            {INDICATOR_KINDS.map((x) => <option key={x} value={x}>{KIND_LABEL[x]}</option>)}
          </select>
        </label>
        <Button type="submit" kind="primary" data-testid="lookup-submit">Look up</Button>
      </form>
      <ErrorBox error={value ? result.error : null} />
      {value && !r && !result.error && <p className="muted">Looking up…</p>}
      {r && (
        <div className="ti-result" data-testid="lookup-result" aria-live="polite">
          <div className="ti-asked">
            {r.kind ? <>Looked up as <span className="badge ti-kind" data-testid="lookup-kind">{KIND_LABEL[r.kind] ?? r.kind}</span></> : <span className="badge ti-kind">kind unknown</span>}
            <span className="mono ti-value">{r.value}</span>
          </div>
          {r.kind === null ? (
            <div className="ti-verdict none" data-testid="lookup-none">Not a value the lists can hold: enter an IP address or network, a domain, a URL, an MD5/SHA-1/SHA-256 hash, a port, a process name or a command line — or choose the kind.</div>
          ) : r.matches.length === 0 ? (
            <div className="ti-verdict none" data-testid="lookup-none">
              <span className="ti-big">✓ No match</span>
              <span>{r.value} is on none of the {lists ?? "loaded"} lists ({status ? `${status.entries.toLocaleString()} entries` : "…"}). Not being listed does not make it safe: only what the lists hold is known.</span>
            </div>
          ) : (
            <>
              <div className={`ti-verdict ${r.matches.some((m) => BAD_CATEGORIES.has(m.category)) ? "bad" : "warn"}`} data-testid="lookup-hit">
                <span className="ti-big">⚠ {r.matches.length} match{r.matches.length === 1 ? "" : "es"}</span>
                <span>{[...new Set(r.matches.map((m) => CATEGORY_LABEL[m.category] ?? m.category))].join(", ")}</span>
              </div>
              <div className="set-scroll">
                <table className="ti-table" data-testid="lookup-matches">
                  <thead><tr><th>List</th><th>Category</th><th>Matched entry</th><th>Provenance</th><th>Note</th></tr></thead>
                  <tbody>
                    {r.matches.map((m, i) => (
                      <tr key={i} data-testid="lookup-match">
                        <td className="mono">{m.list}</td>
                        <td><span className={`badge ti-cat ${BAD_CATEGORIES.has(m.category) ? "bad" : ""}`}>{m.category}</span></td>
                        <td><span className="muted small">{m.kind}</span> <span className="mono">{m.indicator}</span>{m.via && <div className="muted small">via {m.via}</div>}</td>
                        <td className="ti-prov">{m.provenance || <span className="muted">—</span>}</td>
                        <td className="ti-prov">{m.note || <span className="muted">—</span>}{m.ref && <div className="mono muted small">{m.ref}</div>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </div>
      )}
    </Card>
  );
}

function SourcesCard({ status, error, admin, onReloaded }: { status: IntelStatus | null; error: string | null; admin: boolean; onReloaded: () => void }) {
  const { busy, run } = useAction();
  const reload = () => void run(() => api<IntelStatus>("/api/v1/intel/reload", { method: "POST" }), "Intel lists reloaded").then(onReloaded);
  const sources = status?.sources ?? [];
  const broken = sources.filter((s) => s.error !== null);
  const kinds = Object.entries(status?.byKind ?? {}).filter(([, n]) => n > 0);

  return (
    <Card title="Lists loaded" actions={<>
      {status && <span className="muted small" data-testid="intel-loaded">index built <Time iso={isoOf(status.loadedAt)} /> · checked {ago(isoOf(status.checkedAt))}</span>}
      {admin && <Button kind="primary" disabled={busy} onClick={reload} data-testid="intel-reload" title="Read every list again now (they are also read again when a file changes)">{busy ? "Reloading…" : "Reload now"}</Button>}
    </>}>
      <p className="muted set-lead">The shipped lists and your feeds (<code>intelPaths</code> in the server's configuration). A feed file is read again when it changes; one that cannot be read keeps serving what it held before, marked stale.</p>
      <ErrorBox error={error} />
      {status && (
        <div className="ti-kinds" aria-label="Entries by kind">
          <span className="ti-total"><b>{status.entries.toLocaleString()}</b> entries in <b>{sources.length}</b> list{sources.length === 1 ? "" : "s"}</span>
          {kinds.map(([k, n]) => <span key={k} className="ti-chip"><span className="muted">{k}</span> {n.toLocaleString()}</span>)}
        </div>
      )}
      {broken.length > 0 && <div className="alert-box error ti-broken" role="alert" data-testid="intel-broken">{broken.length} list{broken.length === 1 ? "" : "s"} could not be read: {broken.map((s) => s.name).join(", ")}.</div>}
      {status && sources.length === 0 ? <Empty>No intel lists are loaded: the shipped lists are missing and no feed is configured.</Empty> : (
        <div className="set-scroll">
          <table className="ti-table" data-testid="intel-sources">
            <thead><tr><th>List</th><th>Source</th><th>Kinds</th><th>Categories</th><th className="num">Entries</th><th className="num">Rejected</th><th>Loaded</th><th>Status</th><th>Provenance</th></tr></thead>
            <tbody>{sources.map((s) => <SourceRow key={s.path} s={s} />)}</tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function SourceRow({ s }: { s: IntelSource }) {
  const state = s.error ? (s.stale ? "stale" : "error") : "ok";
  return (
    <tr className={`ti-src ti-${state}`} data-testid={`intel-source-${s.name}`}>
      <td className="ti-name"><strong>{s.name}</strong>{s.format && <span className="muted small"> · {s.format}</span>}<div className="mono muted small">{s.path}</div></td>
      <td><span className={`badge ${s.shipped ? "ti-shipped" : "ti-feed"}`}>{s.shipped ? "shipped" : "feed"}</span></td>
      <td>{s.kinds.length ? s.kinds.map((k) => <span key={k} className="badge ti-tag">{k}</span>) : <span className="muted">—</span>}</td>
      <td>{s.categories.length ? s.categories.map((c) => <span key={c} className={`badge ti-tag ${BAD_CATEGORIES.has(c) ? "bad" : ""}`}>{c}</span>) : <span className="muted">—</span>}</td>
      <td className="num mono">{s.entries.toLocaleString()}</td>
      <td className={`num ${s.rejected ? "ti-warn" : "muted"}`}>
        {s.rejected > 0 && s.problems.length > 0 ? (
          <details className="ti-problems"><summary>{s.rejected.toLocaleString()}</summary><ul>{s.problems.map((p, i) => <li key={i}>{p}</li>)}</ul></details>
        ) : s.rejected.toLocaleString()}
        {s.skipped > 0 && <div className="muted small">{s.skipped.toLocaleString()} skipped</div>}
      </td>
      <td className="set-nowrap small">{s.loadedAt ? <><Time iso={isoOf(s.loadedAt)} /><div className="muted">{ago(isoOf(s.loadedAt))}</div></> : <span className="muted">never</span>}</td>
      <td className="ti-status" data-testid="intel-source-status">
        {state === "ok" ? <span className="badge st-active">OK</span> : (
          <>
            <span className={`badge ${state === "stale" ? "ti-stale" : "st-failed"}`}>{state === "stale" ? "Stale" : "Error"}</span>
            <div className="ti-err">{s.error}</div>
            {state === "stale" && <div className="muted small">serving the last good read</div>}
          </>
        )}
      </td>
      <td className="ti-prov">{s.provenance || <span className="muted">—</span>}</td>
    </tr>
  );
}
