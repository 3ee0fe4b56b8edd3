import { useState, type ReactNode } from "react";
import { api, qs } from "../../app/api.ts";
import type { Alert } from "../../app/types.ts";
import { Button, Time, useLoad, useToast } from "../../app/ui.tsx";
import { FACTORS, HOW_LABEL, approvalsFor, factorLabel, isGeo, locationMatches, locationValue, type ApprovalsPage, type Geo, type LocationsPage, type LogonFactor } from "../logon/index.ts";

/** The evidence keys LogonEvidence shows in its own blocks (the generic evidence list shows the rest). */
export function logonEvidenceKeys(a: Alert): string[] {
  const e = a.evidence;
  const keys: string[] = [];
  if (Array.isArray(e["unusual.factors"])) keys.push("unusual.factors", "unusual.details");
  if (isGeo(e["source.geo"])) keys.push("source.geo");
  if (Array.isArray(e["user.backdoorReasons"])) keys.push("user.backdoorReasons");
  if (isIntel(e["source.intel"])) keys.push("source.intel");
  if (typeof e["user.weakReason"] === "string") keys.push("user.weakReason");
  return keys;
}

const isIntel = (v: unknown): v is { list: string; provenance: string } => typeof v === "object" && v !== null && typeof (v as { list?: unknown }).list === "string";
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))) : []);
const WEAK_REASON: Record<string, string> = { dictionary: "the password is in the common-password list", username: "the password is the user name", empty: "the password is empty" };

/**
 * LOG-1 … LOG-8 evidence made readable: which factors fired and why, where the logon came
 * from against what the asset approved, and the backdoor, intel and weak-password verdicts.
 * Every value is React text: user names, places and reasons come from logs.
 */
export function LogonEvidence({ alert: a, actor, hostOf }: { alert: Alert; actor: boolean; hostOf: (id: string | null) => string }) {
  const e = a.evidence;
  const factors = Array.isArray(e["unusual.factors"]) ? strings(e["unusual.factors"]) : null;
  const details = strings(e["unusual.details"]);
  const geo = isGeo(e["source.geo"]) ? e["source.geo"] : null;
  const backdoor = strings(e["user.backdoorReasons"]);
  const intel = isIntel(e["source.intel"]) ? e["source.intel"] : null;
  const weak = typeof e["user.weakReason"] === "string" ? e["user.weakReason"] : null;
  const [tick, setTick] = useState(0);
  const locations = useLoad(() => (geo ? api<LocationsPage>(`/api/v1/logon/locations${qs({ assetId: a.assetId })}`) : Promise.resolve(null)), [a.assetId, geo !== null, tick]);
  const approvals = useLoad(() => (geo || factors ? api<ApprovalsPage>("/api/v1/logon/approvals") : Promise.resolve(null)), [a.assetId, tick]);

  return (
    <>
      {factors && (
        <Section title="Why this logon is unusual" testId="unusual-why">
          <div className="alv-factors" role="list" aria-label="Logon factors">
            {FACTORS.map((f) => {
              const fired = factors.includes(f.id);
              return (
                <div key={f.id} role="listitem" className={`alv-factor ${fired ? "fired" : ""}`} data-testid={`factor-${f.id}`} data-fired={fired}>
                  <span className="alv-factor-ico" aria-hidden="true">{fired ? "⚠" : "✓"}</span>
                  <span className="alv-factor-name">{f.label}</span>
                  <span className="alv-factor-val">{factorValue(f.id, a, geo)}</span>
                  <span className="alv-factor-st">{fired ? "fired" : "approved or not judged"}</span>
                </div>
              );
            })}
          </div>
          {details.length > 0 && (
            <ul className="alv-details" data-testid="unusual-details">
              {details.map((d, i) => <li key={i}>{factors[i] && <span className="badge alv-ftag">{factorLabel(factors[i]!)}</span>} {d}</li>)}
            </ul>
          )}
        </Section>
      )}

      {geo && (
        <Section title="Where the logon came from" testId="logon-location">
          <GeoBlock a={a} geo={geo} locations={locations.data} approvals={approvals.data} hostOf={hostOf} />
        </Section>
      )}

      {factors && actor && a.assetId && <ApproveButtons a={a} geo={geo} factors={factors} page={approvals.data} hostOf={hostOf} onDone={() => setTick((x) => x + 1)} />}

      {backdoor.length > 0 && (
        <Section title="Why the account looks like a backdoor" testId="backdoor-reasons">
          <ul className="alv-redlist">{backdoor.map((r, i) => <li key={i}>{r}</li>)}</ul>
        </Section>
      )}
      {intel && (
        <Section title="Threat intelligence" testId="source-intel">
          <dl className="kv">
            <dt>Listed by</dt><dd className="mono">{intel.list}</dd>
            <dt>Provenance</dt><dd>{intel.provenance || <span className="muted">—</span>}</dd>
          </dl>
        </Section>
      )}
      {weak && (
        <Section title="Weak password" testId="weak-reason">
          <p className="alv-redline">The baseline found that {WEAK_REASON[weak] ?? `the password is weak (${weak})`}. Change it, or move the account to key-only logon.</p>
        </Section>
      )}
    </>
  );
}

function factorValue(f: LogonFactor, a: Alert, geo: Geo | null): string {
  switch (f) {
    case "location": return geo?.label ?? "no location";
    case "ip": return a.source.ip ?? "—";
    case "time": return new Date(a.firstSeen).toLocaleString(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit" });
    case "account": return a.user.name ?? "—";
  }
}

function GeoBlock({ a, geo, locations, approvals, hostOf }: { a: Alert; geo: Geo; locations: LocationsPage | null; approvals: ApprovalsPage | null; hostOf: (id: string | null) => string }) {
  const learned = locations?.items ?? [];
  const learningWindow = locations?.learning.find((w) => w.assetId === a.assetId);
  const operator = approvals ? approvalsFor(approvals.items, a.assetId).filter((x) => x.factor === "location") : [];
  const key = geo.key ?? `${geo.country}/${geo.region}/${geo.city}`;
  const among = operator.length > 0 ? operator.some((x) => locationMatches(x.value, geo)) : learned.some((l) => l.key === key);
  const coords = geo.lat !== null && geo.lon !== null;
  return (
    <div className="alv-geo">
      <div className="alv-geo-here">
        <svg className="alv-geo-pin" width="20" height="24" viewBox="0 0 20 24" aria-hidden="true"><path d="M10 1a8 8 0 0 0-8 8c0 6 8 14 8 14s8-8 8-14a8 8 0 0 0-8-8z" fill="currentColor" opacity=".9" /><circle cx="10" cy="9" r="3" fill="#0d1530" /></svg>
        <div className="alv-geo-label" data-testid="geo-label">{geo.label || geo.country}</div>
        <div className="mono muted small">{key}</div>
        <div className="small">
          {coords
            ? <a href={`https://www.openstreetmap.org/?mlat=${geo.lat}&mlon=${geo.lon}#map=9/${geo.lat}/${geo.lon}`} target="_blank" rel="noreferrer noopener" className="mono" data-testid="geo-coords">{geo.lat!.toFixed(4)}, {geo.lon!.toFixed(4)}</a>
            : <span className="muted" data-testid="geo-coords">coordinates not known (city-level match)</span>}
        </div>
        {a.source.ip && <div className="mono small">{a.source.ip}</div>}
        <div className={`alv-geo-verdict ${among ? "ok" : "bad"}`} data-testid="geo-verdict">
          {!locations || !approvals ? "…" : among ? `✓ Among ${hostOf(a.assetId)}'s approved locations now` : `✗ Not among ${hostOf(a.assetId)}'s approved locations`}
        </div>
      </div>
      <div className="alv-geo-list" data-testid="approved-locations">
        {operator.length > 0 && (
          <>
            <div className="alv-geo-head">Your approved locations <span className="muted">(these alone count)</span></div>
            <ul>{operator.map((x) => <li key={x.id} className={locationMatches(x.value, geo) ? "match" : ""}><span className="mono">{x.value}</span> <span className="muted small">{x.source === "auto" ? "auto" : "operator"}</span></li>)}</ul>
          </>
        )}
        <div className="alv-geo-head">
          Learned on {hostOf(a.assetId)}{operator.length > 0 && <span className="muted"> (not used while approved locations exist)</span>}
        </div>
        {locations === null ? <p className="muted small">Loading…</p> : learned.length === 0 ? <p className="muted small">None{learningWindow?.startedAt === null ? ": learning has not started" : ""}.</p> : (
          <ul className={operator.length > 0 ? "unused" : ""}>
            {learned.map((l) => <li key={l.key} className={l.key === key ? "match" : ""}>{l.label} <span className="muted small">· {HOW_LABEL[l.how]} · {l.ip} · <Time iso={l.approvedAt} /></span></li>)}
          </ul>
        )}
        {learningWindow?.endsAt && <div className="muted small">Learning {learningWindow.active ? "runs until" : "ended"} <Time iso={learningWindow.endsAt} /></div>}
      </div>
    </div>
  );
}

function ApproveButtons({ a, geo, factors, page, hostOf, onDone }: { a: Alert; geo: Geo | null; factors: string[]; page: ApprovalsPage | null; hostOf: (id: string | null) => string; onDone: () => void }) {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mine = page ? approvalsFor(page.items, a.assetId) : [];
  const host = hostOf(a.assetId);
  // From an alert, approve in the asset's learned set (learning keeps working) and trust the
  // IP by whitelisting the alert (ALR-4 stores unusual-logon IPs): operator entries would make
  // every other location or IP of the asset fire (LOG-6) — those stay under Logon settings.
  const run = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      toast(what);
      onDone();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const loc = geo ? locationValue(geo) : null;
  const operatorLocations = mine.some((x) => x.factor === "location");
  return (
    <section className="alv-section alv-approve" aria-label="Approve">
      <div className="alv-actrow">
        {geo && loc && <Button kind={factors.includes("location") ? "primary" : undefined} disabled={busy} onClick={() => void run(`Approved ${geo.label} on ${host}`, () => api("/api/v1/logon/locations", { method: "POST", body: { assetId: a.assetId, country: geo.country, region: geo.region, city: geo.city, ip: a.source.ip ?? "" } }))} data-testid="approve-location" title={`Add ${geo.label} to the locations ${host} trusts`}>Approve this location</Button>}
        {a.source.ip && <Button disabled={busy || a.status.startsWith("whitelisted")} onClick={() => void run(`Whitelisted logons from ${a.source.ip} on ${host}`, () => api(`/api/v1/alerts/${a.id}/handle`, { method: "POST", body: { action: "whitelist", scope: "asset", remark: "trusted logon address (from the unusual-logon evidence)" } }))} data-testid="approve-ip" title={`Whitelist unusual logons from ${a.source.ip} on ${host}`}>Trust this IP</Button>}
      </div>
      <ul className="alv-approve-notes muted small">
        {loc && <li>Location <span className="mono">{loc}</span> joins the locations {host} learned{operatorLocations ? <> — but operator location entries apply to {host}, and only those count while they exist (Logon settings)</> : null}.</li>}
        {a.source.ip && <li>Trusting <span className="mono">{a.source.ip}</span> whitelists this alert: later unusual logons from it on {host} are whitelisted automatically and notify no one.</li>}
        <li>Operator entries (networks, time ranges, accounts, all assets) are under Logon settings.</li>
      </ul>
      {error && <div className="alert-box error" role="alert">{error}</div>}
    </section>
  );
}

function Section({ title, testId, children }: { title: string; testId?: string; children: ReactNode }) {
  return <section className="alv-section" data-testid={testId}><h3>{title}</h3>{children}</section>;
}
