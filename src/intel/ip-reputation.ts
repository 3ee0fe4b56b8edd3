import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, basename } from "node:path";
import { cidrContains, normalizeIp, parseCidr, type Cidr, type IpReputationReader } from "../core/index.ts";

export interface IpList { name: string; provenance: string; ips: Set<string>; nets: Cidr[]; rejected: number }

/**
 * Parses an IP list: one address or CIDR per line, `#` comments. Header comments
 * `# name: …` and `# provenance: …` say what the list is and where it came from.
 * Malformed lines are counted, never fatal.
 */
export function parseIpList(text: string, fallbackName: string): IpList {
  const list: IpList = { name: fallbackName, provenance: "", ips: new Set(), nets: [], rejected: 0 };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith("#")) {
      const m = /^#\s*(name|provenance)\s*:\s*(.+)$/i.exec(line);
      if (m) list[m[1]!.toLowerCase() as "name" | "provenance"] = m[2]!.trim();
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

/** LOG-8: malicious-IP lists (shipped ones in content/intel, plus operators' files). */
export class IpReputation implements IpReputationReader {
  readonly lists: IpList[];
  constructor(lists: IpList[]) {
    this.lists = lists;
  }

  /** Loads `*.ips.txt` of the directories and the named files. */
  static load(paths: string[]): IpReputation {
    const lists: IpList[] = [];
    for (const p of paths) {
      if (!existsSync(p)) continue;
      const files = p.endsWith(".txt") ? [p] : readdirSync(p).filter((f) => f.endsWith(".ips.txt")).map((f) => join(p, f));
      for (const f of files) lists.push(parseIpList(readFileSync(f, "utf8"), basename(f).replace(/\.ips\.txt$|\.txt$/, "")));
    }
    return new IpReputation(lists);
  }

  lookup(ip: string): { list: string; provenance: string } | null {
    const n = normalizeIp(ip);
    if (!n) return null;
    for (const l of this.lists) {
      if (l.ips.has(n) || l.nets.some((c) => cidrContains(c, n))) return { list: l.name, provenance: l.provenance };
    }
    return null;
  }
}

export const DEFAULT_INTEL_DIR = join(import.meta.dirname, "..", "..", "content", "intel");
