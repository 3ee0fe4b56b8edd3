/**
 * `hostward replay [--json] FILE...`: runs the default detection rules over logon logs
 * (OpenSSH, vsftpd, MySQL/MariaDB, Windows 4624/4625 JSON lines), offline (no server, no
 * database), and prints the alerts — the brute-force family, logons after one, unusual
 * logons (learned per host as the server does, offline GeoIP) and logons from IPs on
 * intel lists.
 *
 * Files are read as streams in large chunks and split by hand (readline costs several
 * times more); only the sshd parser's records and the engine's bounded state are kept, so
 * memory does not grow with the file.
 */
import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { basename } from "node:path";
import { createGunzip } from "node:zlib";
import { isAscii } from "node:buffer";
import type { Readable } from "node:stream";
import { DetectionEngine, type Detection, type EngineInput } from "../detection/index.ts";
import { loadRules } from "../../content/rules.ts";
import { LogonLineParser, detectFormat, LOGON_FORMATS, type LogonFormat } from "../agent/collectors/logon-sources.ts";
import { firstLines } from "../agent/collectors/file-tail.ts";
import { DbIpGeo, IpReputation, DEFAULT_INTEL_DIR, noGeo } from "../intel/index.ts";
import type { GeoIpReader } from "../core/index.ts";
import { ReplayLogonIntel } from "./replay-intel.ts";

export interface ReplayIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export const REPLAY_USAGE = `Usage: hostward replay [options] FILE...

Runs Hostward's default detection rules over logon logs, offline: no server, no
database. Prints the alerts: SSH/RDP/FTP/MySQL brute force (fast, slow, distributed,
account enumeration, one source probing many hosts), logons after a brute force,
unusual logons (each host learns its approved locations from its first 24 hours of
public-IP logons and by six successes from one IP, as the server does; offline
GeoIP) and logons from addresses on intel lists. Weak-password and backdoor-account
logons need an agent's baseline and account inventory, which no log holds.

FILE is a logon log: an auth syslog file such as /var/log/auth.log or /var/log/secure
(classic "Nov 21 22:50:53" or RFC 3339 stamps; sshd and vsftpd lines), vsftpd.log,
a MySQL/MariaDB error log, or Windows 4624/4625 events as JSON lines from a forwarder
(Winlogbeat, NXLog; SQL Server 18456/18454 too), or SQL Server's errorlog. The format is guessed from the name and first lines. A .gz file
is decompressed on the fly. Give rotated files oldest first. Lines of an unknown
shape are counted and skipped.

Options:
  --json              one JSON object per alert and line on stdout
  --format FMT        read every FILE as FMT: sshd, vsftpd, mysql, mssql or windows-json
  --intel FILE        a list of malicious IPs/CIDRs, one per line (repeatable; the
                      shipped lists are always read)
  --no-geo            do not locate addresses (no location factor for unusual logons;
                      saves reading the ~130 MB GeoIP database)
  --year N            year of classic syslog stamps, which carry none
                      (default: the year the file was last modified)
  --utc-offset +HH:MM zone of classic syslog stamps (default +00:00)
  -h, --help          this help

Exit status: 0 done (alerts or not), 2 unreadable input or bad usage.
Without --json, a summary (lines read and parsed, alerts, time, lines/s) goes to stderr;
with --json too, so that stdout holds only alerts.

Examples:
  hostward replay /var/log/auth.log
  hostward replay --json /var/log/auth.log.2.gz /var/log/auth.log.1 /var/log/auth.log
  hostward replay --year 2025 --utc-offset +01:00 old-server-auth.log
  hostward replay --intel blocklist.txt /var/log/vsftpd.log /var/log/mysql/error.log
`;

/** One alert: detections of one asset and dedup key, folded as the alerting layer does. */
interface ReplayAlert {
  rule: string;
  type: string;
  name: string;
  severity: string;
  asset: string;
  sourceIp: string | null;
  users: string[];
  /** More user names than kept in `users`. */
  manyUsers: boolean;
  /** Size of the user sample the last detection carried. */
  sampled: number;
  firstSeen: number;
  lastSeen: number;
  count: number;
  attack: string[];
  response: string;
}

interface Options {
  help: boolean;
  json: boolean;
  format: LogonFormat | null;
  intel: string[];
  geo: boolean;
  year: number | null;
  utcOffsetMinutes: number;
  files: string[];
}

class UsageError extends Error {}

const MAX_USERS = 10;
const CHUNK = 1 << 16;
const DAY = 86_400_000;

export async function replayCommand(argv: string[], io: ReplayIo): Promise<number> {
  const t0 = performance.now();
  let opts: Options;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`hostward replay: ${e.message}\n\n${REPLAY_USAGE}`);
      return 2;
    }
    throw e;
  }
  if (opts.help) {
    io.stdout.write(REPLAY_USAGE);
    return 0;
  }
  // Check every input before any output, so a typo in the last name fails fast.
  const mtimes: number[] = [];
  for (const f of opts.files) {
    const problem = await unreadable(f);
    if (typeof problem === "string") {
      io.stderr.write(`hostward replay: cannot read ${JSON.stringify(f)}: ${problem}\n`);
      return 2;
    }
    mtimes.push(problem);
  }

  for (const f of opts.intel) {
    const problem = await unreadable(f);
    if (typeof problem === "string") {
      io.stderr.write(`hostward replay: cannot read intel list ${JSON.stringify(f)}: ${problem}\n`);
      return 2;
    }
  }
  const engine = new DetectionEngine(loadRules());
  let geo: GeoIpReader | null = null;
  // the City database (~60 MB per address family) is read only if a public-IP success shows up
  const intel = new ReplayLogonIntel(() => (geo ??= opts.geo ? new DbIpGeo() : noGeo), IpReputation.load([DEFAULT_INTEL_DIR, ...opts.intel]));
  const alerts = new Map<string, ReplayAlert>();
  const stats = { lines: 0, parsed: 0, unknown: 0 };
  for (let i = 0; i < opts.files.length; i++) {
    const file = opts.files[i]!;
    try {
      await replayFile(file, mtimes[i]!, opts, engine, intel, alerts, stats);
    } catch (e) {
      io.stderr.write(`hostward replay: cannot read ${JSON.stringify(file)}: ${(e as Error).message}\n`);
      return 2;
    }
  }

  const list = [...alerts.values()].sort((a, b) => a.firstSeen - b.firstSeen || a.type.localeCompare(b.type));
  io.stdout.write(opts.json ? list.map((a) => JSON.stringify(toJson(a))).join("\n") + (list.length ? "\n" : "") : table(list));
  const secs = (performance.now() - t0) / 1000;
  io.stderr.write(
    `${stats.lines} lines read, ${stats.parsed} logon lines parsed${stats.unknown ? `, ${stats.unknown} of an unknown shape skipped` : ""}, ${list.length} alert${list.length === 1 ? "" : "s"}, ` +
      `${secs.toFixed(2)} s, ${Math.round(stats.lines / Math.max(secs, 1e-6))} lines/s\n`,
  );
  return 0;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { help: false, json: false, format: null, intel: [], geo: true, year: null, utcOffsetMinutes: 0, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (a === "--") {
      o.files.push(...argv.slice(i + 1));
      break;
    } else if (flag === "-h" || flag === "--help") {
      o.help = true;
      return o;
    } else if (flag === "--json") o.json = true;
    else if (flag === "--format") {
      const v = value();
      if (!LOGON_FORMATS.includes(v as LogonFormat)) throw new UsageError(`--format wants one of ${LOGON_FORMATS.join(", ")}, not ${JSON.stringify(v)}`);
      o.format = v as LogonFormat;
    } else if (flag === "--intel") o.intel.push(value());
    else if (flag === "--no-geo") o.geo = false;
    else if (flag === "--year") {
      const v = value();
      if (!/^\d{4}$/.test(v)) throw new UsageError(`--year wants a four-digit year, not ${JSON.stringify(v)}`);
      o.year = Number(v);
    } else if (flag === "--utc-offset") {
      const v = value();
      const m = /^([+-])(\d{2}):?(\d{2})$/.exec(v);
      if (!m || Number(m[2]) > 23 || Number(m[3]) > 59) throw new UsageError(`--utc-offset wants ±HH:MM, not ${JSON.stringify(v)}`);
      o.utcOffsetMinutes = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
    } else if (a.startsWith("-") && a !== "-") throw new UsageError(`unknown option ${a}`);
    else o.files.push(a);
  }
  if (o.files.length === 0) throw new UsageError("no FILE given");
  return o;
}

/** The file's mtime if it can be read, else why not. */
async function unreadable(file: string): Promise<number | string> {
  try {
    const st = await stat(file);
    if (st.isDirectory()) return "is a directory";
    const fh = await open(file, "r");
    await fh.close();
    return st.mtimeMs;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "no such file";
    if (code === "EACCES" || code === "EPERM") return "permission denied";
    if (code === "EISDIR") return "is a directory";
    return (e as Error).message;
  }
}

async function isGzip(file: string): Promise<boolean> {
  if (file.endsWith(".gz")) return true;
  const fh = await open(file, "r");
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

async function replayFile(
  file: string,
  mtime: number,
  opts: Options,
  engine: DetectionEngine,
  intel: ReplayLogonIntel,
  alerts: Map<string, ReplayAlert>,
  stats: { lines: number; parsed: number; unknown: number },
): Promise<void> {
  const fallbackAsset = basename(file).replace(/\.gz$/, "");
  const explicitYear = opts.year !== null;
  const format = opts.format ?? detectFormat(file, await headLines(file)) ?? "sshd";
  const parser = new LogonLineParser(format, { year: opts.year ?? new Date(mtime).getUTCFullYear(), utcOffsetMinutes: opts.utcOffsetMinutes });
  const ctx = parser.ctx;
  // Classic stamps: the first one decides the year (a stamp after the file's mtime is from
  // the year before); later, a month going backwards (Dec → Jan) moves to the next year.
  let yearSettled = explicitYear;
  let lastClassic = -Infinity;
  // One reused input object: the engine does not keep it.
  const input: EngineInput = { assetId: "", record: { kind: "logon", ts: 0 } };

  // classic syslog stamps carry no year; the other formats' stamps do
  const yearless = format === "sshd";
  const handle = (line: string): void => {
    let p = parser.parse(line);
    if (p === null) return;
    const c0 = line.charCodeAt(0);
    if (yearless && (c0 < 48 || c0 > 57)) {
      if (!yearSettled) {
        yearSettled = true;
        if (p.ts > mtime + DAY) {
          ctx.year--;
          p = parser.parse(line)!;
        }
      } else if (p.ts < lastClassic - 30 * DAY) {
        ctx.year++;
        p = parser.parse(line)!;
      }
      lastClassic = p.ts;
    }
    stats.parsed++;
    input.assetId = p.host?.name ?? fallbackAsset;
    input.accountId = "replay";
    input.record = (p.event.outcome === "success" ? intel.apply(input.assetId, p) : p) as unknown as EngineInput["record"];
    const n = p.repeat ?? 1;
    for (let k = 0; k < n; k++) {
      const ds = engine.process(input);
      for (let j = 0; j < ds.length; j++) fold(alerts, ds[j]!);
    }
  };

  stats.lines += (await isGzip(file)) ? await readGzip(file, handle) : readPlain(file, handle);
  stats.unknown += parser.counts.unknown;
}

/** The first lines of a file (decompressed if need be), to guess its format. */
async function headLines(file: string): Promise<string[]> {
  const lines: string[] = [];
  if (await isGzip(file)) {
    await readGzip(file, (l) => { if (lines.length < 20) lines.push(l); }, 64 * 1024);
    return lines;
  }
  return firstLines(file, 16 * 1024);
}

/**
 * Reads a plain file through one reused buffer, synchronously: an await per chunk leaves the
 * thread idle while the thread pool reads (a quarter of the run time). Chunks stay under
 * 128 KiB so that their text is an ordinary young-generation string: larger ones become
 * large or external strings whose memory V8 gives back late, and the resident set climbs
 * with the file size. Returns the number of lines.
 */
function readPlain(file: string, handle: (line: string) => void): number {
  const fd = openSync(file, "r");
  const buf = Buffer.allocUnsafe(CHUNK);
  let fill = 0;
  let lines = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, fill, CHUNK - fill, null);
      if (n === 0) break;
      fill += n;
      let last = buf.lastIndexOf(10, fill - 1);
      // A "line" longer than the buffer is no log line: cut it where the buffer ends.
      if (last < 0 && fill === CHUNK) last = fill - 1;
      if (last < 0) continue;
      lines += splitLines(decode(buf, last + 1), handle, buf[last] !== 10);
      buf.copyWithin(0, last + 1, fill);
      fill -= last + 1;
    }
    if (fill > 0) lines += splitLines(decode(buf, fill), handle, true);
  } finally {
    closeSync(fd);
  }
  return lines;
}

async function readGzip(file: string, handle: (line: string) => void, maxBytes = Infinity): Promise<number> {
  const source = createReadStream(file, { highWaterMark: CHUNK });
  const stream: Readable = source.pipe(createGunzip({ chunkSize: CHUNK }));
  let seen = 0;
  let carry: Buffer | null = null;
  let lines = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if ((seen += chunk.length) > maxBytes) {
      source.destroy();
      break;
    }
    const last = chunk.lastIndexOf(10);
    if (last < 0) {
      carry = carry ? Buffer.concat([carry, chunk]) : chunk;
      if (carry.length >= CHUNK) {
        lines += splitLines(carry.toString("utf8"), handle, true);
        carry = null;
      }
      continue;
    }
    const head = carry ? Buffer.concat([carry, chunk.subarray(0, last + 1)]) : chunk.subarray(0, last + 1);
    carry = last + 1 < chunk.length ? Buffer.from(chunk.subarray(last + 1)) : null;
    lines += splitLines(decode(head, head.length), handle, false);
  }
  if (carry && carry.length) lines += splitLines(carry.toString("utf8"), handle, true);
  return lines;
}

/**
 * Decodes buf[0, end) as UTF-8. Pure ASCII (most logs) is decoded as Latin-1, which gives
 * the same text and, unlike Node's UTF-8 path for large chunks, leaves no growing resident set.
 */
function decode(buf: Buffer, end: number): string {
  return buf.toString(isAscii(buf.subarray(0, end)) ? "latin1" : "utf8", 0, end);
}

/**
 * Calls fn for each \n-terminated line of s (a trailing \r removed); with `unterminated`
 * the text after the last \n is a line too. Returns the count.
 */
function splitLines(s: string, fn: (line: string) => void, unterminated: boolean): number {
  let a = 0;
  let n = 0;
  for (;;) {
    const nl = s.indexOf("\n", a);
    if (nl < 0) break;
    const b = nl > a && s.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    fn(s.slice(a, b));
    n++;
    a = nl + 1;
  }
  if (unterminated && a < s.length) {
    const b = s.charCodeAt(s.length - 1) === 13 ? s.length - 1 : s.length;
    fn(s.slice(a, b));
    n++;
  }
  return n;
}

/** Folds detections per (asset, dedup key): count adds up, first/last seen widen. */
function fold(alerts: Map<string, ReplayAlert>, d: Detection): void {
  const key = d.assetId + "\u0001" + d.dedupKey;
  let a = alerts.get(key);
  if (a === undefined) {
    a = {
      rule: d.ruleId,
      type: d.type,
      name: d.name,
      severity: d.severity,
      asset: d.assetId,
      sourceIp: d.sourceIp,
      users: [],
      manyUsers: false,
      sampled: -1,
      firstSeen: d.firstSeen,
      lastSeen: d.lastSeen,
      count: 0,
      attack: d.attack,
      response: d.response,
    };
    alerts.set(key, a);
  }
  a.count += d.count;
  if (d.firstSeen < a.firstSeen) a.firstSeen = d.firstSeen;
  if (d.lastSeen > a.lastSeen) a.lastSeen = d.lastSeen;
  // A threshold group's sample of user names only changes when it grows or restarts.
  const names = d.evidence["user.names"];
  if (Array.isArray(names)) {
    if (d.opened || names.length !== a.sampled) {
      a.sampled = names.length;
      addUsers(a, names as string[]);
    }
  } else if (d.userName !== null) addUsers(a, [d.userName]);
}

function addUsers(a: ReplayAlert, names: string[]): void {
  for (const u of names) {
    if (a.users.includes(u)) continue;
    if (a.users.length < MAX_USERS) a.users.push(u);
    else a.manyUsers = true;
  }
}

function toJson(a: ReplayAlert): Record<string, unknown> {
  const o: Record<string, unknown> = {
    type: a.type,
    name: a.name,
    rule: a.rule,
    severity: a.severity,
    asset: a.asset,
    source: { ip: a.sourceIp },
  };
  if (a.users.length === 1 && !a.manyUsers) o.user = { name: a.users[0] };
  else if (a.users.length > 1) o.users = a.users.map((name) => ({ name }));
  o.firstSeen = new Date(a.firstSeen).toISOString();
  o.lastSeen = new Date(a.lastSeen).toISOString();
  o.count = a.count;
  o.attack = a.attack;
  o.response = a.response;
  return o;
}

/** Attacker-chosen names may hold control characters: show them escaped in the table. */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f-\u009f]/.test(s) ? JSON.stringify(s).slice(1, -1) : s;
}

function table(list: ReplayAlert[]): string {
  if (list.length === 0) return "no alerts\n";
  const head = ["FIRST SEEN", "LAST SEEN", "SEVERITY", "TYPE", "ASSET", "SOURCE", "USER", "COUNT"];
  const rows = list.map((a) => [
    iso(a.firstSeen),
    iso(a.lastSeen),
    a.severity,
    a.type,
    printable(a.asset),
    a.sourceIp ?? "-",
    a.users.length === 0 ? "-" : a.users.length === 1 && !a.manyUsers ? printable(a.users[0]!) : `${a.users.length}${a.manyUsers ? "+" : ""} users`,
    String(a.count),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.min(r[i]!.length, 40))));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => {
        const cell = c.length > 40 ? c.slice(0, 39) + "…" : c;
        return i === r.length - 1 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
      })
      .join("  ")
      .trimEnd() + "\n";
  return fmt(head) + rows.map(fmt).join("");
}

function iso(t: number): string {
  return new Date(t).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z");
}
