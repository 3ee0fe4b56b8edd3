import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { ParsedLogon } from "./parse-util.ts";
import { parseMssqlLine, type LineSkip } from "./mssql.parser.ts";
import { expectLogon as expectRecord, expectSkip, fuzzParser, type WantLogon } from "./parser-testkit.ts";

const parse = (line: string, utcOffsetMinutes?: number) => parseMssqlLine(line, { utcOffsetMinutes });

type Want = Omit<WantLogon, "service" | "reason"> & { reason: "password" | "invalid_user" | "other" };

/** An mssql record from the errorlog: no port, no host, logon.protocol only when given, code 18456 / 18454 unless given. */
const expectLogon = (p: ParsedLogon | LineSkip, want: Want) =>
  expectRecord(p, { service: "mssql", code: want.outcome === "failure" ? "18456" : "18454", port: undefined, host: undefined, protocol: undefined, ...want });

const STAMP = "2026-11-21 22:50:53.12 Logon       ";
const failed = (user: string, reason: string, client = "203.0.113.9") => `${STAMP}Login failed for user '${user}'. Reason: ${reason} [CLIENT: ${client}]`;
const PASSWORD = "Password did not match that for the login provided.";
const NO_LOGIN = "Could not find a login matching the name provided.";

describe("SQL Server errorlog parser", () => {
  test("AGT-2 LOG-8 SQL Server on Linux errorlog: Login failed is a failed mssql logon; the stamp is local time", () => {
    expectLogon(parse(failed("sa", PASSWORD)), { ts: "2026-11-21T22:50:53.120Z", outcome: "failure", reason: "password", ip: "203.0.113.9", user: "sa" });
    expectLogon(parse(failed("sa", PASSWORD), 60), { ts: "2026-11-21T21:50:53.120Z", outcome: "failure", reason: "password", ip: "203.0.113.9" });
    expectLogon(parse(failed("sa", PASSWORD), -330), { ts: "2026-11-22T04:20:53.120Z", outcome: "failure", reason: "password", ip: "203.0.113.9" });
    expectLogon(parse(failed("admin", NO_LOGIN)), { outcome: "failure", reason: "invalid_user", ip: "203.0.113.9", user: "admin" });
    // other reasons: disabled login, Windows-only server, default database (state 38), expired password
    for (const r of [
      "The account is disabled.",
      "An attempt to login using SQL authentication failed. Server is configured for Windows authentication only.",
      "Failed to open the explicitly specified database 'sales'.",
      "The password of the account has expired.",
    ]) {
      expectLogon(parse(failed("sa", r)), { outcome: "failure", reason: "other", ip: "203.0.113.9", user: "sa" });
    }
    // SQL Server 2005 before SP2 wrote no reason
    expectLogon(parse(`${STAMP}Login failed for user 'sa'. [CLIENT: 198.51.100.7]`), { outcome: "failure", reason: "other", ip: "198.51.100.7", user: "sa" });
    // domain logins and IPv6 / IPv4-mapped clients
    expectLogon(parse(failed("CORP\\alice", "Token-based server access validation failed with an infrastructure error. Check for previous errors.", "2001:DB8::0:9")), {
      outcome: "failure", reason: "other", ip: "2001:db8::9", user: "CORP\\alice",
    });
    expectLogon(parse(failed("sa", PASSWORD, "::ffff:203.0.113.10")), { outcome: "failure", reason: "password", ip: "203.0.113.10" });
  });

  test("AGT-2 LOG-8 errorlog Login succeeded (login auditing 'both') is a success: 18454 SQL Server, 18453 Windows authentication", () => {
    expectLogon(parse(`${STAMP}Login succeeded for user 'app'. Connection made using SQL Server authentication. [CLIENT: 198.51.100.4]`), {
      outcome: "success", reason: "other", ip: "198.51.100.4", user: "app", code: "18454", protocol: "SQL Server",
    });
    expectLogon(parse(`${STAMP}Login succeeded for user 'CORP\\svc-report'. Connection made using Windows authentication. [CLIENT: 198.51.100.5]`), {
      outcome: "success", reason: "other", ip: "198.51.100.5", user: "CORP\\svc-report", code: "18453", protocol: "Windows",
    });
    expectSkip(parse(`${STAMP}Login succeeded for user 'app'. Connection made using a new method. [CLIENT: 198.51.100.4]`), "unknown");
  });

  test("AGT-2 LOG-8 one failure per attempt: the Error: 18456 line is a helper; other sources and continuation lines are ignored", () => {
    const log = [
      "2026-11-21 22:40:01.31 Server      Microsoft SQL Server 2022 (RTM-CU16) (KB5048033) - 16.0.4165.4 (X64) ",
      "\tNov  6 2024 19:24:49 ",
      "\tCopyright (C) 2022 Microsoft Corporation",
      "\tDeveloper Edition (64-bit) on Linux (Ubuntu 22.04.5 LTS) <X64>",
      "2026-11-21 22:40:01.31 Server      UTC adjustment: 0:00",
      "2026-11-21 22:40:01.31 Server      Logging SQL Server messages in file '/var/opt/mssql/log/errorlog'.",
      "",
      "2026-11-21 22:40:05.90 spid29s     SQL Server is now ready for client connections. This is an informational message; no user action is required.",
      "2026-11-21 22:50:53.12 Logon       Error: 18456, Severity: 14, State: 8.",
      "2026-11-21 22:50:53.12 Logon       Login failed for user 'sa'. Reason: Password did not match that for the login provided. [CLIENT: 203.0.113.9]",
      "2026-11-21 22:50:54.20 Logon       Error: 18456, Severity: 14, State: 5.",
      "2026-11-21 22:50:54.20 Logon       Login failed for user 'admin'. Reason: Could not find a login matching the name provided. [CLIENT: 203.0.113.9]",
      "2026-11-21 22:50:55.00 Logon       Error: 18452, Severity: 14, State: 1.",
      "2026-11-21 22:50:55.00 Logon       Login failed. The login is from an untrusted domain and cannot be used with Integrated authentication. [CLIENT: 203.0.113.9]",
      "2026-11-21 22:51:00.44 Backup      Log was backed up. Database: sales, creation date(time): 2026/01/01(00:00:00).",
    ];
    const recs = log.map((l) => parse(l)).filter((r): r is ParsedLogon => !("skip" in r));
    assert.deepEqual(recs.map((r) => `${r.user?.name} ${r.event.reason} ${r.source.ip}`), ["sa password 203.0.113.9", "admin invalid_user 203.0.113.9"]);
    for (const l of log) {
      const r = parse(l);
      if ("skip" in r) assert.equal(r.skip, "ignored", l);
    }
    assert.match((parse(log[8]!) as LineSkip).why, /helper/);
  });

  test("AGT-2 LOG-8 local clients (<local machine>, loopback) are ignored; a client that is no address is unknown", () => {
    for (const c of ["<local machine>", "127.0.0.1", "::1", "::ffff:127.0.0.1"]) assert.match(expectSkip(parse(failed("sa", PASSWORD, c)), "ignored", c).why, /local/);
    for (const c of ["<named pipe>", "sql.attacker.example", "1.2.3.256", "", "203.0.113.9:1433"]) expectSkip(parse(failed("sa", PASSWORD, c)), "unknown", c);
  });

  test("AGT-2 LOG-8 attacker-chosen user names: quotes, fake reasons, [CLIENT: 1.2.3.4] inside the name; the address is the last [CLIENT: …]", () => {
    expectLogon(parse(failed("a'b''c", PASSWORD)), { outcome: "failure", reason: "password", ip: "203.0.113.9", user: "a'b''c" });
    expectLogon(parse(failed("'", NO_LOGIN)), { outcome: "failure", reason: "invalid_user", ip: "203.0.113.9", user: "'" });
    expectLogon(parse(failed("", NO_LOGIN)), { outcome: "failure", reason: "invalid_user", ip: "203.0.113.9", user: "" });
    expectLogon(parse(failed(`' OR 1=1; -- "\`$(reboot)\``, NO_LOGIN)), { outcome: "failure", reason: "invalid_user", ip: "203.0.113.9", user: `' OR 1=1; -- "\`$(reboot)\`` });
    expectLogon(parse(failed("пользователь😀 a b", NO_LOGIN)), { outcome: "failure", reason: "invalid_user", ip: "203.0.113.9", user: "пользователь😀 a b" });
    // a whole fake message in the name: the tail before the real client decides reason and address
    const fake = `x'. Reason: ${PASSWORD} [CLIENT: 6.6.6.6]`;
    expectLogon(parse(failed(fake, NO_LOGIN)), { outcome: "failure", reason: "invalid_user", ip: "203.0.113.9", user: fake });
    expectLogon(parse(failed("[CLIENT: 1.2.3.4]", PASSWORD)), { outcome: "failure", reason: "password", ip: "203.0.113.9", user: "[CLIENT: 1.2.3.4]" });
    expectLogon(parse(failed("a [CLIENT: 1.2.3.4]'. Connection made using SQL Server authentication.", PASSWORD)), {
      outcome: "failure", reason: "password", ip: "203.0.113.9", user: "a [CLIENT: 1.2.3.4]'. Connection made using SQL Server authentication.",
    });
    // the database name of state 38 is the client's too
    expectLogon(parse(failed("sa", "Failed to open the explicitly specified database 'x'. [CLIENT: 6.6.6.6]'.")), { outcome: "failure", reason: "other", ip: "203.0.113.9", user: "sa" });
    // a success line cannot be forged into another address either
    expectLogon(parse(`${STAMP}Login succeeded for user 'u'. Connection made using Windows authentication. [CLIENT: 6.6.6.6]'. Connection made using SQL Server authentication. [CLIENT: 198.51.100.4]`), {
      outcome: "success", reason: "other", ip: "198.51.100.4", code: "18454", protocol: "SQL Server", user: "u'. Connection made using Windows authentication. [CLIENT: 6.6.6.6]",
    });
    // something after the client is not what SQL Server writes
    expectSkip(parse(failed("sa", PASSWORD) + " [x]"), "unknown");
    // a client written before the last one never wins (here the fixed reason no longer ends the text: reason other)
    expectLogon(parse(failed("sa", PASSWORD, "6.6.6.6] [CLIENT: 203.0.113.9")), { outcome: "failure", reason: "other", ip: "203.0.113.9", user: "sa" });
    // names are bounded to what the protocol takes, never splitting a surrogate pair
    const p = expectLogon(parse(failed("A".repeat(255) + "😀" + "B".repeat(400), NO_LOGIN)), { outcome: "failure", reason: "invalid_user", ip: "203.0.113.9" });
    assert.equal(p.user?.name, "A".repeat(255));
  });

  test("AGT-2 LOG-8 a UTF-16LE errorlog: decoded lines, and lines decoded as UTF-8 by mistake (ASCII) read the same", () => {
    const text = `2026-11-21 22:40:01.31 Server      UTC adjustment: 0:00\r\n${failed("sa", PASSWORD)}\r\n`;
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    // right: decode, then split
    const decoded = new TextDecoder("utf-16le").decode(bytes).split("\n");
    // Buffer's utf16le keeps the BOM as U+FEFF
    const keptBom = bytes.toString("utf16le").split("\n");
    // wrong: UTF-8 (a tail reading bytes and splitting on 0x0A): a NUL after each character, the BOM as two U+FFFD
    const wrong = bytes.toString("utf8").split("\n");
    for (const lines of [decoded, keptBom, wrong]) {
      const rs = lines.map((l) => parse(l));
      expectSkip(rs[0]!, "ignored", lines[0]);
      expectLogon(rs[1]!, { ts: "2026-11-21T22:50:53.120Z", outcome: "failure", reason: "password", ip: "203.0.113.9", user: "sa" });
      expectSkip(rs[2]!, "ignored", lines[2]);
    }
    assert.equal(wrong[1]!.charCodeAt(0), 0);
    assert.equal(keptBom[0]!.charCodeAt(0), 0xfeff);
  });

  test("AGT-2 LOG-8 errorlog garbage and broken lines are unknown; nothing throws", () => {
    const unknown = [
      "garbage",
      "2026-11-21T22:50:53.12 Logon       " + `Login failed for user 'sa'. Reason: ${PASSWORD} [CLIENT: 203.0.113.9]`,
      "2026-13-21 22:50:53.12 Logon       " + `Login failed for user 'sa'. Reason: ${PASSWORD} [CLIENT: 203.0.113.9]`,
      "2026-11-21 22:50:53 Logon       " + `Login failed for user 'sa'. Reason: ${PASSWORD} [CLIENT: 203.0.113.9]`,
      "2026-11-21 22:50:53. Logon       x",
      `${STAMP}Login failed for user 'sa'. Reason: ${PASSWORD}`,
      `${STAMP}Login failed for user 'sa. Reason: ${PASSWORD} [CLIENT: 203.0.113.9]`,
      `${STAMP}Login failed for user sa. [CLIENT: 203.0.113.9]`,
      "Nov 21 22:50:53 h sshd[1]: Failed password for root from 1.2.3.4 port 5 ssh2",
      "2026-11-21 22:50:53 12 [Warning] Access denied for user 'root'@'203.0.113.9' (using password: YES)",
    ];
    for (const l of unknown) expectSkip(parse(l), "unknown", l);
    const parts = ["2026-11-21 22:50:53.12 ", "Logon", "       ", "Server      ", "Login failed for user '", "Login succeeded for user '", "sa", "'", "'. ", "Reason: ", PASSWORD, NO_LOGIN, "Connection made using SQL Server authentication.", " [CLIENT: ", "203.0.113.9", "<local machine>", "]", "Error: 18456, Severity: 14, State: 8.", "\t", "\u0000", "\uFEFF", "😀"];
    fuzzParser(parts, (l) => parse(l), 13);
  });
});
