import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { ParsedLogon } from "./sshd.parser.ts";
import { parseWindowsLine, parseWindowsEvent, MAX_WINDOWS_LINE, type LineSkip } from "./windows.parser.ts";
import { expectLogon as expectRecord, expectSkip, fuzzParser, type WantLogon } from "./parser-testkit.ts";

const parse = (line: string, utcOffsetMinutes?: number) => parseWindowsLine(line, { utcOffsetMinutes });

type Want = Omit<WantLogon, "service" | "code" | "reason"> & { reason: "password" | "invalid_user" | "other" };

/** An rdp record with its event code (and port only when given) that is a valid logon record once given an id. */
const expectLogon = (p: ParsedLogon | LineSkip, want: Want) => expectRecord(p, { service: "rdp", code: want.outcome === "success" ? "4624" : "4625", port: undefined, ...want });

/** A Winlogbeat 8 (security module) 4625 as it lands in a file output. */
function winlogbeat(eventId: number | string, data: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    "@timestamp": "2026-11-21T22:50:53.412Z",
    event: { code: String(eventId), kind: "event", provider: "Microsoft-Windows-Security-Auditing", action: "logon-failed", category: ["authentication"], type: ["start"], outcome: "failure", module: "security" },
    winlog: {
      channel: "Security", event_id: eventId, provider_name: "Microsoft-Windows-Security-Auditing", computer_name: "WIN-1", record_id: 184467, api: "wineventlog",
      process: { pid: 708, thread: { id: 5904 } },
      event_data: {
        SubjectUserSid: "S-1-0-0", SubjectUserName: "-", SubjectDomainName: "-", SubjectLogonId: "0x0",
        TargetUserSid: "S-1-0-0", TargetUserName: "Administrator", TargetDomainName: "WIN-1",
        Status: "0xc000006d", FailureReason: "%%2313", SubStatus: "0xc000006a", LogonType: "10", LogonProcessName: "User32 ",
        AuthenticationPackageName: "Negotiate", WorkstationName: "kali", TransmittedServices: "-", LmPackageName: "-", KeyLength: "0",
        ProcessId: "0x1f8", ProcessName: "C:\\Windows\\System32\\svchost.exe", IpAddress: "203.0.113.9", IpPort: "51234",
        ...data,
      },
      logon: { type: "RemoteInteractive", failure: { reason: "Unknown user name or bad password." } },
    },
    source: { ip: "203.0.113.9", port: 51234, domain: "kali" },
    user: { name: "Administrator", domain: "WIN-1" },
    host: { name: "win-1" },
    message: "An account failed to log on.\n\nSubject:\n\tSecurity ID:\t\tS-1-0-0 …",
    ...extra,
  });
}

/** NXLog (im_msvistalog, to_json) flat record; EventTime is local time. */
function nxlog(eventId: number, data: Record<string, unknown>): string {
  return JSON.stringify({
    EventTime: "2026-11-21 22:50:53", Hostname: "WIN-1.corp.example", Keywords: -9214364837600034816, EventType: "AUDIT_SUCCESS", SeverityValue: 2, Severity: "INFO",
    EventID: eventId, SourceName: "Microsoft-Windows-Security-Auditing", ProviderGuid: "{54849625-5478-4994-A5BA-3E3B0328C30D}", Version: 2, Task: 12544, OpcodeValue: 0,
    RecordNumber: 2219, ProcessID: 640, ThreadID: 1340, Channel: "Security", Message: "An account was successfully logged on.", Category: "Logon", Opcode: "Info",
    SubjectUserSid: "S-1-5-18", SubjectUserName: "WIN-1$", SubjectDomainName: "CORP", SubjectLogonId: "0x3e7",
    TargetUserSid: "S-1-5-21-1-2-3-1104", TargetUserName: "alice", TargetDomainName: "CORP", TargetLogonId: "0x1b5e3c",
    LogonType: 3, LogonProcessName: "NtLmSsp ", AuthenticationPackageName: "NTLM", WorkstationName: "LAPTOP-7", LogonGuid: "{00000000-0000-0000-0000-000000000000}",
    TransmittedServices: "-", LmPackageName: "NTLM V2", KeyLength: 128, ProcessId: "0x0", ProcessName: "-", IpAddress: "198.51.100.20", IpPort: "50122",
    ImpersonationLevel: "%%1833", EventReceivedTime: "2026-11-21 22:50:54", SourceModuleName: "eventlog", SourceModuleType: "im_msvistalog",
    ...data,
  });
}

describe("windows logon parser", () => {
  test("AGT-2 Winlogbeat 4625 over RDP (type 10) is a failed rdp logon with code and logon type", () => {
    expectLogon(parse(winlogbeat(4625, {})), {
      ts: "2026-11-21T22:50:53.412Z", outcome: "failure", reason: "password", ip: "203.0.113.9", port: 51234, user: "Administrator", host: "WIN-1", type: "remote_interactive", protocol: "Negotiate",
    });
    // Winlogbeat 8 writes the event id as a string
    expectLogon(parse(winlogbeat("4625", {})), { outcome: "failure", reason: "password", ip: "203.0.113.9", port: 51234 });
  });

  test("AGT-2 a 4625 collected by Windows Event Forwarding (channel ForwardedEvents) is read; another channel is not", () => {
    const fwd = JSON.parse(winlogbeat(4625, {}));
    fwd.winlog.channel = "ForwardedEvents";
    const p = parse(JSON.stringify(fwd));
    assert.ok(!("skip" in p), JSON.stringify(p));
    assert.equal(p.source.ip, "203.0.113.9");
    fwd.winlog.channel = "System";
    assert.deepEqual(parse(JSON.stringify(fwd)), { skip: "ignored", why: "not the Security log (or ForwardedEvents)" });
  });

  test("AGT-2 Winlogbeat 4625 with NLA is type 3 (network) and still service rdp; SubStatus decides the reason", () => {
    expectLogon(parse(winlogbeat(4625, { LogonType: "3", AuthenticationPackageName: "NTLM", SubStatus: "0xC0000064", TargetUserName: "admin" })), {
      outcome: "failure", reason: "invalid_user", ip: "203.0.113.9", user: "admin", type: "network", protocol: "NTLM", port: 51234,
    });
    // account locked out / disabled: other
    expectLogon(parse(winlogbeat(4625, { Status: "0xc0000234", SubStatus: "0x0" })), { outcome: "failure", reason: "other", ip: "203.0.113.9", port: 51234 });
    // no SubStatus: Status decides
    expectLogon(parse(winlogbeat(4625, { Status: "0xC0000064", SubStatus: undefined })), { outcome: "failure", reason: "invalid_user", ip: "203.0.113.9", port: 51234 });
    // with NLA the port is often 0: no port
    expectLogon(parse(winlogbeat(4625, { IpPort: "0" })), { outcome: "failure", reason: "password", ip: "203.0.113.9" });
  });

  test("AGT-2 NXLog flat 4624 network logon is a success; EventTime is local time", () => {
    expectLogon(parse(nxlog(4624, {}), 60), {
      ts: "2026-11-21T21:50:53.000Z", outcome: "success", reason: "other", ip: "198.51.100.20", port: 50122, user: "alice", host: "WIN-1.corp.example", type: "network", protocol: "NTLM",
    });
    expectLogon(parse(nxlog(4624, { LogonType: "10", AuthenticationPackageName: "Negotiate" })), { ts: "2026-11-21T22:50:53.000Z", outcome: "success", reason: "other", ip: "198.51.100.20", port: 50122, type: "remote_interactive", protocol: "Negotiate" });
    expectLogon(parse(nxlog(4625, { LogonType: 2, SubStatus: "0xc000006a", EventTime: "2026-11-21T22:50:53.5+02:00" })), { ts: "2026-11-21T20:50:53.500Z", outcome: "failure", reason: "password", ip: "198.51.100.20", port: 50122, type: "interactive" });
    expectLogon(parse(nxlog(4625, { LogonType: 8 })), { outcome: "failure", reason: "other", ip: "198.51.100.20", port: 50122, type: "other" });
  });

  test("AGT-2 the event's XML as JSON (System/EventData, evtx_dump style) is read too", () => {
    const evtx = {
      Event: {
        "#attributes": { xmlns: "http://schemas.microsoft.com/win/2004/08/events/event" },
        System: {
          Provider: { "#attributes": { Name: "Microsoft-Windows-Security-Auditing", Guid: "54849625-5478-4994-A5BA-3E3B0328C30D" } },
          EventID: 4625, Version: 0, Level: 0, Task: 12544, Opcode: 0, Keywords: "0x8010000000000000",
          TimeCreated: { "#attributes": { SystemTime: "2026-11-21T22:50:53.1234567Z" } },
          EventRecordID: 8812, Channel: "Security", Computer: "DC01.corp.example",
        },
        EventData: { TargetUserName: "backup", TargetDomainName: "CORP", Status: "0xc000006d", SubStatus: "0xc000006a", LogonType: 3, AuthenticationPackageName: "NTLM", WorkstationName: "-", IpAddress: "::ffff:203.0.113.50", IpPort: "0" },
      },
    };
    expectLogon(parse(JSON.stringify(evtx)), { ts: "2026-11-21T22:50:53.123Z", outcome: "failure", reason: "password", ip: "203.0.113.50", user: "backup", host: "DC01.corp.example", type: "network" });
    // XML-style Data list, EventID as an element with text, SystemTime in epoch seconds
    const xmlish = {
      System: { EventID: { "#text": "4624" }, TimeCreated: { SystemTime: 1795301453.5 }, Computer: "WIN-2", Channel: "Security" },
      EventData: { Data: [{ "@Name": "TargetUserName", "#text": "bob" }, { "@Name": "LogonType", "#text": "10" }, { "@Name": "IpAddress", "#text": "2001:DB8::7" }, { "@Name": "IpPort", "#text": "3390" }, { Name: "AuthenticationPackageName", "#text": "Kerberos" }] },
    };
    expectLogon(parse(JSON.stringify(xmlish)), { ts: new Date(1795301453500).toISOString(), outcome: "success", reason: "other", ip: "2001:db8::7", port: 3390, user: "bob", host: "WIN-2", type: "remote_interactive", protocol: "Kerberos" });
    expectLogon(parseWindowsEvent(xmlish, {}), { outcome: "success", reason: "other", ip: "2001:db8::7", port: 3390 });
  });

  test("AGT-2 local logons, machine accounts and anonymous logons are ignored, with a counted reason", () => {
    const cases: [string, RegExp][] = [
      [nxlog(4624, { IpAddress: "-", LogonType: 2 }), /no source address/],
      [nxlog(4624, { IpAddress: "127.0.0.1", LogonType: 2 }), /loopback/],
      [nxlog(4624, { IpAddress: "::1", LogonType: 3 }), /loopback/],
      [winlogbeat(4625, { IpAddress: "-" }, { source: undefined }), /no source address/],
      [nxlog(4624, { TargetUserName: "WIN-1$" }), /machine/],
      [nxlog(4624, { TargetUserName: "ANONYMOUS LOGON" }), /anonymous/],
      [nxlog(4634, {}), /not a 4624\/4625/],
      [nxlog(4625, { Channel: "Application" }), /Security/],
      [JSON.stringify({ EventID: 4672, EventTime: "2026-11-21 22:50:53" }), /not a 4624\/4625/],
      [JSON.stringify({ EventID: 1, Note: "nothing to see" }), /not a 4624\/4625/],
    ];
    for (const [l, why] of cases) assert.match(expectSkip(parse(l), "ignored", l).why, why);
    // a failure of a machine account is still a failure
    expectLogon(parse(nxlog(4625, { TargetUserName: "WIN-9$" })), { outcome: "failure", reason: "other", ip: "198.51.100.20", port: 50122, user: "WIN-9$" });
  });

  test("AGT-2 attacker-chosen names are plain data: quotes, unicode, huge", () => {
    const odd = `a"b' OR 1=1; --\\ пользователь😀 \u0000`;
    expectLogon(parse(winlogbeat(4625, { TargetUserName: odd })), { outcome: "failure", reason: "password", ip: "203.0.113.9", port: 51234, user: odd });
    const long = "A".repeat(255) + "😀" + "B".repeat(5000);
    const p = parse(winlogbeat(4625, { TargetUserName: long, WorkstationName: "x".repeat(10_000) }));
    expectLogon(p, { outcome: "failure", reason: "password", ip: "203.0.113.9", port: 51234 });
    assert.equal((p as ParsedLogon).user?.name, "A".repeat(255));
    expectLogon(parse(winlogbeat(4625, { AuthenticationPackageName: "P".repeat(500) })), { outcome: "failure", reason: "password", ip: "203.0.113.9", port: 51234 });
  });

  test("AGT-2 malformed JSON, wrong types and huge lines are unknown and never throw", () => {
    const unknown = [
      "",
      "garbage 4625",
      "[4625]",
      '{"EventID": 4625, "EventTime": ',
      '{"EventID": 4625, "EventTime": "2026-11-21 22:50:53", "IpAddress": "attacker.example", "TargetUserName": "x"}',
      '{"EventID": 4625, "EventTime": "yesterday", "IpAddress": "203.0.113.9"}',
      '{"EventID": 4625, "IpAddress": "203.0.113.9"}',
      '{"EventID": 4625, "EventTime": 12, "IpAddress": "203.0.113.9"}',
      '{"winlog": {"event_id": 4625}, "@timestamp": "2026-11-21T22:50:53Z"}',
      '{"System": {"EventID": 4625, "TimeCreated": {"SystemTime": "2026-11-21T22:50:53Z"}}, "EventData": "x"}',
      '{"something": "else", "n": 4625}',
      "{" + '"a":'.repeat(10) + "4625",
      "{" + " ".repeat(MAX_WINDOWS_LINE) + "4625}",
    ];
    for (const l of unknown) expectSkip(parse(l), "unknown", l.slice(0, 100));
    // wrong types count as absent
    const wrong = parse(JSON.stringify({ EventID: "4625", EventTime: "2026-11-21 22:50:53", IpAddress: "203.0.113.9", TargetUserName: ["x"], LogonType: { a: 1 }, IpPort: "99999", SubStatus: 5, AuthenticationPackageName: 7, Hostname: null }));
    expectLogon(wrong, { outcome: "failure", reason: "other", ip: "203.0.113.9" });
    assert.equal((wrong as ParsedLogon).user, undefined);
    assert.equal((wrong as ParsedLogon).logon, undefined);
    // deep nesting does not blow the stack
    const deep = "[".repeat(100_000) + "4625" + "]".repeat(100_000);
    expectSkip(parse(`{"EventID": 4625, "x": ${deep}}`), "unknown", "deep");
    const parts = ["{", "}", "[", "]", ",", ":", '"EventID"', '"winlog"', '"event_id"', '"event_data"', '"System"', '"EventData"', "4624", "4625", '"4625"', '"IpAddress"', '"203.0.113.9"', '"-"', '"@timestamp"', '"2026-11-21T22:50:53Z"', '"EventTime"', "null", "true", '"TargetUserName"', '"x$"'];
    fuzzParser(parts, (l) => parse(l), 3, { maxParts: 16 });
  });
});

// ---- SQL Server in the Application log ----------------------------------------------------------

type SqlWant = Omit<WantLogon, "service" | "code" | "reason"> & { reason: "password" | "invalid_user" | "other"; code: "18456" | "18454" | "18453" };

/** An mssql record: no port, logon.protocol only on successes. */
const expectSqlLogon = (p: ParsedLogon | LineSkip, want: SqlWant) =>
  expectRecord(p, { service: "mssql", port: undefined, protocol: want.code === "18456" ? undefined : want.code === "18453" ? "Windows" : "SQL Server", ...want });

const PW = "Password did not match that for the login provided.";
const NOLOGIN = "Could not find a login matching the name provided.";

/** Winlogbeat 8's record of SQL Server's 18456 (Application log; unnamed event data become param1…). */
function winlogbeatSql(eventId: number | string, params: Record<string, unknown>, message: string | undefined, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    "@timestamp": "2026-11-21T22:50:53.480Z",
    event: { code: String(eventId), kind: "event", provider: "MSSQLSERVER", created: "2026-11-21T22:50:54.101Z", outcome: "failure" },
    winlog: {
      channel: "Application", event_id: String(eventId), provider_name: "MSSQLSERVER", computer_name: "SQL01.corp.example", record_id: 99812, api: "wineventlog",
      keywords: ["Audit Failure", "Classic"], opcode: "Info", task: "Logon", process: { pid: 0, thread: { id: 0 } },
      event_data: { ...params, Binary: "184800000E00000007000000530051004C0030003100000007000000" },
    },
    message,
    log: { level: "information" },
    host: { name: "sql01" },
    ...extra,
  });
}

describe("windows parser: SQL Server logons (Application log)", () => {
  test("AGT-2 LOG-8 Winlogbeat 18456 reads user, reason and client from param1…param3", () => {
    const msg = `Login failed for user 'sa'. Reason: ${PW} [CLIENT: 203.0.113.9]`;
    expectSqlLogon(parse(winlogbeatSql(18456, { param1: "sa", param2: ` Reason: ${PW}`, param3: " [CLIENT: 203.0.113.9]" }, msg)), {
      ts: "2026-11-21T22:50:53.480Z", outcome: "failure", reason: "password", ip: "203.0.113.9", user: "sa", host: "SQL01.corp.example", code: "18456",
    });
    // a named instance; the reason without its prefix
    expectSqlLogon(parse(winlogbeatSql(18456, { param1: "admin", param2: NOLOGIN, param3: "[CLIENT: 198.51.100.4]" }, undefined, { winlog: { channel: "Application", event_id: 18456, provider_name: "MSSQL$SQLEXPRESS", computer_name: "SQL02", event_data: { param1: "admin", param2: `Reason: ${NOLOGIN}`, param3: "[CLIENT: 198.51.100.4]" } } })), {
      outcome: "failure", reason: "invalid_user", ip: "198.51.100.4", user: "admin", host: "SQL02", code: "18456",
    });
    expectSqlLogon(parse(winlogbeatSql(18456, { param1: "sa", param2: " Reason: The account is disabled.", param3: " [CLIENT: 203.0.113.9]" }, undefined)), { outcome: "failure", reason: "other", ip: "203.0.113.9", user: "sa", code: "18456" });
    // Winlogbeat leaves out empty values (a gap), and its newer renderer counts from param0
    expectSqlLogon(parse(winlogbeatSql(18456, { param1: "sa", param3: " [CLIENT: 203.0.113.9]" }, undefined)), { outcome: "failure", reason: "other", ip: "203.0.113.9", user: "sa", code: "18456" });
    expectSqlLogon(parse(winlogbeatSql(18456, { param2: ` Reason: ${NOLOGIN}`, param3: " [CLIENT: 203.0.113.9]" }, undefined)), { outcome: "failure", reason: "invalid_user", ip: "203.0.113.9", user: "", code: "18456" });
    expectSqlLogon(parse(winlogbeatSql(18456, { param0: "sa", param1: ` Reason: ${PW}`, param2: " [CLIENT: 203.0.113.9]" }, undefined)), { outcome: "failure", reason: "password", ip: "203.0.113.9", user: "sa", code: "18456" });
  });

  test("AGT-2 LOG-8 18454 / 18453 successes: SQL Server and Windows authentication", () => {
    expectSqlLogon(parse(winlogbeatSql(18454, { param1: "app", param2: " [CLIENT: 198.51.100.20]" }, "Login succeeded for user 'app'. Connection made using SQL Server authentication. [CLIENT: 198.51.100.20]")), {
      outcome: "success", reason: "other", ip: "198.51.100.20", user: "app", code: "18454",
    });
    // NXLog flat: no unnamed data, the rendered Message is read; EventTime is local time
    const nx = JSON.stringify({
      EventTime: "2026-11-21 22:50:53", Hostname: "SQL01", EventType: "AUDIT_SUCCESS", EventID: 18453, SourceName: "MSSQLSERVER", Channel: "Application", Category: "Logon",
      Message: "Login succeeded for user 'CORP\\alice'. Connection made using Windows authentication. [CLIENT: 198.51.100.21]\r\n", SourceModuleName: "eventlog", SourceModuleType: "im_msvistalog",
    });
    expectSqlLogon(parse(nx, 60), { ts: "2026-11-21T21:50:53.000Z", outcome: "success", reason: "other", ip: "198.51.100.21", user: "CORP\\alice", host: "SQL01", code: "18453" });
  });

  test("AGT-2 LOG-8 the event's XML as JSON: unnamed Data as a list or as #text", () => {
    const sys = {
      Provider: { "#attributes": { Name: "MSSQLSERVER" } }, EventID: { "#attributes": { Qualifiers: 49152 }, "#text": 18456 }, Level: 0, Task: 4, Keywords: "0x90000000000000",
      TimeCreated: { "#attributes": { SystemTime: "2026-11-21T22:50:53.4801234Z" } }, EventRecordID: 99812, Channel: "Application", Computer: "SQL01.corp.example",
    };
    const data = ["sa", ` Reason: ${PW}`, " [CLIENT: 203.0.113.9]"];
    for (const ed of [{ Data: data, Binary: "1848" }, { Data: { "#text": data }, Binary: "1848" }, { Data: data.map((d) => ({ "#text": d })) }]) {
      expectSqlLogon(parse(JSON.stringify({ Event: { System: sys, EventData: ed } })), {
        ts: "2026-11-21T22:50:53.480Z", outcome: "failure", reason: "password", ip: "203.0.113.9", user: "sa", host: "SQL01.corp.example", code: "18456",
      });
    }
    // python-evtx style attributes (@Name), and a rendered message instead of data
    const rendered = { Event: { System: { ...sys, Provider: { "@Name": "MSSQL$PROD" } }, RenderingInfo: { Message: `Login failed for user 'bob'. Reason: ${NOLOGIN} [CLIENT: 203.0.113.11]` } } };
    expectSqlLogon(parse(JSON.stringify(rendered)), { outcome: "failure", reason: "invalid_user", ip: "203.0.113.11", user: "bob", code: "18456" });
  });

  test("AGT-2 LOG-8 attacker-chosen names in the event: the fields keep them apart; in the message the last [CLIENT: …] counts", () => {
    const fake = `x'. Reason: ${PW} [CLIENT: 6.6.6.6]`;
    expectSqlLogon(parse(winlogbeatSql(18456, { param1: fake, param2: ` Reason: ${NOLOGIN}`, param3: " [CLIENT: 203.0.113.9]" }, undefined)), {
      outcome: "failure", reason: "invalid_user", ip: "203.0.113.9", user: fake, code: "18456",
    });
    expectSqlLogon(parse(winlogbeatSql(18456, {}, `Login failed for user '${fake}'. Reason: ${NOLOGIN} [CLIENT: 203.0.113.9]`)), {
      outcome: "failure", reason: "invalid_user", ip: "203.0.113.9", user: fake, code: "18456",
    });
    const odd = `a"b' OR 1=1; --\\ пользователь😀 [CLIENT: 1.2.3.4]`;
    expectSqlLogon(parse(winlogbeatSql(18456, { param1: odd, param2: ` Reason: ${PW}`, param3: " [CLIENT: 203.0.113.9]" }, undefined)), {
      outcome: "failure", reason: "password", ip: "203.0.113.9", user: odd, code: "18456",
    });
    const long = "A".repeat(255) + "😀" + "B".repeat(5000);
    const p = expectSqlLogon(parse(winlogbeatSql(18456, { param1: long, param2: ` Reason: ${PW}`, param3: " [CLIENT: 203.0.113.9]" }, undefined)), { outcome: "failure", reason: "password", ip: "203.0.113.9", code: "18456" });
    assert.equal(p.user?.name, "A".repeat(255));
  });

  test("AGT-2 LOG-8 local clients, other providers and channels are ignored; unreadable SQL Server events are unknown", () => {
    const data = (client: string) => ({ param1: "sa", param2: ` Reason: ${PW}`, param3: ` [CLIENT: ${client}]` });
    for (const c of ["<local machine>", "127.0.0.1", "::1"]) assert.match(expectSkip(parse(winlogbeatSql(18456, data(c), undefined)), "ignored", c).why, /local/);
    const ignored: [string, RegExp][] = [
      [winlogbeatSql(18456, data("203.0.113.9"), undefined, { winlog: { channel: "Application", event_id: 18456, provider_name: "Microsoft-Windows-Something", event_data: data("203.0.113.9") } }), /provider/],
      [winlogbeatSql(18456, data("203.0.113.9"), undefined, { winlog: { channel: "Security", event_id: 18456, provider_name: "MSSQLSERVER", event_data: data("203.0.113.9") } }), /Application/],
      [JSON.stringify({ EventID: 18452, EventTime: "2026-11-21 22:50:53", SourceName: "MSSQLSERVER", Message: "Login failed. The login is from an untrusted domain" }), /not a 4624\/4625/],
      [JSON.stringify({ EventID: 1845, EventTime: "2026-11-21 22:50:53" }), /not a 4624\/4625/],
      [JSON.stringify({ EventID: 17137, EventTime: "2026-11-21 22:50:53", SourceName: "MSSQLSERVER", Message: "Starting up database 'tempdb'." }), /not a 4624\/4625/],
    ];
    for (const [l, why] of ignored) assert.match(expectSkip(parse(l), "ignored", l).why, why);
    const unknown = [
      winlogbeatSql(18456, {}, undefined),
      winlogbeatSql(18456, data("sql.attacker.example"), undefined),
      winlogbeatSql(18456, { param1: "sa", param2: "x", param3: "[CLIENT: 203.0.113.9] trailing" }, undefined),
      // the message says success, the event id says failure
      winlogbeatSql(18456, {}, "Login succeeded for user 'app'. Connection made using SQL Server authentication. [CLIENT: 198.51.100.20]"),
      winlogbeatSql(18456, {}, "Login failed for user 'sa'. Reason: x"),
      winlogbeatSql(18456, data("203.0.113.9"), undefined, { "@timestamp": "yesterday" }),
    ];
    for (const l of unknown) expectSkip(parse(l), "unknown", l.slice(0, 200));
    const parts = ["{", "}", "[", "]", ",", ":", '"EventID"', '"winlog"', '"event_id"', '"event_data"', '"System"', '"EventData"', '"Data"', "18456", '"18454"', '"param1"', '"param3"', '"sa"', '" [CLIENT: 203.0.113.9]"', '"<local machine>"', '"MSSQLSERVER"', '"provider_name"', '"Application"', '"message"', `"Login failed for user 'x'. Reason: ${PW} [CLIENT: 203.0.113.9]"`, '"@timestamp"', '"2026-11-21T22:50:53Z"', "null"];
    fuzzParser(parts, (l) => parse(l), 17, { maxParts: 16 });
  });
});
