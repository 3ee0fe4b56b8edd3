import type { ReactNode } from "react";
import { Link } from "../../app/router.tsx";
import type { Alert } from "../../app/types.ts";
import { CopyValue, Time } from "../../app/ui.tsx";
import type { AlertType } from "./model.ts";

/**
 * Host alerts made readable (PRC-1 … PRC-4, MIN-2, MIN-3, AGT-3 … AGT-8): the process tree
 * and command line, what the intel lists and the miner checks said, the connection, the DNS
 * query with its query and detection times, and a sensitive file's diff. Command lines,
 * paths, names and domains are attacker-controlled: every one is React text.
 */

type Obj = Record<string, unknown>;
interface Intel { list: string; category?: string; provenance?: string }
interface Node { pid: number | null; name: string; executable?: string; command_line?: string }

const FILE_TYPES = new Set(["sensitive_file_tampering", "ld_preload_hijack"]);
const PROCESS_KEYS = ["process.pid", "process.name", "process.executable", "process.command_line", "process.parent", "process.ancestors", "process.user", "process.hash", "process.minerReasons", "process.intel", "process.cpu", "process.start", "session"];
const CONNECTION_KEYS = ["destination.port", "destination.poolReasons", "destination.intel", "network.transport", "network.direction", "source.ip"];
const DNS_KEYS = ["dns.question.name", "dns.question.type", "dns.intel", "resolver", "log.lines", "source.ip"];
const FILE_KEYS = ["event.action", "file.path", "file.hash", "file.mode", "file.owner", "change"];

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))) : []);
const isIntel = (v: unknown): v is Intel => isObj(v) && typeof v.list === "string";
const base = (p: string | undefined): string | undefined => p?.replace(/ \(deleted\)$/, "").split("/").pop() || undefined;

type Kind = "connection" | "dns" | "file" | "process" | null;
function kindOf(a: Alert): Kind {
  const keys = Object.keys(a.evidence);
  if (FILE_TYPES.has(a.type) || keys.includes("change") || keys.some((k) => k.startsWith("file."))) return "file";
  if (a.type === "malicious_domain" || keys.some((k) => k.startsWith("dns."))) return "dns";
  if (keys.some((k) => k.startsWith("destination."))) return "connection";
  if (keys.some((k) => k.startsWith("process.")) || a.type === "malicious_process") return "process";
  return null;
}

/**
 * The alert's dedup key names the values it was keyed on (`type:v1\0v2`); the alert types say
 * which fields those are. Some rules key on a field they do not copy into the evidence (the
 * queried domain, the file path, the pool address): this reads them back.
 */
export function dedupFields(a: Alert, types: AlertType[]): Record<string, string> {
  const t = types.find((x) => x.type === a.type);
  const prefix = `${a.type}:`;
  if (!t || !a.dedupKey.startsWith(prefix)) return {};
  const values = a.dedupKey.slice(prefix.length).split("\u0000");
  // the types list the asset first (alerts are per asset); the key itself leaves it out
  const fields = t.dedupKey[0] === "asset.id" && values.length === t.dedupKey.length - 1 ? t.dedupKey.slice(1) : t.dedupKey;
  if (values.length !== fields.length) return {};
  return Object.fromEntries(fields.map((f, i) => [f, values[i]!]));
}

/** The evidence keys HostEvidence shows in its own blocks (the generic evidence list shows the rest). */
export function hostEvidenceKeys(a: Alert): string[] {
  const k = kindOf(a);
  const keys = k === "connection" ? [...CONNECTION_KEYS, ...PROCESS_KEYS] : k === "process" ? PROCESS_KEYS : k === "dns" ? DNS_KEYS : k === "file" ? FILE_KEYS : [];
  // host records have no source address: the empty field says nothing
  return k && a.evidence["source.ip"] == null ? [...keys, "source.ip"] : keys;
}

/** PRC-4: a Blocked alert's process was killed on sight; say so first, for every role. */
export function PrecisionBanner({ alert: a, hostOf }: { alert: Alert; hostOf: (id: string | null) => string }) {
  if (a.status !== "blocked") return null;
  const e = a.evidence;
  const pid = num(e["process.pid"]);
  const exe = str(e["process.executable"]);
  const intel = isIntel(e["process.intel"]) ? e["process.intel"] : null;
  return (
    <div className="alv-banner" role="status" data-testid="precision-banner">
      <div className="alv-banner-ico" aria-hidden="true">
        <svg width="22" height="22" viewBox="0 0 32 32"><path d="M16 2 4 7v9c0 7 5 12 12 14 7-2 12-7 12-14V7z" fill="currentColor" /><path d="M11 11l10 10M21 11 11 21" stroke="#06222a" strokeWidth="3" strokeLinecap="round" /></svg>
      </div>
      <div>
        <div className="alv-banner-title">Precision defence: killed on sight</div>
        <div className="small">
          {pid !== undefined ? <>Process <span className="mono">{pid}</span>{exe && <> (<span className="mono">{exe}</span>)</>}</> : "The process"} was killed by {hostOf(a.assetId)}'s agent the moment it was seen
          {intel ? <>: its hash is on <span className="mono">{intel.list}</span></> : null}. The alert is Blocked — handled already, not notified, and kept as it is.
        </div>
        {a.handledHow && <div className="mono small alv-banner-how">{a.handledHow}</div>}
      </div>
    </div>
  );
}

export function HostEvidence({ alert: a, types }: { alert: Alert; types: AlertType[] }) {
  const kind = kindOf(a);
  if (!kind) return null;
  const keyed = dedupFields(a, types);
  const field = (path: string): unknown => a.evidence[path] ?? keyed[path];
  switch (kind) {
    case "process": return <ProcessBlocks a={a} />;
    case "connection": return <ConnectionBlock a={a} field={field} />;
    case "dns": return <DnsBlock a={a} field={field} />;
    case "file": return <FileBlock a={a} field={field} />;
  }
}

// --- processes (reverse shell, miner, malicious process, encoded command…) ---

function processTree(e: Obj): Node[] {
  const ancestors = Array.isArray(e["process.ancestors"]) ? (e["process.ancestors"] as unknown[]).filter(isObj) : [];
  const nodes: Node[] = [...ancestors].reverse().map((x) => ({ pid: num(x.pid) ?? null, name: str(x.name) ?? "?", executable: str(x.executable) }));
  const parent = isObj(e["process.parent"]) ? e["process.parent"] : null;
  if (parent) {
    const p: Node = { pid: num(parent.pid) ?? null, name: str(parent.name) ?? base(str(parent.executable)) ?? "?", executable: str(parent.executable), command_line: str(parent.command_line) };
    // the agent's ancestors start with the parent: one node, with what the parent adds
    const last = nodes.at(-1);
    if (last && p.pid !== null && last.pid === p.pid) nodes[nodes.length - 1] = { ...last, executable: last.executable ?? p.executable, command_line: p.command_line };
    else nodes.push(p);
  }
  return nodes;
}

function ProcessBlocks({ a }: { a: Alert }) {
  const e = a.evidence;
  const self: Node = { pid: num(e["process.pid"]) ?? null, name: str(e["process.name"]) ?? base(str(e["process.executable"])) ?? "process", executable: str(e["process.executable"]) };
  const chain = processTree(e);
  const cmd = str(e["process.command_line"]);
  const user = isObj(e["process.user"]) ? e["process.user"] : null;
  const session = isObj(e.session) ? e.session : null;
  const hash = isObj(e["process.hash"]) ? e["process.hash"] : null;
  const cpu = isObj(e["process.cpu"]) ? num(e["process.cpu"].pct) : undefined;
  const start = num(e["process.start"]);
  const miner = strings(e["process.minerReasons"]);
  const intel = isIntel(e["process.intel"]) ? e["process.intel"] : null;

  return (
    <>
      <Section title="Process tree" testId="process-tree">
        <ol className="alv-tree" aria-label="Process tree, root first">
          {chain.map((n, i) => <TreeNode key={i} n={n} depth={i} />)}
          <TreeNode n={self} depth={chain.length} self />
        </ol>
        {chain.length === 0 && <p className="muted small">The agent did not report this process's parents.</p>}
      </Section>
      <Section title="Process" testId="process-evidence">
        <dl className="kv">
          <dt>Command line</dt><dd>{cmd ? <pre className="alv-cmd" data-testid="process-cmdline">{cmd}</pre> : <span className="muted">—</span>}</dd>
          <dt>Executable</dt><dd className="mono">{self.executable ?? "—"}</dd>
          <dt>PID</dt><dd className="mono">{self.pid ?? "—"}{start !== undefined && <span className="muted"> · started <Time iso={new Date(start).toISOString()} /></span>}</dd>
          <dt>User</dt><dd>{user ? <>{str(user.name) ?? "?"} <span className="muted mono">uid {String(user.id ?? "?")}</span></> : <span className="muted">—</span>}</dd>
          {session && <><dt>Session</dt><dd data-testid="process-session">ssh{str(session.user) ? ` ${str(session.user)}` : ""}{str(session.sourceIp) ? ` from ${str(session.sourceIp)}` : ""} <span className="muted">· sshd {String(session.sshdPid ?? "?")}</span></dd></>}
          {hash && str(hash.sha256) && <><dt>SHA-256</dt><dd><CopyValue value={str(hash.sha256)!} short={64} label="SHA-256" /></dd></>}
          {hash && str(hash.md5) && <><dt>MD5</dt><dd><CopyValue value={str(hash.md5)!} short={32} label="MD5" /></dd></>}
          {cpu !== undefined && <><dt>CPU</dt><dd><span className={cpu >= 80 ? "alv-hot" : ""}>{cpu.toFixed(1)} %</span> <span className="muted">of one core</span></dd></>}
        </dl>
      </Section>
      {miner.length > 0 && (
        <Section title="Why it looks like a miner" testId="miner-reasons">
          <ul className="alv-amberlist">{miner.map((r, i) => <li key={i}>{r}</li>)}</ul>
        </Section>
      )}
      {intel && <IntelBlock title="Threat intelligence: the file hash" intel={intel} lookup={str(hash?.sha256) ?? str(hash?.md5)} testId="process-intel" />}
    </>
  );
}

function TreeNode({ n, depth, self }: { n: Node; depth: number; self?: boolean }) {
  return (
    <li className={`alv-node ${self ? "self" : ""}`} style={{ marginLeft: depth * 18 }} data-testid={self ? "tree-self" : "tree-node"}>
      {depth > 0 && <span className="alv-elbow" aria-hidden="true">└</span>}
      <span className="alv-node-name">{n.name}</span>
      <span className="mono muted alv-node-pid">{n.pid ?? "?"}</span>
      {n.executable && <span className="mono alv-node-exe">{n.executable}</span>}
      {self && <span className="badge alv-this">this alert</span>}
      {n.command_line && <div className="mono alv-node-cmd">{n.command_line}</div>}
    </li>
  );
}

// --- connections (mining pool, malicious IP) ---

function ConnectionBlock({ a, field }: { a: Alert; field: (p: string) => unknown }) {
  const e = a.evidence;
  const ip = str(field("destination.ip"));
  const port = num(field("destination.port")) ?? (str(field("destination.port")) ? Number(field("destination.port")) : undefined);
  const reasons = strings(e["destination.poolReasons"]);
  const intel = isIntel(e["destination.intel"]) ? e["destination.intel"] : null;
  const pid = num(e["process.pid"]);
  const name = str(e["process.name"]) ?? base(str(e["process.executable"]));
  const cmd = str(e["process.command_line"]);
  const dest = ip ? (ip.includes(":") ? `[${ip}]` : ip) + (port !== undefined ? `:${port}` : "") : port !== undefined ? `port ${port}` : "—";
  return (
    <>
      <Section title="Connection" testId="connection-evidence">
        <div className="alv-conn">
          <span className="mono muted">{str(e["source.ip"]) ?? "this host"}</span>
          <span className="alv-arrow" aria-hidden="true">→</span>
          <span className="mono alv-dest" data-testid="connection-destination">{dest}</span>
          <span className="muted small">{[str(e["network.transport"]), str(e["network.direction"])].filter(Boolean).join(" · ")}</span>
        </div>
        <dl className="kv">
          <dt>Process</dt><dd>{name ?? "?"} <span className="mono muted">{pid ?? ""}</span>{str(e["process.executable"]) && <div className="mono muted small">{str(e["process.executable"])}</div>}</dd>
          {cmd && <><dt>Command line</dt><dd><pre className="alv-cmd">{cmd}</pre></dd></>}
        </dl>
      </Section>
      {reasons.length > 0 && (
        <Section title="Why it looks like a mining pool" testId="pool-reasons">
          <ul className="alv-amberlist">{reasons.map((r, i) => <li key={i}>{r}</li>)}</ul>
        </Section>
      )}
      {intel && <IntelBlock title="Threat intelligence: the address" intel={intel} lookup={ip} testId="destination-intel" />}
    </>
  );
}

// --- DNS (malicious domain, PRC-3) ---

function DnsBlock({ a, field }: { a: Alert; field: (p: string) => unknown }) {
  const e = a.evidence;
  const name = str(field("dns.question.name"));
  const type = str(e["dns.question.type"]);
  const client = str(e["source.ip"]);
  const intel = isIntel(e["dns.intel"]) ? e["dns.intel"] : null;
  const lines = strings(e["log.lines"]);
  const lagMs = Date.parse(a.detectedAt) - Date.parse(a.firstSeen);
  return (
    <>
      <Section title="DNS query" testId="dns-evidence">
        <dl className="kv">
          <dt>Queried name</dt><dd><span className="mono alv-dest" data-testid="dns-name">{name ?? "—"}</span>{type && <span className="badge alv-pill alv-qtype">{type}</span>}</dd>
          <dt>Client</dt><dd className="mono" data-testid="dns-client">{client ?? <span className="muted">not in the log</span>}</dd>
          {str(e.resolver) && <><dt>Resolver</dt><dd>{str(e.resolver)}</dd></>}
        </dl>
        <div className="alv-times" data-testid="dns-times">
          <div className="alv-time">
            <div className="alv-time-label">Queried at</div>
            <div className="alv-time-value" data-testid="queried-at"><Time iso={a.firstSeen} seconds /></div>
            <div className="muted small">the time the resolver's log states</div>
          </div>
          <div className="alv-time">
            <div className="alv-time-label">Detected at</div>
            <div className="alv-time-value" data-testid="detected-at"><Time iso={a.detectedAt} seconds /></div>
            <div className="muted small">{Number.isFinite(lagMs) && lagMs >= 1000 ? `${lag(lagMs)} after the query` : "when Hostward raised the alert"}</div>
          </div>
        </div>
        {lines.length > 0 && <pre className="alv-cmd alv-loglines">{lines.join("\n")}</pre>}
      </Section>
      {intel && <IntelBlock title="Threat intelligence: the domain" intel={intel} lookup={name} testId="dns-intel" />}
    </>
  );
}

function lag(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${(s / 3600).toFixed(1).replace(/\.0$/, "")} h`;
  return `${(s / 86400).toFixed(1).replace(/\.0$/, "")} d`;
}

// --- files (sensitive file, ld.so.preload) ---

function FileBlock({ a, field }: { a: Alert; field: (p: string) => unknown }) {
  const e = a.evidence;
  const path = str(field("file.path"));
  const action = str(e["event.action"]);
  const hash = isObj(e["file.hash"]) ? e["file.hash"] : null;
  const change = isObj(e.change) ? e.change : null;
  const added = strings(change?.added);
  const removed = strings(change?.removed);
  const summary = str(change?.summary);
  return (
    <Section title="File change" testId="file-evidence">
      <dl className="kv">
        <dt>Path</dt><dd className="mono alv-dest" data-testid="file-path">{path ?? "—"}</dd>
        <dt>Action</dt><dd>{action ? <span className={`badge alv-act-${action}`}>{action}</span> : "—"}</dd>
        {(str(e["file.owner"]) || str(e["file.mode"])) && <><dt>Owner, mode</dt><dd className="mono">{str(e["file.owner"]) ?? "?"} · {str(e["file.mode"]) ?? "?"}</dd></>}
        {hash && str(hash.sha256) && <><dt>SHA-256 now</dt><dd><CopyValue value={str(hash.sha256)!} short={64} label="SHA-256" /></dd></>}
        {summary && <><dt>Summary</dt><dd>{summary}</dd></>}
      </dl>
      {added.length + removed.length > 0 ? (
        <div className="alv-diff" role="table" aria-label={`Lines changed in ${path ?? "the file"}`} data-testid="file-diff">
          <div className="alv-diff-head mono">{path ?? "file"} <span className="muted">· {removed.length} removed, {added.length} added</span></div>
          {removed.map((l, i) => <div key={`r${i}`} className="alv-diff-line del" role="row" data-testid="diff-removed"><span className="alv-diff-sign" aria-label="removed">-</span><span>{l}</span></div>)}
          {added.map((l, i) => <div key={`a${i}`} className="alv-diff-line add" role="row" data-testid="diff-added"><span className="alv-diff-sign" aria-label="added">+</span><span>{l}</span></div>)}
        </div>
      ) : <p className="muted small">The agent did not say which lines changed{action === "deleted" ? " (the file was removed)" : ""}.</p>}
    </Section>
  );
}

// --- shared ---

function IntelBlock({ title, intel, lookup, testId }: { title: string; intel: Intel; lookup?: string; testId: string }) {
  return (
    <Section title={title} testId={testId}>
      <dl className="kv">
        <dt>Listed by</dt><dd className="mono">{intel.list}</dd>
        {intel.category && <><dt>Category</dt><dd><span className="badge alv-cat">{intel.category}</span></dd></>}
        <dt>Provenance</dt><dd>{intel.provenance || <span className="muted">—</span>}</dd>
      </dl>
      {lookup && <Link to={`/threat-intel?value=${encodeURIComponent(lookup)}`} className="small alv-lookup">Look it up in Threat intel →</Link>}
    </Section>
  );
}

function Section({ title, testId, children }: { title: string; testId?: string; children: ReactNode }) {
  return <section className="alv-section" data-testid={testId}><h3>{title}</h3>{children}</section>;
}
