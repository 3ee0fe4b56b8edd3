/**
 * `hostward intel lookup|lists`: the PRC-1 intel offline — the shipped lists plus feed
 * files given with --feed (and the configured paths the caller passes) — to check a value
 * or to check that a feed reads before pointing the server at it.
 */
import { existsSync } from "node:fs";
import { relative } from "node:path";
import type { Clock } from "../core/index.ts";
import { INDICATOR_KINDS, IntelService, type IndicatorKind, type IntelMatch, type IntelSourceStatus } from "../intel/index.ts";

export interface IntelIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface IntelCommandOptions {
  /** Feed files or directories from the configuration (`intelPaths`), loaded besides --feed. */
  paths?: string[];
  /** The shipped lists' directory (default content/intel); null for none. */
  shippedDir?: string | null;
  clock?: Clock;
}

export const INTEL_USAGE = `Usage: hostward intel lookup VALUE... [options]
       hostward intel lists [options]

Checks values against the intel lists offline: the lists shipped with Hostward
(content/intel: mining pools, stratum ports, miner names and flags, miner download
sites) plus feed files you give with --feed. Nothing is fetched from the network.

  lookup   Prints each value, the kind it was taken as (ip, domain, url, md5, sha1,
           sha256, port, process, cmdline) and every list entry it matches, with the
           list, category and provenance. A domain matches its parent domains' entries;
           an address the networks holding it; a URL its exact entry, the prefix
           entries (ending in /) above it and its host's domain or IP entries.
           Exit status: 0 nothing matched, 1 something matched, 2 usage error.
  lists    Prints every list loaded: kinds, categories, entries, lines rejected,
           STIX objects skipped, and the error of any file that could not be read.
           Exit status: 0 all read, 1 a file could not be read, 2 usage error.

Options:
  --feed PATH     A feed file or directory (repeatable). Plain text (one indicator a
                  line; kind from the name: *.ips.txt, *.domains.txt, *.urls.txt,
                  *.md5.txt, *.sha1.txt, *.sha256.txt, *.ports.txt, *.names.txt,
                  *.tokens.txt, or a "# kind:" header), CSV (*.csv, columns found by
                  their header) or STIX 2.1 (*.json bundles). Directories: their
                  *.txt, *.csv and *.json files.
  --kind KIND     lookup: take every value as this kind instead of guessing
  --no-shipped    Leave out the shipped lists (to check a feed on its own)
  --json          One JSON object per value (lookup) or per list (lists)
  -h, --help      This help

Examples:
  hostward intel lookup pool.supportxmr.com 203.0.113.7 xmrig
  hostward intel lookup 'stratum+tcp://xmr.example.net:3333' --json
  hostward intel lookup --kind cmdline './x -o pool.example:4444 --donate-level=1'
  hostward intel lookup --feed /etc/hostward/intel/ 44d88612fea8a8f36de82e1278abb02f
  hostward intel lists --feed urlhaus.csv --feed indicators.stix.json
`;

class UsageError extends Error {}

interface Options {
  command: "lookup" | "lists" | null;
  help: boolean;
  json: boolean;
  shipped: boolean;
  kind: IndicatorKind | null;
  feeds: string[];
  values: string[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = { command: null, help: false, json: false, shipped: true, kind: null, feeds: [], values: [] };
  let rest = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (rest || !a.startsWith("-") || a === "-") {
      if (o.command === null) {
        if (a !== "lookup" && a !== "lists") throw new UsageError(`unknown subcommand ${JSON.stringify(a)}`);
        o.command = a;
      } else o.values.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const flag = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    const value = () => {
      if (eq > 0 && a.startsWith("--")) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === "-h" || flag === "--help") o.help = true;
    else if (flag === "--json") o.json = true;
    else if (flag === "--no-shipped") o.shipped = false;
    else if (flag === "--feed") o.feeds.push(value());
    else if (flag === "--kind") {
      const k = value();
      if (!(INDICATOR_KINDS as readonly string[]).includes(k)) throw new UsageError(`unknown kind ${JSON.stringify(k)} (one of ${INDICATOR_KINDS.join(", ")})`);
      o.kind = k as IndicatorKind;
    } else if (a === "--") rest = true;
    // a command-line token to look up starts with "-": after the values began, take it as one
    else if (o.command === "lookup" && o.kind === "cmdline") o.values.push(a);
    else throw new UsageError(`unknown option ${a}`);
  }
  return o;
}

/** Control characters in a feed's text never reach the terminal as such. */
const clean = (s: string) => s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);

const shortPath = (p: string) => {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith("..") && r.length < p.length ? r : p;
};

export async function intelCommand(args: string[], io: IntelIo, opts: IntelCommandOptions = {}): Promise<number> {
  let o: Options;
  try {
    o = parseArgs(args);
    if (!o.help) {
      if (!o.command) throw new UsageError("say lookup or lists");
      if (o.command === "lookup" && !o.values.length) throw new UsageError("lookup needs at least one value");
      if (o.command === "lists" && o.values.length) throw new UsageError(`lists takes no values (got ${JSON.stringify(o.values[0])})`);
      if (o.command === "lists" && o.kind) throw new UsageError("--kind is for lookup");
      for (const f of o.feeds) if (!existsSync(f)) throw new UsageError(`cannot read feed ${JSON.stringify(f)}: not found`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`hostward intel: ${e.message}\n\n${INTEL_USAGE}`);
      return 2;
    }
    throw e;
  }
  if (o.help) {
    io.stdout.write(INTEL_USAGE);
    return 0;
  }

  const service = new IntelService({
    shippedDir: o.shipped ? opts.shippedDir : null,
    paths: [...(opts.paths ?? []), ...o.feeds],
    clock: opts.clock,
  });
  const status = service.status();
  if (o.command === "lists") return lists(status.sources, status.entries, o.json, io);

  for (const s of status.sources) if (s.error) io.stderr.write(`hostward intel: warning: ${clean(shortPath(s.path))}: ${clean(s.error)}${s.stale ? " (serving what it held before)" : ""}\n`);
  let matched = false;
  for (const v of o.values) {
    const r = o.kind ? { kind: o.kind, value: v, matches: service.lookupIndicator(o.kind, v) } : service.lookupAny(v);
    if (r.matches.length) matched = true;
    if (o.json) {
      io.stdout.write(JSON.stringify({ value: v, kind: r.kind, normalized: r.value, matches: r.matches }) + "\n");
      continue;
    }
    io.stdout.write(`${clean(v)}  ${r.kind ?? "unknown"}  ${r.matches.length ? `${r.matches.length} match${r.matches.length === 1 ? "" : "es"}` : "no match"}\n`);
    for (const m of r.matches) io.stdout.write(matchText(m));
  }
  return matched ? 1 : 0;
}

function matchText(m: IntelMatch): string {
  const on = m.via === "host" ? `host matches ${m.kind} ${m.indicator}` : `${m.kind} ${m.indicator}`;
  return `  - ${m.category}: ${clean(on)} (list ${clean(m.list)})${m.note ? ` — ${clean(m.note)}` : ""}${m.ref ? ` [${clean(m.ref)}]` : ""}\n` +
    `    provenance: ${clean(m.provenance)}\n`;
}

function lists(sources: IntelSourceStatus[], entries: number, json: boolean, io: IntelIo): number {
  const failed = sources.filter((s) => s.error).length;
  if (json) {
    for (const s of sources) io.stdout.write(JSON.stringify(s) + "\n");
    return failed ? 1 : 0;
  }
  const rows = sources.map((s) => [
    clean(s.name), s.kinds.join(",") || "-", s.categories.join(",") || "-", String(s.entries), String(s.rejected), String(s.skipped),
    `${s.shipped ? "shipped " : ""}${clean(shortPath(s.path))}`,
  ]);
  const head = ["LIST", "KINDS", "CATEGORIES", "ENTRIES", "REJECTED", "SKIPPED", "FILE"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ") + "\n";
  io.stdout.write(line(head));
  for (const r of rows) io.stdout.write(line(r));
  io.stdout.write(`\n${entries} indicator${entries === 1 ? "" : "s"} from ${sources.length} file${sources.length === 1 ? "" : "s"}${failed ? `, ${failed} could not be read` : ""}\n`);
  for (const s of sources) {
    if (!s.error && !s.problems.length) continue;
    io.stdout.write(`\n${clean(shortPath(s.path))}:\n`);
    if (s.error) io.stdout.write(`  error: ${clean(s.error)}${s.stale ? " (the content read before is still used)" : ""}\n`);
    for (const p of s.problems) io.stdout.write(`  ${clean(p)}\n`);
    const more = s.rejected + s.skipped - s.problems.length;
    if (s.problems.length && more > 0) io.stdout.write(`  … and ${more} more\n`);
  }
  return failed ? 1 : 0;
}
