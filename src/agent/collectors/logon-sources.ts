/**
 * AGT-2: one door to the logon parsers. A collector tails a log, knows (or guesses with
 * detectFormat) its format, and feeds each line to parseLogonLine / a LogonLineParser, which
 * returns a record or says why not:
 * - "ignored": a line the parser understood and deliberately drops (another program's line
 *   in auth.log, sshd's `Invalid user` helper line, vsftpd's CONNECT, a Windows 4634, a local
 *   Windows logon, …);
 * - "unknown": a line the parser could not understand (garbage, a format it does not know, an
 *   sshd `Failed …` line it could not read, a MySQL host name instead of an address). These
 *   are the ones worth counting and showing: a rising count means a format changed.
 * No parser throws; each reason is a short fixed text, so counting them by reason is bounded.
 *
 * Format "mssql" is SQL Server's errorlog, as decoded text: on disk it may be UTF-16LE (see
 * mssql.parser.ts), and the reader must decode it before splitting lines.
 *
 * Format "sshd" means an authentication syslog file (auth.log, secure): its sshd lines go to
 * the sshd parser and its vsftpd lines (PAM failures, or vsftpd's own lines with
 * `syslog_enable=YES`) to the vsftpd parser, because that is where syslog puts them.
 */
import { parseAuthLine, parseJournalMessage, type AuthLineContext } from "./sshd.parser.ts";
import { parseVsftpdLine, parseVsftpdMessage } from "./vsftpd.parser.ts";
import { parseMysqlLine, parseMysqlMessage } from "./mysql.parser.ts";
import { parseMssqlLine, CONTINUATION as MSSQL_CONTINUATION } from "./mssql.parser.ts";
import { parseWindowsLine } from "./windows.parser.ts";
import { CountingLineParser, isLineSkip, scanEnd, skip, syslogHost, type LineSkip, type ParsedLogon } from "./parse-util.ts";

export type { LineSkip, ParsedLogon } from "./parse-util.ts";
export { isLineSkip } from "./parse-util.ts";

export type LogonFormat = "sshd" | "vsftpd" | "mysql" | "mssql" | "windows-json";
export const LOGON_FORMATS: readonly LogonFormat[] = ["sshd", "vsftpd", "mysql", "mssql", "windows-json"];

export interface LogonLineContext extends AuthLineContext {
  /**
   * vsftpd's PAM `authentication failure` line: "record" (default) when it is the only trace
   * of a failed FTP logon; "helper" when the collector also reads vsftpd's own log, whose
   * FAIL LOGIN line is then the record (one count per attempt).
   */
  vsftpdPam?: "record" | "helper";
}

export interface LogonLineResult {
  record: ParsedLogon | null;
  /** Why a line of the source was deliberately not a record. */
  ignored?: string;
  /** Why a line could not be understood. */
  unknown?: string;
}

const NOT_SYSLOG = skip("unknown", "not a syslog line");
const OTHER_PROGRAM = skip("ignored", "another program's line");
const SSHD_OTHER = skip("ignored", "sshd line that is not an attempt");
const SSHD_UNREAD = skip("unknown", "sshd attempt line not understood");

/** Parses one line of a log of the given format: a record, or a LineSkip saying why not. Never throws. */
export function classifyLogonLine(format: LogonFormat, line: string, ctx: LogonLineContext): ParsedLogon | LineSkip {
  switch (format) {
    case "sshd":
      return authSyslogLine(line, ctx);
    case "vsftpd":
      return parseVsftpdLine(line, { year: ctx.year, utcOffsetMinutes: ctx.utcOffsetMinutes, pam: ctx.vsftpdPam });
    case "mysql":
      return parseMysqlLine(line, ctx);
    case "mssql":
      return parseMssqlLine(line, ctx);
    case "windows-json":
      return parseWindowsLine(line, ctx);
    default:
      return NOT_SYSLOG;
  }
}

/** `{ record }`, or `{ record: null, ignored | unknown: why }`. */
export function parseLogonLine(format: LogonFormat, line: string, ctx: LogonLineContext): LogonLineResult {
  const r = classifyLogonLine(format, line, ctx);
  if (!isLineSkip(r)) return { record: r };
  return r.skip === "ignored" ? { record: null, ignored: r.why } : { record: null, unknown: r.why };
}

/** Parses the lines of one source and counts what it saw. */
export class LogonLineParser extends CountingLineParser<LogonFormat, LogonLineContext, ParsedLogon> {
  constructor(format: LogonFormat, ctx: LogonLineContext) {
    super(format, ctx, classifyLogonLine);
  }
}

/** SYSLOG_IDENTIFIERs of journald entries that parseJournalLogon reads. */
export const JOURNAL_LOGON_IDENTIFIERS: readonly string[] = ["sshd", "sshd-session", "sshd-auth", "vsftpd", "mariadbd", "mysqld"];

/** A journald entry's MESSAGE, by its SYSLOG_IDENTIFIER; ts and host come from the entry. Never throws. */
export function parseJournalLogon(identifier: string, msg: string, ts: number, host?: string, opts?: { vsftpdPam?: "record" | "helper" }): ParsedLogon | LineSkip {
  switch (identifier) {
    case "sshd":
    case "sshd-session":
    case "sshd-auth":
      return parseJournalMessage(msg, ts, host) ?? sshdMessage(msg, 0);
    case "vsftpd":
      return parseVsftpdMessage(msg, ts, host, { pam: opts?.vsftpdPam });
    case "mariadbd":
    case "mysqld":
      return parseMysqlMessage(msg, ts, host);
    default:
      return OTHER_PROGRAM;
  }
}

/** An auth syslog file: sshd lines, vsftpd lines, other programs' lines. */
function authSyslogLine(line: string, ctx: LogonLineContext): ParsedLogon | LineSkip {
  const r = parseAuthLine(line, ctx);
  if (r !== null) return r;
  const c0 = line.charCodeAt(0);
  const rfc = c0 >= 48 && c0 <= 57;
  if (rfc ? line.charCodeAt(4) !== 45 || line.charCodeAt(10) !== 84 : line.charCodeAt(3) !== 32 || line.charCodeAt(15) !== 32) return NOT_SYSLOG;
  if (syslogHost(line) < 0) return NOT_SYSLOG;
  const a = scanEnd + 1;
  let e = a;
  for (let c = line.charCodeAt(e); e < line.length && e - a < 64 && c !== 91 && c !== 58 && c !== 32; c = line.charCodeAt(++e));
  const prog = line.slice(a, e);
  if (prog === "vsftpd") return parseVsftpdLine(line, { year: ctx.year, utcOffsetMinutes: ctx.utcOffsetMinutes, pam: ctx.vsftpdPam });
  if (prog === "sshd" || prog === "sshd-session" || prog === "sshd-auth") {
    const m = line.indexOf(": ", e);
    return m < 0 ? SSHD_UNREAD : sshdMessage(line, m + 2);
  }
  return OTHER_PROGRAM;
}

/** Why the sshd parser gave no record for this message: an attempt it could not read, or a line that is no attempt. */
function sshdMessage(s: string, p: number): LineSkip {
  if (s.startsWith("message repeated ", p)) {
    const b = s.indexOf(": [ ", p);
    if (b >= 0 && b - p < 32) p = b + 4;
  }
  if (s.startsWith("Failed none ", p)) return SSHD_OTHER;
  return s.startsWith("Failed ", p) || s.startsWith("Accepted ", p) ? SSHD_UNREAD : SSHD_OTHER;
}

// ---- where the logs are -------------------------------------------------------------------------

export interface LogonSource {
  path: string;
  format: LogonFormat;
  /** Families whose packages write this file by default. */
  distros: readonly ("debian" | "rhel")[];
  note: string;
}

/**
 * The usual places, per format, on Debian/Ubuntu and RHEL-likes. A collector tails those that
 * exist. Not here: xferlog (transfers only, no logons); Windows JSON (wherever the operator's
 * forwarder writes it); journald (Debian's MariaDB and sshd without rsyslog:
 * JOURNAL_LOGON_IDENTIFIERS).
 */
export const DEFAULT_LOGON_SOURCES: readonly LogonSource[] = [
  { path: "/var/log/auth.log", format: "sshd", distros: ["debian"], note: "rsyslog's authpriv: sshd, and vsftpd's PAM lines" },
  { path: "/var/log/secure", format: "sshd", distros: ["rhel"], note: "rsyslog's authpriv: sshd, and vsftpd's PAM lines" },
  { path: "/var/log/vsftpd.log", format: "vsftpd", distros: ["debian", "rhel"], note: "vsftpd's own log (Debian default; RHEL only with dual_log_enable=YES or xferlog_std_format=NO)" },
  { path: "/var/log/mysql/error.log", format: "mysql", distros: ["debian"], note: "MySQL's error log (Debian's MariaDB logs to journald unless log_error is set)" },
  { path: "/var/log/mariadb/mariadb.log", format: "mysql", distros: ["rhel"], note: "MariaDB's error log; needs log_warnings >= 2" },
  { path: "/var/log/mysqld.log", format: "mysql", distros: ["rhel"], note: "MySQL community packages' error log; MySQL 8 needs log_error_verbosity = 3" },
  { path: "/var/log/mysql/mysqld.log", format: "mysql", distros: ["rhel"], note: "RHEL 8/9 AppStream MySQL's error log; needs log_error_verbosity = 3" },
  {
    path: "/var/opt/mssql/log/errorlog",
    format: "mssql",
    distros: ["debian", "rhel"],
    note: "SQL Server on Linux's errorlog (failed logins by default; successes need login auditing 'both'). It may be UTF-16LE on disk: the agent must decode it (BOM FF FE, or NULs between ASCII bytes) before splitting lines",
  },
];

/**
 * Guesses a log's format from its path and first lines; null when unsure. The name decides
 * for the well-known files (rotated and .gz names included); otherwise the first line that
 * only one format reads decides.
 */
export function detectFormat(path: string, firstLines: string[]): LogonFormat | null {
  const slash = path.lastIndexOf("/");
  const dir = path.slice(0, slash + 1).toLowerCase();
  let base = path.slice(slash + 1).toLowerCase();
  if (base.endsWith(".gz")) base = base.slice(0, -3);
  base = base.replace(/(?:\.\d{1,3}|-\d{8})$/, "");
  if (base === "auth.log" || base === "secure") return "sshd";
  if (base === "vsftpd.log") return "vsftpd";
  if (base === "xferlog") return null;
  if (base === "mysqld.log" || base === "mariadb.log" || base === "mysql-error.log" || (base === "error.log" && /\/(?:mysql|mariadb)\/$/.test(dir))) return "mysql";
  if (base === "errorlog" && dir.endsWith("/var/opt/mssql/log/")) return "mssql";
  const json = base.endsWith(".json") || base.endsWith(".jsonl") || base.endsWith(".ndjson");
  const ctx = { year: 2000, utcOffsetMinutes: 0 };
  for (const l of firstLines.slice(0, 50)) {
    const t = l.trimStart();
    if (t === "") continue;
    if (t.charCodeAt(0) === 123) {
      if (t.length <= 256 * 1024 && (t.includes('"winlog"') || t.includes('"EventID"'))) return "windows-json";
      continue;
    }
    if (json) continue;
    if (t.length > 24 && t.startsWith(" [pid ", 24) && !isLineSkipUnknown(parseVsftpdLine(t, ctx))) return "vsftpd";
    const m = parseMysqlLine(t, ctx);
    if (!isLineSkipUnknown(m)) return "mysql";
    // a stamped errorlog line; blank and continuation lines say nothing
    const q = parseMssqlLine(l, ctx);
    if (!isLineSkip(q) || (q.skip === "ignored" && q !== MSSQL_CONTINUATION)) return "mssql";
    const s = authSyslogLine(t, ctx);
    if (!isLineSkip(s)) return s.service === "ftp" ? "vsftpd" : "sshd";
    if (s === SSHD_OTHER || s === SSHD_UNREAD) return "sshd";
  }
  return base.endsWith(".err") ? "mysql" : null;
}

function isLineSkipUnknown(r: ParsedLogon | LineSkip): boolean {
  return isLineSkip(r) && r.skip === "unknown";
}
