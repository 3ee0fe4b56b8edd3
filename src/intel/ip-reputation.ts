import { readFileSync, readdirSync, existsSync, statSync } from "node:fs";
import { join, basename } from "node:path";
import { normalizeIp, parseCidr, type Cidr, type IpReputationReader } from "../core/index.ts";
import { IndicatorIndex, MALICIOUS_IP_CATEGORIES, categoryFromName, normalizeIndicator, type Indicator, type IntelCategory } from "./indicators.ts";

export interface IpList {
  name: string;
  provenance: string;
  ips: Set<string>;
  nets: Cidr[];
  rejected: number;
  /** `# category:` header; absent means malicious. */
  category?: IntelCategory;
}

/**
 * Parses an IP list: one address or CIDR per line, `#` comments. Header comments
 * `# name: …`, `# provenance: …` and `# category: …` say what the list is and where it
 * came from. Malformed lines are counted, never fatal.
 */
export function parseIpList(text: string, fallbackName: string): IpList {
  const list: IpList = { name: fallbackName, provenance: "", ips: new Set(), nets: [], rejected: 0 };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith("#")) {
      const m = /^#\s*(name|provenance|category)\s*:\s*(.+)$/i.exec(line);
      if (m?.[1]!.toLowerCase() === "category") list.category = categoryFromName(m[2]!) ?? "other";
      else if (m) list[m[1]!.toLowerCase() as "name" | "provenance"] = m[2]!.trim();
      continue;
    }
    const v = line.split(/[\s,;]/)[0]!;
    if (v.includes("/")) {
      const c = parseCidr(v);
      if (c) list.nets.push(c);
      else list.rejected++;
    } else {
      const n = normalizeIp(v);
      if (n) list.ips.add(n);
      else list.rejected++;
    }
  }
  return list;
}

function cidrText(c: Cidr): string {
  const width = c.version === 4 ? 32 : 128;
  const bits = [...c.bits, ...new Array<number>(width - c.bits.length).fill(0)];
  if (c.version === 4) {
    const o: number[] = [];
    for (let i = 0; i < 32; i += 8) o.push(bits.slice(i, i + 8).reduce((a, b) => a * 2 + b, 0));
    return `${o.join(".")}/${c.prefix}`;
  }
  const g: string[] = [];
  for (let i = 0; i < 128; i += 16) g.push(bits.slice(i, i + 16).reduce((a, b) => a * 2 + b, 0).toString(16));
  return `${g.join(":")}/${c.prefix}`;
}

/**
 * LOG-8: malicious-IP lists (shipped ones in content/intel, plus operators' files). Kept for
 * callers that want IP lists only; IntelService reads every kind and format and reloads.
 * Lists whose `# category:` is not malicious, c2, scanner or botnet are not "malicious IPs".
 */
export class IpReputation implements IpReputationReader {
  readonly lists: IpList[];
  readonly #index: IndicatorIndex;
  /** List order decides which list a match is reported from, as before the index. */
  readonly #order = new Map<string, number>();
  constructor(lists: IpList[]) {
    this.lists = lists;
    this.#index = new IndicatorIndex();
    for (const [i, l] of lists.entries()) {
      const category = l.category ?? "malicious";
      if (!MALICIOUS_IP_CATEGORIES.has(category)) continue;
      // a unique name per list, mapped back on lookup
      const tag = { name: `${i}`, provenance: "" };
      this.#order.set(tag.name, i);
      const inds: Indicator[] = [];
      for (const ip of l.ips) inds.push({ kind: "ip", value: ip, category });
      for (const c of l.nets) {
        const v = normalizeIndicator("ip", cidrText(c));
        if (v) inds.push({ kind: "ip", value: v, category });
      }
      this.#index.add(tag, inds);
    }
  }

  /** Loads `*.ips.txt` of the directories and the named files (any name). Missing paths are skipped. */
  static load(paths: string[]): IpReputation {
    const lists: IpList[] = [];
    for (const p of paths) {
      if (!existsSync(p)) continue;
      const files = statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith(".ips.txt")).sort().map((f) => join(p, f)) : [p];
      for (const f of files) lists.push(parseIpList(readFileSync(f, "utf8"), basename(f).replace(/\.ips\.txt$|\.txt$/, "")));
    }
    return new IpReputation(lists);
  }

  lookup(ip: string): { list: string; provenance: string } | null {
    let best = -1;
    for (const m of this.#index.lookup("ip", ip)) {
      const i = this.#order.get(m.list)!;
      if (best < 0 || i < best) best = i;
    }
    const l = this.lists[best];
    return l ? { list: l.name, provenance: l.provenance } : null;
  }
}

export const DEFAULT_INTEL_DIR = join(import.meta.dirname, "..", "..", "content", "intel");
