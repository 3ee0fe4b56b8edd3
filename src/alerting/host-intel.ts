import { cidrContains, isPublicIp, parseCidr, type Cidr, type IndicatorReader, type IntelMatch } from "../core/index.ts";

type Rec = { kind: string; ts: number; [k: string]: unknown };
type Obj = Record<string, unknown>;

const MALICIOUS = new Set(["malicious", "c2", "scanner", "botnet"]);
const MINING = new Set(["mining_pool", "miner"]);

function first(ms: IntelMatch[], cats: Set<string>): IntelMatch | undefined {
  return ms.find((m) => cats.has(m.category));
}

/**
 * PRC-1/PRC-2/MIN-2/MIN-3: what the intel lists say about host telemetry, added to the
 * record before the rules run (as LogonIntel does for logons, ADR 0008):
 * - process: `process.intel` (hash on a malware list), `process.miner` + `minerReasons`
 *   (a miner's name or hash, miner flags or a stratum URL in the command line);
 * - connection: `destination.intel` (malicious/C2 address), `destination.pool` +
 *   `poolReasons` (a pool address, or a typical stratum port on a public address);
 * - dns: `dns.intel` (the name or a parent domain is listed);
 * - file (web): `file.directory` and `webshell.characteristic` (webFileFacts).
 */
export class HostIntel {
  readonly #i: () => IndicatorReader;
  readonly #external: Cidr[];
  /** `externalNets`: networks judged like public addresses (default none). */
  constructor(indicators: () => IndicatorReader, externalNets: string[] = []) {
    this.#i = indicators;
    this.#external = externalNets.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== null);
  }

  apply(r: Rec): Rec {
    switch (r.kind) {
      case "process":
        return this.#process(r);
      case "connection":
        return this.#connection(r);
      case "dns":
        return this.#dns(r);
      case "file":
        return webFileFacts(r);
      default:
        return r;
    }
  }

  /** Why a process looks like a miner (MIN-3): its name or hash on a miner list, miner flags or a pool URL. */
  #minerReasons(p: Obj, byHash: IntelMatch[]): string[] {
    const i = this.#i();
    const reasons: string[] = [];
    const minerHash = first(byHash, MINING);
    if (minerHash) reasons.push(`hash on ${minerHash.list}`);
    const name = typeof p.name === "string" ? p.name : "";
    const exeBase = typeof p.executable === "string" ? p.executable.replace(/ \(deleted\)$/, "").split("/").pop()! : "";
    for (const n of new Set([name, exeBase].filter(Boolean))) {
      const m = first(i.processName(n), MINING);
      if (m) reasons.push(`miner name ${JSON.stringify(n)} (${m.list})`);
    }
    const cmd = typeof p.command_line === "string" ? p.command_line : "";
    if (cmd) for (const m of i.tokens(cmd)) if (MINING.has(m.category)) reasons.push(`miner flag or pool URL in the command line (${m.list})`);
    return [...new Set(reasons)];
  }

  #hashMatches(p: Obj): IntelMatch[] {
    const hash = p.hash as { md5?: string; sha256?: string } | undefined;
    return [...(hash?.sha256 ? this.#i().hash(hash.sha256) : []), ...(hash?.md5 ? this.#i().hash(hash.md5) : [])];
  }

  #process(r: Rec): Rec {
    const p = r.process as Obj;
    const byHash = this.#hashMatches(p);
    const reasons = this.#minerReasons(p, byHash);
    const bad = first(byHash, MALICIOUS);
    const stage = r.session && (r.event as { action?: string } | undefined)?.action === "start" ? attackStage(typeof p.command_line === "string" ? p.command_line : "", typeof p.name === "string" ? p.name : "") : null;
    if (!reasons.length && !bad && !stage) return r;
    const out: Obj = { ...p };
    if (stage) out.stage = stage;
    if (reasons.length) Object.assign(out, { miner: true, minerReasons: reasons });
    if (bad) out.intel = { malicious: true, list: bad.list, category: bad.category, provenance: bad.provenance };
    return { ...r, process: out };
  }

  #connection(r: Rec): Rec {
    const i = this.#i();
    const d = r.destination as { ip: string; port: number };
    const dir = (r.network as { direction?: string } | undefined)?.direction;
    // for an inbound connection the remote end is the "destination" the agent reports
    if (dir === "listening" || !(isPublicIp(d.ip) || this.#external.some((c) => cidrContains(c, d.ip)))) return r;
    const ms = i.ip(d.ip);
    const reasons: string[] = [];
    const pool = first(ms, MINING);
    if (pool) reasons.push(`pool address on ${pool.list}`);
    // a stratum port is a hint, not proof (8888, 5555 serve other things): it counts with a miner-like process
    const proc = r.process as Obj | undefined;
    if (dir === "outbound" && proc) {
      const port = i.port(d.port).find((m) => MINING.has(m.category));
      const miner = port ? this.#minerReasons(proc, this.#hashMatches(proc)) : [];
      if (port && miner.length) reasons.push(`stratum port ${d.port} (${port.list}) from a miner-like process: ${miner.join("; ")}`);
    }
    const bad = first(ms, MALICIOUS);
    if (!reasons.length && !bad) return r;
    const out: Obj = { ...d };
    if (reasons.length) Object.assign(out, { pool: true, poolReasons: reasons });
    if (bad) out.intel = { malicious: true, list: bad.list, category: bad.category, provenance: bad.provenance };
    return { ...r, destination: out };
  }

  #dns(r: Rec): Rec {
    const dns = r.dns as { question: { name: string } };
    const ms = this.#i().domain(dns.question.name);
    if (!ms.length) return r;
    const m = ms[0]!;
    return { ...r, dns: { ...dns, intel: { listed: true, list: m.list, category: m.category, provenance: m.provenance } } };
  }
}

const STAGES: [string, RegExp][] = [
  // persistence first: `curl … >> ~/.ssh/authorized_keys` is persistence more than download
  ["persistence", /(\bcrontab\b(?!\s+-l\b))|(\/etc\/cron)|(\bsystemctl\s+(enable|daemon-reload)\b)|(authorized_keys)|(\/etc\/rc\.local)|(\/etc\/(init\.d|systemd\/system)\/)|(\.bashrc|\.profile)\b.*>>|\buseradd\b|\busermod\b.*-aG|ld\.so\.preload/],
  ["download", /\b(wget|curl|tftp|ftpget|lwp-download|fetch)\b|\bscp\b.*:|\bpython[0-9.]*\s+-c\s+.*urlopen/],
  ["execute", /(\bchmod\s+(\+x|[0-7]*[1357][0-7]*)\b)|(^|\s|;|&)\.\/\S+|(\b(ba|da|z)?sh\s+\S+\.sh\b)|(\/(tmp|var\/tmp|dev\/shm)\/\S+)/],
  ["recon", /^(uname|id|whoami|w|who|last|lscpu|nproc|hostname|ifconfig|ip|netstat|ss|ps|df|free|lsblk|lspci|dmidecode)$|\bcat\s+\/(proc\/cpuinfo|etc\/(passwd|shadow|issue|os-release))|\buname\s+-a\b|\bgrep\b.*\/proc\/cpuinfo/],
];

/**
 * LOG-8: which step of an intrusion a command inside an SSH session looks like (recon →
 * download → execute → persistence), or null. The suspicious-session rule counts distinct
 * steps per session: one `uname -a` is an admin's habit, all four in half an hour are not.
 */
export function attackStage(commandLine: string, name: string): string | null {
  const text = commandLine || name;
  for (const [stage, re] of STAGES) if (re.test(stage === "recon" && !commandLine.includes(" ") ? name : text)) return stage;
  return null;
}

/** No intel at all (tests, or before the lists load). */
export const noIndicators: IndicatorReader = { ip: () => [], domain: () => [], hash: () => [], port: () => [], processName: () => [], tokens: () => [] };

/** The intel service's index as the reader HostIntel asks (PRC-1). */
export function indicatorReader(lookup: (kind: "ip" | "domain" | "md5" | "sha1" | "sha256" | "port" | "process" | "cmdline", value: string) => IntelMatch[]): IndicatorReader {
  return {
    ip: (v) => lookup("ip", v),
    domain: (v) => lookup("domain", v),
    hash: (v) => lookup(v.length === 32 ? "md5" : v.length === 40 ? "sha1" : "sha256", v),
    port: (p) => lookup("port", String(p)),
    processName: (n) => lookup("process", n),
    tokens: (c) => lookup("cmdline", c),
  };
}

/**
 * ALR-4 / WS-2: the facts web-shell alerts are keyed and whitelisted by — the file's directory
 * (whitelisting a web shell stores it) and its characteristic value (the engine's leading
 * reason: the first malicious one, else the first suspicious one).
 */
export function webFileFacts(r: Rec): Rec {
  const f = r.file as Obj | undefined;
  const w = r.webshell as { reasons?: { id: string; severity: string }[] } & Obj | undefined;
  if (!f || f.category !== "web" || typeof f.path !== "string") return r;
  const path = f.path;
  const cut = path.lastIndexOf("/");
  const directory = cut > 0 ? path.slice(0, cut) : "/";
  const reasons = w?.reasons ?? [];
  const lead = reasons.find((x) => x.severity === "malicious") ?? reasons.find((x) => x.severity === "suspicious");
  return { ...r, file: { ...f, directory }, ...(w ? { webshell: { ...w, ...(lead ? { characteristic: lead.id } : {}) } } : {}) };
}
