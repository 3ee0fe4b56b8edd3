/**
 * Web-shell engine benchmark (issue #8, WS-1/WS-8): Hostward's engine beside Debian's YARA 4
 * on the same files — the web files of the benign corpus (scripts/fetch-corpus.ts: PHP/JSP
 * applications from Debian) and the labelled fixtures (test/fixtures/webshell/).
 *
 *   node bench/webshell.ts [--runs N] [--rules N]     (alone; bench/run.ts calls it too)
 *
 * Measured, each over the same directory tree of hard links (web files only, so every tool
 * reads exactly the same files): Hostward in one thread in process (read + hash + both layers),
 * `hostward scan --json --jobs <cores>` end to end, Hostward's signature layer alone, and
 * `yara -r -p <cores>` with (a) Hostward's own signature set and (b) a large generated set in
 * the shape of public web-shell rule collections (bench/webshell-rules.ts). Writes
 * bench/work/webshell.json and prints the markdown section that bench/REPORT.md carries.
 */
import { spawnSync } from "node:child_process";
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { fetchCorpus } from "../scripts/fetch-corpus.ts";
import { ScanPool, collect, scanOne, type FileOutcome } from "../src/cli/scan.ts";
import { WebshellScanner, loadSignatureFiles, shippedSignatures, webLangOf } from "../src/webshell/index.ts";
import { generateLargeRuleSet } from "./webshell-rules.ts";

const ROOT = join(import.meta.dirname, "..");
const WORK = join(import.meta.dirname, "work", "webshell");
const OUT = join(import.meta.dirname, "work", "webshell.json");
const FIXTURES = join(ROOT, "test", "fixtures", "webshell");
const CORES = availableParallelism();

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const log = (m: string) => process.stderr.write(`[bench:webshell] ${m}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Row {
  tool: string;
  command: string;
  runs: number[];
  wallS: number;
  files: number;
  mb: number;
  flagged: number;
  note?: string;
}

interface Detection {
  lang: string;
  malicious: number;
  hostward: number;
  yara: number;
  benign: number;
  hostwardFp: number;
  yaraFp: number;
}

export interface WebshellBench {
  date: string;
  machine: string;
  yaraVersion: string;
  corpus: { files: number; mb: number; packages: number; byLang: Record<string, number> };
  rules: { hostward: number; hostwardStrings: number; large: number; largeStrings: number };
  rows: Row[];
  benignFlagged: { hostward: string[]; yaraOwn: string[]; yaraLarge: number };
  detection: Detection[] | null;
  /** RSS of a process running WebshellScanner (one thread, the agent's --max-semi-space-size=1), over a bare process. */
  rss?: RssProbe;
  /** The 1-minute load average at the start and at the end of the timed runs (other work on a shared machine). */
  load?: [number, number];
}

interface RssProbe {
  files: number;
  /** RSS of the process before the engine is imported, MB. */
  baseMb: number;
  /** Added by importing the engine and compiling its rules. */
  loadedMb: number;
  /** Added after scanning every file once (GC run, 1 s idle): what the engine keeps. */
  afterMb: number;
  /** Highest RSS during the scan, over the base. */
  peakMb: number;
}

/**
 * RSS of a bare child process (the agent's heap flags) that imports the engine, scans every file
 * of `dir` once with WebshellScanner in one thread, runs the GC and idles for a second.
 */
export function rssProbe(dir: string): RssProbe | null {
  const url = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
  const child = `
    const gc = () => { for (let i = 0; i < 3; i++) globalThis.gc(); };
    const rssMb = () => process.memoryUsage().rss / 1048576;
    gc();
    const base = rssMb();
    const engine = await import(${url("../src/webshell/index.ts")});
    const cli = await import(${url("../src/cli/scan.ts")});
    const scanner = new engine.WebshellScanner();
    for (const name of ["a.php", "a.asp", "a.aspx", "a.jsp"]) scanner.scan(name, Buffer.from("<?php echo 1; ?>"));
    gc();
    const loaded = rssMb();
    const { items } = cli.collect([${JSON.stringify(dir)}], false);
    let peak = loaded;
    for (let i = 0; i < items.length; i++) {
      cli.scanOne(scanner, items[i]);
      if (i % 256 === 0) peak = Math.max(peak, rssMb());
    }
    gc();
    await new Promise((r) => setTimeout(r, 1000));
    gc();
    const after = rssMb();
    const round = Math.round;
    console.log(JSON.stringify({ files: items.length, baseMb: round(base), loadedMb: round(loaded - base), afterMb: round(after - base), peakMb: round(Math.max(peak, after) - base) }));
  `;
  const r = spawnSync(process.execPath, ["--expose-gc", "--max-semi-space-size=1", "--input-type=module", "-e", child], { encoding: "utf8", maxBuffer: 1 << 20, env: { ...process.env, NODE_COMPILE_CACHE: join(ROOT, "bench", "work", "node-cache") } });
  try {
    return JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as RssProbe;
  } catch {
    log(`rss probe failed: ${r.stderr.slice(0, 400)}`);
    return null;
  }
}

function have(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** Debian's yara (4.x), installed from the archive when missing (as root), like the other peers. */
function ensureYara(): boolean {
  if (have("yara")) return true;
  if (process.getuid?.() !== 0) {
    log("yara is missing; run as root or: apt-get install -y yara");
    return false;
  }
  log("installing yara from Debian's archive");
  spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  spawnSync("apt-get", ["install", "-y", "-qq", "yara"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  return have("yara");
}

/** A tree of hard links to the web files only, so that yara -r and hostward scan read the same files. */
function mirror(src: string, dst: string, allFiles: boolean): { files: number; bytes: number } {
  rmSync(dst, { recursive: true, force: true });
  const { items } = collect([src], allFiles);
  let bytes = 0;
  for (const it of items) {
    const p = String(it.path);
    const to = join(dst, relative(src, p));
    mkdirSync(dirname(to), { recursive: true });
    linkSync(p, to);
    bytes += readFileSync(p).length;
  }
  return { files: items.length, bytes };
}

function timedRun(cmd: string, args: string[], runs: number): { runs: number[]; stdout: string; status: number | null } {
  spawnSync(cmd, args, { stdio: "ignore", maxBuffer: 1 << 30 }); // warm the page cache and the binary
  const times: number[] = [];
  let last = { stdout: "", status: 0 as number | null };
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 30, cwd: ROOT });
    times.push((performance.now() - t) / 1000);
    last = { stdout: r.stdout, status: r.status };
  }
  return { runs: times, ...last };
}

/** Files yara reported (one "RULE PATH" line per match). */
function yaraFiles(stdout: string): Set<string> {
  const out = new Set<string>();
  for (const line of stdout.split("\n")) {
    const i = line.indexOf(" ");
    if (i > 0) out.add(line.slice(i + 1));
  }
  return out;
}

const countStrings = (src: string) => (src.match(/^\s*\$\w*\s*=/gm) ?? []).length;

export async function runWebshellBench(opts: { runs?: number; largeRules?: number } = {}): Promise<WebshellBench> {
  const runs = opts.runs ?? 3;
  mkdirSync(WORK, { recursive: true });
  const yaraOk = ensureYara();
  const yaraVersion = yaraOk ? (spawnSync("yara", ["--version"], { encoding: "utf8" }).stdout.trim() || "unknown") : "not installed";

  const corpus = fetchCorpus(undefined, undefined, true);
  log(`corpus: ${corpus.packages.length} packages${corpus.missing.length ? `, missing ${corpus.missing.join(", ")}` : ""}`);
  const benignDir = join(WORK, "benign-web");
  const m = mirror(corpus.dir, benignDir, false);
  const mb = m.bytes / 1e6;
  log(`benign web files: ${m.files} (${mb.toFixed(1)} MB)`);

  const ownRules = join(WORK, "hostward.yar");
  const ownSrc = loadSignatureFiles().map((f) => `// ${f.file}\n${f.source}`).join("\n");
  writeFileSync(ownRules, ownSrc);
  const largeRules = join(WORK, "large.yar");
  const largeSrc = generateLargeRuleSet(opts.largeRules ?? 1500) + ownSrc;
  writeFileSync(largeRules, largeSrc);

  const rows: Row[] = [];
  const byLang: Record<string, number> = {};
  const loadAtStart = loadavg()[0]!;

  // Hostward, one thread, in this process: read + hash + signatures + heuristics
  {
    const scanner = new WebshellScanner();
    const { items } = collect([benignDir], false);
    for (const it of items.slice(0, 200)) scanOne(scanner, it); // compile the per-language sets, warm up
    const times: number[] = [];
    let flagged: FileOutcome[] = [];
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      const outs = items.map((it) => scanOne(scanner, it));
      times.push((performance.now() - t) / 1000);
      flagged = outs.filter((o) => o.error || o.result?.verdict !== "clean");
      if (r === 0) for (const o of outs) byLang[o.result?.lang ?? "other"] = (byLang[o.result?.lang ?? "other"] ?? 0) + 1;
    }
    rows.push({ tool: "Hostward engine, 1 thread (in process)", command: "WebshellScanner.scan per file (bench/webshell.ts)", runs: times, wallS: median(times), files: items.length, mb, flagged: flagged.length });
    log(`hostward in process: ${median(times).toFixed(2)} s`);
  }
  // Hostward, every core, in this process: this thread and CORES-1 worker threads taking files
  // from one queue (the pool `hostward scan` uses), started and warmed before the timed runs
  if (CORES > 1) {
    const { items } = collect([benignDir], false);
    const pool = new ScanPool(CORES);
    try {
      // one untimed run: every thread's JIT warm, as for the one-thread row (the CLI row is the cold case)
      await pool.run(items, () => {});
      const times: number[] = [];
      let flagged = 0;
      for (let r = 0; r < runs; r++) {
        flagged = 0;
        const t = performance.now();
        await pool.run(items, (o) => {
          if (o.error || o.result?.verdict !== "clean") flagged++;
        });
        times.push((performance.now() - t) / 1000);
      }
      rows.push({ tool: `Hostward engine, ${CORES} threads (in process)`, command: `ScanPool(${CORES}).run (bench/webshell.ts)`, runs: times, wallS: median(times), files: items.length, mb, flagged });
      log(`hostward in process, ${CORES} threads: ${median(times).toFixed(2)} s`);
    } finally {
      pool.close();
    }
  }
  // the signature layer alone, one thread (YARA-X over the same bytes)
  {
    const set = shippedSignatures();
    const { items } = collect([benignDir], false);
    const datas = items.map((it) => readFileSync(it.path));
    const langs = items.map((it) => webLangOf(String(it.path)));
    for (let i = 0; i < datas.length; i++) set.scan(datas[i]!, langs[i]!);
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      for (let i = 0; i < datas.length; i++) set.scan(datas[i]!, langs[i]!);
      times.push((performance.now() - t) / 1000);
    }
    rows.push({ tool: "Hostward signatures alone (YARA-X), 1 thread", command: "SignatureSet.scan, files already in memory", runs: times, wallS: median(times), files: items.length, mb, flagged: 0, note: "no I/O, no heuristics" });
  }
  // hostward scan end to end, through the launcher a user runs (bin/hostward.js: compiled-code cache on)
  const cli = timedRun(process.execPath, [join(ROOT, "bin", "hostward.js"), "scan", "--json", "--jobs", String(CORES), benignDir], runs);
  const cliLines = cli.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { path: string; verdict: string });
  const hostwardFlagged = cliLines.filter((l) => l.verdict !== "clean").map((l) => relative(benignDir, l.path));
  rows.push({ tool: `hostward scan --jobs ${CORES} (CLI, end to end)`, command: `hostward scan --json --jobs ${CORES} DIR`, runs: cli.runs, wallS: median(cli.runs), files: cliLines.length, mb, flagged: hostwardFlagged.length });
  log(`hostward scan: ${median(cli.runs).toFixed(2)} s, exit ${cli.status}`);

  let yaraOwnFlagged: string[] = [];
  let yaraLargeFlagged = 0;
  if (yaraOk) {
    const own = timedRun("yara", ["-r", "-w", "-p", String(CORES), ownRules, benignDir], runs);
    yaraOwnFlagged = [...yaraFiles(own.stdout)].map((p) => relative(benignDir, p));
    rows.push({ tool: `YARA ${yaraVersion}, Hostward's signatures`, command: `yara -r -w -p ${CORES} hostward.yar DIR`, runs: own.runs, wallS: median(own.runs), files: m.files, mb, flagged: yaraOwnFlagged.length, note: "signatures only, no heuristics" });
    const large = timedRun("yara", ["-r", "-w", "-p", String(CORES), largeRules, benignDir], runs);
    yaraLargeFlagged = yaraFiles(large.stdout).size;
    rows.push({ tool: `YARA ${yaraVersion}, large web-shell rule set`, command: `yara -r -w -p ${CORES} large.yar DIR`, runs: large.runs, wallS: median(large.runs), files: m.files, mb, flagged: yaraLargeFlagged });
    log(`yara: own ${median(own.runs).toFixed(2)} s, large ${median(large.runs).toFixed(2)} s`);
  }

  // memory: what the engine keeps after scanning every file once, in the agent's heap settings
  const rss = rssProbe(benignDir);
  if (rss) log(`engine RSS: +${rss.loadedMb} MB loaded, +${rss.afterMb} MB after the scan (${rss.files} files)`);

  // detection per language on the labelled fixtures
  let detection: Detection[] | null = null;
  if (existsSync(join(FIXTURES, "malicious")) || existsSync(join(FIXTURES, "benign"))) {
    const table = new Map<string, Detection>();
    const row = (lang: string) => table.get(lang) ?? table.set(lang, { lang, malicious: 0, hostward: 0, yara: 0, benign: 0, hostwardFp: 0, yaraFp: 0 }).get(lang)!;
    const scanner = new WebshellScanner();
    for (const label of ["malicious", "benign"] as const) {
      const dir = join(FIXTURES, label);
      if (!existsSync(dir)) continue;
      const y = yaraOk ? yaraFiles(spawnSync("yara", ["-r", "-w", ownRules, dir], { encoding: "utf8", maxBuffer: 1 << 28 }).stdout) : new Set<string>();
      for (const it of collect([dir], true).items) {
        const o = scanOne(scanner, it);
        const lang = o.result?.lang ?? relative(dir, String(it.path)).split(sep)[0] ?? "?";
        const d = row(lang);
        const found = Boolean(o.result && o.result.verdict !== "clean");
        if (label === "malicious") {
          d.malicious++;
          if (found) d.hostward++;
          if (y.has(String(it.path))) d.yara++;
        } else {
          d.benign++;
          if (found) d.hostwardFp++;
          if (y.has(String(it.path))) d.yaraFp++;
        }
      }
    }
    detection = [...table.values()].sort((a, b) => a.lang.localeCompare(b.lang));
  }

  const result: WebshellBench = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${CORES} × ${cpus()[0]?.model.trim() ?? "cpu"}`,
    yaraVersion,
    corpus: { files: m.files, mb, packages: corpus.packages.length, byLang },
    rules: { hostward: shippedSignatures().count, hostwardStrings: countStrings(ownSrc), large: (largeSrc.match(/^rule /gm) ?? []).length, largeStrings: countStrings(largeSrc) },
    rows,
    benignFlagged: { hostward: hostwardFlagged, yaraOwn: yaraOwnFlagged, yaraLarge: yaraLargeFlagged },
    detection,
    ...(rss ? { rss } : {}),
    load: [loadAtStart, loadavg()[0]!],
  };
  writeFileSync(OUT, JSON.stringify(result, null, 2));
  return result;
}

const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)} %` : "–");

/** The "Web-shell engine" section of bench/REPORT.md, from bench/work/webshell.json. */
export function webshellSection(): string {
  if (!existsSync(OUT)) return "## Web-shell engine\n\nNot measured yet: bench/work/webshell.json is absent (node bench/webshell.ts).\n";
  const b = JSON.parse(readFileSync(OUT, "utf8")) as WebshellBench;
  const yaraLarge = b.rows.find((r) => r.tool.includes("large"));
  const rows = b.rows.map((r) => {
    const fps = r.files / r.wallS;
    const ratio = yaraLarge ? `${(fps / (yaraLarge.files / yaraLarge.wallS)).toFixed(2)}×` : "–";
    return `| ${r.tool} | ${r.wallS.toFixed(2)} s | ${Math.round(fps).toLocaleString("en-US")} | ${(r.mb / r.wallS).toFixed(1)} | ${ratio} | ${r.flagged}${r.note ? ` (${r.note})` : ""} |`;
  });
  const det = b.detection
    ? `| language | malicious samples | Hostward detected | YARA 4 + Hostward's signatures | benign samples | Hostward false positives | YARA false positives |\n|---|---|---|---|---|---|---|\n${b.detection.map((d) => `| ${d.lang} | ${d.malicious} | ${d.hostward} (${pct(d.hostward, d.malicious)}) | ${d.yara} (${pct(d.yara, d.malicious)}) | ${d.benign} | ${d.hostwardFp} | ${d.yaraFp} |`).join("\n")}`
    : "No labelled fixtures under test/fixtures/webshell/ yet: detection not measured.";
  const fpList = b.benignFlagged.hostward.length ? `\n\nHostward's false positives on the benign corpus:\n\n${b.benignFlagged.hostward.slice(0, 30).map((p) => `- \`${p}\``).join("\n")}${b.benignFlagged.hostward.length > 30 ? `\n- … ${b.benignFlagged.hostward.length - 30} more` : ""}` : "";
  return `## Web-shell engine

Generated by \`node bench/webshell.ts\` on ${b.date}, ${b.machine}.

**Files:** the web files of the benign corpus (\`scripts/fetch-corpus.ts\`: ${b.corpus.packages} Debian packages —
MediaWiki, phpMyAdmin, WordPress, Roundcube, Cacti, Tomcat examples, php-* libraries …):
${b.corpus.files.toLocaleString("en-US")} files, ${b.corpus.mb.toFixed(1)} MB (${Object.entries(b.corpus.byLang).map(([k, v]) => `${k} ${v}`).join(", ")}), hard-linked into one tree
so that every tool reads the same files. Page cache warm; median of the timed runs.${b.load ? ` The machine is shared:
its 1-minute load average was ${b.load[0].toFixed(1)} at the start of the runs and ${b.load[1].toFixed(1)} at the end (${b.machine.split(" ")[0]} cores), so only the
ratios measured side by side here mean much.` : ""}

**Rule sets:** Hostward's own signatures (content/signatures/webshell/: ${b.rules.hostward} rules, ${b.rules.hostwardStrings} strings);
the "large" set is ${b.rules.large} rules / ${b.rules.largeStrings} strings: ${b.rules.large - b.rules.hostward} rules generated by
bench/webshell-rules.ts in the shape of public web-shell collections (per-sample rules of 3–8 literal
strings, a magic and filesize guard, "N of them", one in ten with a bounded regex) plus Hostward's own.

| engine | wall time | files/s | MB/s | vs YARA 4 (large set), files/s | benign files flagged |
|---|---|---|---|---|---|
${rows.join("\n")}

Hostward judges each file with both layers (YARA-X signatures and the per-language heuristics);
YARA only matches rules. "benign files flagged" are false positives: every file here is legitimate.
The in-process rows are timed after a warm-up (V8 has optimised the analysis); the threaded one is
\`hostward scan\`'s pool (this thread and ${Math.max(0, CORES - 1)} worker${CORES === 2 ? "" : "s"} taking files from one queue). \`hostward scan\` is a fresh
process each run: it also pays Node's start, the rules' compilation in each thread and V8's
compilation of the analysis in each thread, which YARA, a C program, does not.${fpList}
${b.rss ? `
**Memory** (the agent keeps this engine loaded): a process with the agent's heap flags
(\`--max-semi-space-size=1\`) at ${b.rss.baseMb} MB RSS before the engine is imported; loading it and compiling
its rules adds ${b.rss.loadedMb} MB; after scanning all ${b.rss.files.toLocaleString("en-US")} files once (GC, 1 s idle) it is
${b.rss.afterMb} MB over the bare process (peak during the scan: +${b.rss.peakMb} MB). What stays is mostly the
optimising compiler's memory and the C allocator's freed-but-kept pages; the engine itself keeps no
per-file buffer larger than ~3 MB of tokens.
` : ""}

### Detection on the labelled fixtures (test/fixtures/webshell/)

${det}

Reproduce: \`node bench/webshell.ts\` (installs Debian's yara if missing, fetches the corpus;
raw outputs in bench/work/webshell/).
`;
}

if (import.meta.main) {
  await runWebshellBench({ runs: Number(arg("--runs") ?? 3), largeRules: Number(arg("--rules") ?? 1500) });
  process.stdout.write(webshellSection());
}
