import { normalizeIp, type Alert, type EventEdge, type EventEntity } from "../core/index.ts";

/** EVT-1/EVT-4: what one alert contributes to its event — the entities it names and how they relate. */
export interface AlertGraph {
  entities: EventEntity[];
  edges: EventEdge[];
}

/** Alert types whose process is the attacker's (a miner, malware, a reverse shell, what talks to a pool or a C2). */
const MALICIOUS_PROCESS = new Set(["mining_program", "mining_behaviour", "mining_pool", "malicious_process", "malicious_ip", "reverse_shell"]);
/** Alert types whose file is a web shell. */
const MALICIOUS_FILE = new Set(["web_shell", "persistent_web_shell", "web_file_backdoor"]);
/** Keys and labels are bounded: evidence is attacker text and every key is indexed. */
const MAX_TEXT = 1024;
const MAX_ENTITIES = 64;
const MAX_LIST = 32;
const MAX_COMMAND = 8192;
const MAX_ANCESTORS = 8;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined);
const text = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v.slice(0, MAX_TEXT) : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v.slice(0, MAX_LIST) : []);
/** An executable as /proc shows it, without the " (deleted)" the kernel adds for a removed file. */
const executable = (v: unknown): string | undefined => text(v)?.replace(/ \(deleted\)$/, "");

export const hostKey = (assetId: string): string => `host:${assetId}`;
export const ipKey = (ip: string): string => `ip:${ip}`;

/** A URL's host (no user info, port or brackets), or null. */
function urlHost(url: string): string | null {
  const rest = url.slice(url.indexOf("://") + 3);
  let auth = rest.split(/[/?#]/, 1)[0] ?? "";
  auth = auth.slice(auth.lastIndexOf("@") + 1);
  if (auth.startsWith("[")) return auth.slice(1, auth.indexOf("]") > 0 ? auth.indexOf("]") : undefined) || null;
  return auth.replace(/:\d*$/, "") || null;
}

/** Lower-case DNS name with at least two labels and a letter in the last one, or null. */
function domainName(s: string): string | null {
  const d = s.toLowerCase().replace(/\.$/, "");
  if (d.length > 253 || !/^(?:[a-z0-9_-]{1,63}\.)+[a-z0-9-]{1,63}$/.test(d)) return null;
  return /[a-z]/.test(d.slice(d.lastIndexOf(".") + 1)) ? d : null;
}

// Linear on attacker text: literal anchors, bounded character runs, no nested quantifiers.
const URL_RE = /\b(?:https?|ftps?|tftp|stratum\+(?:tcp|ssl|tls)):\/\/[^\s'"<>`|;]{1,2048}/gi;
const DEV_TCP_RE = /\/dev\/(?:tcp|udp)\/([0-9A-Za-z:.-]{2,253})\/\d{1,5}/g;
const POOL_ARG_RE = /(?:^|\s)(?:-o|--url)(?:=|\s{1,8})(?:[a-z+]{1,16}:\/\/)?([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]):\d{1,5}/g;

/** Endpoints a command line names: URLs, bash's /dev/tcp/HOST/PORT, a miner's `-o host:port`. Bounded. */
export function commandLineEndpoints(commandLine: string): { urls: string[]; hosts: string[] } {
  const cmd = commandLine.slice(0, MAX_COMMAND);
  const urls: string[] = [];
  const hosts: string[] = [];
  for (const m of cmd.matchAll(URL_RE)) {
    if (urls.length >= 8) break;
    urls.push(m[0]);
    const h = urlHost(m[0]);
    if (h) hosts.push(h);
  }
  for (const m of cmd.matchAll(DEV_TCP_RE)) if (hosts.length < 16) hosts.push(m[1]!);
  for (const m of cmd.matchAll(POOL_ARG_RE)) if (hosts.length < 16) hosts.push(m[1]!.replace(/^\[|\]$/g, ""));
  return { urls, hosts };
}

/**
 * EVT-1/EVT-4/EVT-5: the entities an alert names, from its columns and evidence, under canonical keys:
 * `ip:<addr>` and `domain:<name>` and `url:<url>` (not bound to an asset: one attacker address is the
 * same on every asset), `host:<assetId>`, `account:<assetId>:<user>`, `process:<assetId>:<executable>`
 * (or its name when the executable is unknown), `file:<assetId>:<path>`. Edges: account logged_on_from
 * ip, ip attacked host, process spawned process, process connected_to ip/domain/url, domain resolved ip,
 * host resolved domain (a resolver's log names no process), process ran_on host, host wrote file (the
 * writer unknown). Malicious: the attacker's addresses, pool and C2 endpoints, listed domains, web
 * shells, backdoor accounts, the process of a miner/malware/reverse-shell alert and what it talks to.
 * Evidence is attacker-controlled and loosely typed: everything is checked, nothing is evaluated.
 */
export function alertEntities(a: Alert): AlertGraph {
  const ev = a.evidence ?? {};
  const asset = a.assetId;
  const first = a.firstSeen, last = a.lastSeen;
  const entities = new Map<string, EventEntity>();
  const edges = new Map<string, EventEdge>();

  const add = (key: string, kind: EventEntity["kind"], label: string, assetId: string | null, malicious: boolean): string | null => {
    const prev = entities.get(key);
    if (prev) {
      prev.malicious ||= malicious;
      return key;
    }
    if (entities.size >= MAX_ENTITIES) return null;
    entities.set(key, { key, kind, label, assetId, malicious, firstSeen: first, lastSeen: last });
    return key;
  };
  const edge = (from: string | null, to: string | null, relation: EventEdge["relation"]) => {
    if (!from || !to || from === to) return;
    const k = `${from}\n${to}\n${relation}`;
    if (!edges.has(k)) edges.set(k, { from, to, relation, alertId: a.id, ts: first });
  };
  const ip = (v: unknown, malicious: boolean): string | null => {
    const n = typeof v === "string" ? normalizeIp(v.slice(0, 64)) : null;
    return n ? add(ipKey(n), "ip", n, null, malicious) : null;
  };
  const domain = (v: unknown, malicious: boolean): string | null => {
    const d = typeof v === "string" ? domainName(v) : null;
    return d ? add(`domain:${d}`, "domain", d, null, malicious) : null;
  };
  const account = (v: unknown, malicious = false): string | null => {
    const u = text(v);
    return u ? add(`account:${asset}:${u}`, "account", u, asset, malicious) : null;
  };
  const proc = (exe: unknown, name: unknown, malicious: boolean): string | null => {
    const id = executable(exe) ?? text(name);
    return id ? add(`process:${asset}:${id}`, "process", id, asset, malicious) : null;
  };
  /** An address or a name from a command line or a URL. */
  const endpoint = (h: string, malicious: boolean): string | null => (normalizeIp(h) ? ip(h, malicious) : domain(h, malicious));

  const host = add(hostKey(asset), "host", asset, asset, false);

  // the attacker's address: a logon alert's source, the sources of a distributed attack, an SSH session's peer
  const attackers = [ip(a.sourceIp, true), ...list(ev["source.ips"]).map((x) => ip(x, true))];
  const session = obj(ev.session);
  const sessionIp = ip(session?.sourceIp, true);
  attackers.push(sessionIp);
  for (const x of attackers) edge(x, host, "attacked");

  // the accounts: a logon's user (a backdoor account is the attacker's), an SSH session's user, backdoor accounts created
  const backdoorLogon = a.type === "backdoor_account_logon";
  const user = account(a.userName ?? ev["user.name"], backdoorLogon);
  edge(user, ip(a.sourceIp, true), "logged_on_from");
  const sessionUser = account(session?.user);
  edge(sessionUser, sessionIp, "logged_on_from");
  for (const n of list(ev["inventory.backdoorNames"])) account(n, true);

  // the process, its tree (nearest ancestor first) and what it talks to
  const badProcess = MALICIOUS_PROCESS.has(a.type);
  const main = proc(ev["process.executable"], ev["process.name"], badProcess);
  edge(main, host, "ran_on");
  let child = main;
  const parent = obj(ev["process.parent"]);
  const ancestors = list(ev["process.ancestors"]).map(obj).filter((x): x is Obj => x !== undefined);
  if (parent && ancestors[0]?.pid !== parent.pid) ancestors.unshift(parent);
  for (const p of ancestors.slice(0, MAX_ANCESTORS)) {
    const k = proc(p.executable, p.name, false);
    edge(k, child, "spawned");
    if (k) child = k;
  }
  const dest = ip(ev["destination.ip"], ev["destination.intel"] !== undefined || ev["destination.poolReasons"] !== undefined || badProcess);
  edge(main ?? host, dest, "connected_to");
  const remote = ip(obj(ev["process.network"])?.ip, false);
  edge(main, remote, "connected_to");
  const cmd = typeof ev["process.command_line"] === "string" ? ev["process.command_line"] : "";
  if (cmd) {
    const { urls, hosts } = commandLineEndpoints(cmd);
    for (const u of urls) edge(main, add(`url:${u.slice(0, MAX_TEXT)}`, "url", u.slice(0, MAX_TEXT), null, badProcess), "connected_to");
    for (const h of hosts) edge(main, endpoint(h, badProcess), "connected_to");
  }

  // a DNS query: the name (listed: malicious) and, when the record had them, its answers
  const question = domain(ev["dns.question.name"], ev["dns.intel"] !== undefined);
  edge(host, question, "resolved");
  for (const ans of list(ev["dns.answers"])) edge(question, ip(obj(ans)?.data, false), "resolved");

  // a file: a web shell is the attacker's; which process wrote it the evidence does not say
  const path = text(ev["file.path"]);
  if (path) edge(host, add(`file:${asset}:${path}`, "file", path, asset, MALICIOUS_FILE.has(a.type)), "wrote");

  return { entities: [...entities.values()], edges: [...edges.values()] };
}
