import { Fragment, useEffect, useState, type ReactNode } from "react";
import { api, qs } from "../../app/api.ts";
import type { Agent } from "../../app/types.ts";
import { CopyValue, Time, ago, bytes, useLoad } from "../../app/ui.tsx";
import { HOST_LIMIT, HOST_REFRESH_MS, endpoint, sessionText, type ConnectionItem, type ProcessItem } from "./model.ts";

type Tab = "processes" | "connections";
type Sort = "newest" | "cpu" | "rss";
const DIRECTION: Record<string, string> = { outbound: "outbound", inbound: "inbound", listening: "listening", unknown: "unknown" };

/**
 * AGT-3 / AGT-4: what runs on one asset and whom it talks to, as its agent last reported,
 * asked again every 10 s while open. Names, paths and command lines are attacker-controlled:
 * all of it is React text.
 */
export function ProcessesDrawer({ agent, onClose }: { agent: Agent; onClose: () => void }) {
  const id = agent.id;
  const [tab, setTab] = useState<Tab>("processes");
  const procs = useLoad(() => api<{ items: ProcessItem[] }>(`/api/v1/assets/${encodeURIComponent(id)}/processes${qs({ limit: HOST_LIMIT })}`), [id], HOST_REFRESH_MS);
  const conns = useLoad(() => api<{ items: ConnectionItem[] }>(`/api/v1/assets/${encodeURIComponent(id)}/connections${qs({ limit: HOST_LIMIT })}`), [id], HOST_REFRESH_MS);
  const [loadedAt, setLoadedAt] = useState<number | null>(null);
  useEffect(() => {
    if (procs.data || conns.data) setLoadedAt(Date.now());
  }, [procs.data, conns.data]);
  useEffect(() => {
    const k = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    addEventListener("keydown", k);
    return () => removeEventListener("keydown", k);
  }, [onClose]);

  const nP = procs.data?.items.length;
  const nC = conns.data?.items.length;
  return (
    <>
      <div className="as-scrim" onClick={onClose} />
      <aside className="drawer as-drawer as-host-drawer" role="dialog" aria-label={`Processes on ${agent.hostname}`} data-testid="processes-drawer">
        <div className="as-dhead">
          <div>
            <div className="as-dtitle">Processes and connections on {agent.hostname}</div>
            <div className="muted small mono">{id}</div>
          </div>
          <div className="spacer" />
          <span className="muted small as-refresh" data-testid="host-refresh">{loadedAt ? <>updated {new Date(loadedAt).toLocaleTimeString()} · every {HOST_REFRESH_MS / 1000} s</> : "loading…"}</span>
          <button className="x" onClick={onClose} aria-label="Close">×</button>
        </div>
        <div className="tabs as-tabs" role="tablist" aria-label="Host">
          <button role="tab" aria-selected={tab === "processes"} className={`tab ${tab === "processes" ? "on" : ""}`} onClick={() => setTab("processes")}>Processes{nP !== undefined && <span className="as-n">{nP}</span>}</button>
          <button role="tab" aria-selected={tab === "connections"} className={`tab ${tab === "connections" ? "on" : ""}`} onClick={() => setTab("connections")}>Connections{nC !== undefined && <span className="as-n">{nC}</span>}</button>
        </div>
        {tab === "processes"
          ? <Processes items={procs.data?.items ?? null} error={procs.error} hostname={agent.hostname} />
          : <Connections items={conns.data?.items ?? null} error={conns.error} hostname={agent.hostname} />}
      </aside>
    </>
  );
}

function Processes({ items, error, hostname }: { items: ProcessItem[] | null; error: string | null; hostname: string }) {
  const [filter, setFilter] = useState("");
  const [sort, setSort] = useState<Sort>("newest");
  const [open, setOpen] = useState<Set<string>>(new Set());
  const toggle = (k: string) => setOpen((s) => { const n = new Set(s); if (n.has(k)) n.delete(k); else n.add(k); return n; });
  const f = filter.trim().toLowerCase();
  const rows = (items ?? [])
    .filter(({ process: p, session }) => !f || [p.name, p.executable, p.command_line, p.user?.name, String(p.pid), session?.user, session?.sourceIp].some((x) => x?.toLowerCase().includes(f)))
    .sort((a, b) => (sort === "cpu" ? (b.process.cpu?.pct ?? -1) - (a.process.cpu?.pct ?? -1) : sort === "rss" ? (b.process.memory?.rss ?? -1) - (a.process.memory?.rss ?? -1) : 0));

  return (
    <Section title="Processes" actions={items && items.length > 0 && (
      <>
        <input type="search" className="as-filter" placeholder="Filter: name, command, user, pid" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter processes" />
        <select value={sort} onChange={(e) => setSort(e.target.value as Sort)} aria-label="Sort processes">
          <option value="newest">Newest report first</option>
          <option value="cpu">CPU first</option>
          <option value="rss">Memory first</option>
        </select>
      </>
    )}>
      {error && <div className="alert-box error" role="alert">{error}</div>}
      {items === null ? <p className="muted">Loading…</p> : items.length === 0 ? (
        <div className="empty as-hempty" data-testid="processes-empty">
          <div className="as-empty-title">No processes reported yet</div>
          The agent reports new and busy processes (and samples busy ones); none yet from {hostname}. Processes that exited are left out.
        </div>
      ) : (
        <>
          <p className="muted small as-lead">New and busy processes as {hostname}'s agent last reported them, exited ones left out{items.length >= HOST_LIMIT ? ` (the latest ${HOST_LIMIT})` : ""}.</p>
          <div className="as-wrap">
            <table className="as-procs" data-testid="processes-table">
              <thead><tr><th className="num">PID</th><th>Process</th><th>User</th><th className="num">CPU %</th><th className="num">RSS</th><th>Started</th><th>Command line</th><th>SHA-256</th><th>Parent</th></tr></thead>
              <tbody>
                {rows.length === 0 && <tr><td colSpan={9} className="muted">No process matches “{filter}”.</td></tr>}
                {rows.map(({ process: p, session, seenAt, action }) => {
                  const key = `${p.pid}:${p.start ?? ""}`;
                  const isOpen = open.has(key);
                  const deleted = p.executable?.endsWith(" (deleted)");
                  const cpu = p.cpu?.pct;
                  return (
                    <Fragment key={key}>
                      <tr data-testid={`process-${p.pid}`} className={isOpen ? "as-open" : ""}>
                        <td className="num mono">{p.pid}</td>
                        <td className="as-pname">
                          <div className="as-host">{p.name}</div>
                          {p.executable && <div className={`mono small ${deleted ? "as-bad" : "muted"}`} title={deleted ? "The executable was deleted after it started" : undefined}>{p.executable}</div>}
                        </td>
                        <td>
                          <div>{p.user ? (p.user.name ?? `uid ${p.user.id}`) : <span className="muted">—</span>}</div>
                          {session && <span className="badge as-session" data-testid="process-session">{sessionText(session)}</span>}
                        </td>
                        <td className={`num mono ${cpu !== undefined && cpu >= 80 ? "as-warn" : ""}`}>{cpu === undefined ? <span className="muted">—</span> : cpu.toFixed(1)}</td>
                        <td className="num mono">{bytes(p.memory?.rss)}</td>
                        <td className="nowrap small">{p.start ? <Time iso={new Date(p.start).toISOString()} /> : <span className="muted">—</span>}<div className="muted" title="When the agent last reported it">{action === "sample" ? "sampled" : "reported"} {ago(seenAt)}</div></td>
                        <td className="as-cmdcell">
                          {p.command_line ? (
                            <button type="button" className={`as-cmd mono ${isOpen ? "full" : ""}`} onClick={() => toggle(key)} aria-expanded={isOpen} title={isOpen ? "Show less" : "Show the full command line and details"} data-testid="process-cmd">{p.command_line}</button>
                          ) : <button type="button" className="as-keys-btn" onClick={() => toggle(key)} aria-expanded={isOpen}>details {isOpen ? "▾" : "▸"}</button>}
                        </td>
                        <td>{p.hash?.sha256 ? <CopyValue value={p.hash.sha256} label="SHA-256" /> : <span className="muted">—</span>}</td>
                        <td className="small as-parent">{p.parent ? <><span>{p.parent.name ?? "?"}</span> <span className="as-pid muted">{p.parent.pid}</span></> : p.ppid !== undefined ? <span className="as-pid muted">{p.ppid}</span> : <span className="muted">—</span>}</td>
                      </tr>
                      {isOpen && (
                        <tr className="as-subrow as-open" data-testid={`process-detail-${p.pid}`}>
                          <td colSpan={9}>
                            <dl className="kv as-kv as-pdetail">
                              <dt>Command line</dt><dd><pre className="as-pre">{p.command_line ?? "—"}</pre></dd>
                              <dt>Executable</dt><dd className="mono">{p.executable ?? "—"}</dd>
                              {p.cwd && <><dt>Working dir</dt><dd className="mono">{p.cwd}</dd></>}
                              <dt>SHA-256</dt><dd className="mono">{p.hash?.sha256 ?? "—"}</dd>
                              {p.hash?.md5 && <><dt>MD5</dt><dd className="mono">{p.hash.md5}</dd></>}
                              {p.parent && <><dt>Parent</dt><dd><span className="mono">{p.parent.pid}</span> {p.parent.name} {p.parent.executable && <span className="mono muted">{p.parent.executable}</span>}{p.parent.command_line && <pre className="as-pre">{p.parent.command_line}</pre>}</dd></>}
                              {p.ancestors && p.ancestors.length > 0 && <><dt>Ancestors</dt><dd className="mono">{[...p.ancestors].reverse().map((a) => `${a.name} (${a.pid})`).join(" → ")} → {p.name} ({p.pid})</dd></>}
                              {session && <><dt>Session</dt><dd>{sessionText(session)} <span className="muted">· sshd {session.sshdPid}</span></dd></>}
                            </dl>
                          </td>
                        </tr>
                      )}
                    </Fragment>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Section>
  );
}

function Connections({ items, error, hostname }: { items: ConnectionItem[] | null; error: string | null; hostname: string }) {
  const [filter, setFilter] = useState("");
  const f = filter.trim().toLowerCase();
  const rows = (items ?? []).filter((c) => !f || [c.process?.name, c.process?.executable, c.source.ip, c.destination.ip, String(c.destination.port), String(c.source.port), c.network.state, c.network.direction].some((x) => x?.toLowerCase().includes(f)));
  return (
    <Section title="Connections" actions={items && items.length > 0 && <input type="search" className="as-filter" placeholder="Filter: process, address, port" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter connections" />}>
      {error && <div className="alert-box error" role="alert">{error}</div>}
      {items === null ? <p className="muted">Loading…</p> : items.length === 0 ? (
        <div className="empty as-hempty" data-testid="connections-empty">
          <div className="as-empty-title">No connections reported yet</div>
          The agent reports the network connections of processes when they open and while they last; none yet from {hostname}. Closed ones are left out.
        </div>
      ) : (
        <>
          <p className="muted small as-lead">Open connections per process as {hostname}'s agent last reported them, closed ones left out{items.length >= HOST_LIMIT ? ` (the latest ${HOST_LIMIT})` : ""}.</p>
          <div className="as-wrap">
            <table className="as-procs" data-testid="connections-table">
              <thead><tr><th>Process</th><th>Local → remote</th><th>Protocol</th><th>State</th><th>Direction</th><th>First seen</th><th>Last seen</th></tr></thead>
              <tbody>
                {rows.length === 0 && <tr><td colSpan={7} className="muted">No connection matches “{filter}”.</td></tr>}
                {rows.map((c) => (
                  <tr key={`${c.network.transport} ${endpoint(c.source.ip, c.source.port)} ${endpoint(c.destination.ip, c.destination.port)}`} data-testid="connection-row">
                    <td className="as-pname">
                      {c.process ? <><div><span className="as-host">{c.process.name ?? "?"}</span> <span className="mono muted">{c.process.pid}</span></div>{c.process.executable && <div className="mono muted small">{c.process.executable}</div>}</> : <span className="muted">unknown</span>}
                    </td>
                    <td className="mono nowrap">{endpoint(c.source.ip, c.source.port)} <span className="muted">→</span> {c.network.direction === "listening" ? <span className="muted">listening</span> : endpoint(c.destination.ip, c.destination.port)}</td>
                    <td className="mono">{c.network.transport}<span className="muted">/{c.network.type}</span></td>
                    <td className="mono">{c.network.state ?? <span className="muted">—</span>}</td>
                    <td><span className={`badge as-dir as-dir-${c.network.direction}`}>{DIRECTION[c.network.direction] ?? c.network.direction}</span></td>
                    <td className="nowrap small"><Time iso={c.firstSeen} /></td>
                    <td className="nowrap small"><Time iso={c.lastSeen} /><div className="muted">{ago(c.lastSeen)}</div></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Section>
  );
}

function Section({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  return (
    <section className="as-section" aria-label={title}>
      <div className="as-section-head"><h3>{title}</h3><div className="spacer" />{actions}</div>
      {children}
    </section>
  );
}
