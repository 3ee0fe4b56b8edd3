import { isPublicIp, type IndicatorReader, type IntelMatch, type Store } from "../core/index.ts";

type Rec = { kind: string; ts: number; [k: string]: unknown };
type Obj = Record<string, unknown>;

const MALICIOUS = new Set(["malicious", "c2", "malware", "scanner"]);
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
 * - dns: `dns.intel` (the name or a parent domain is listed).
 */
export class HostIntel {
  readonly #i: () => IndicatorReader;
  constructor(indicators: () => IndicatorReader) {
    this.#i = indicators;
  }

  apply(_tx: Store, r: Rec): Rec {
    switch (r.kind) {
      case "process":
        return this.#process(r);
      case "connection":
        return this.#connection(r);
      case "dns":
        return this.#dns(r);
      default:
        return r;
    }
  }

  #process(r: Rec): Rec {
    const i = this.#i();
    const p = r.process as Obj;
    const hash = p.hash as { md5?: string; sha256?: string } | undefined;
    const byHash = [...(hash?.sha256 ? i.hash(hash.sha256) : []), ...(hash?.md5 ? i.hash(hash.md5) : [])];
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
    const bad = first(byHash, MALICIOUS);
    if (!reasons.length && !bad) return r;
    const out: Obj = { ...p };
    if (reasons.length) Object.assign(out, { miner: true, minerReasons: [...new Set(reasons)] });
    if (bad) out.intel = { malicious: true, list: bad.list, category: bad.category, provenance: bad.provenance };
    return { ...r, process: out };
  }

  #connection(r: Rec): Rec {
    const i = this.#i();
    const d = r.destination as { ip: string; port: number };
    const dir = (r.network as { direction?: string } | undefined)?.direction;
    // for an inbound connection the remote end is the "destination" the agent reports
    if (dir === "listening" || !isPublicIp(d.ip)) return r;
    const ms = i.ip(d.ip);
    const reasons: string[] = [];
    const pool = first(ms, MINING);
    if (pool) reasons.push(`pool address on ${pool.list}`);
    if (dir === "outbound") for (const m of i.port(d.port)) if (MINING.has(m.category)) reasons.push(`stratum port ${d.port} (${m.list}) on a public address`);
    const bad = first(ms, MALICIOUS);
    if (!reasons.length && !bad) return r;
    const out: Obj = { ...d };
    if (reasons.length) Object.assign(out, { pool: true, poolReasons: [...new Set(reasons)] });
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

/** No intel at all (tests, or before the lists load). */
export const noIndicators: IndicatorReader = { ip: () => [], domain: () => [], hash: () => [], port: () => [], processName: () => [], tokens: () => [] };
