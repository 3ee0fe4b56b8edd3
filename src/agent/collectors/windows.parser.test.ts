import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { logonRecord } from "../../protocol/index.ts";
import type { ParsedLogon } from "./sshd.parser.ts";
import { parseWindowsLine, parseWindowsEvent, MAX_WINDOWS_LINE, type LineSkip } from "./windows.parser.ts";

const parse = (line: string, utcOffsetMinutes?: number) => parseWindowsLine(line, { utcOffsetMinutes });

interface Want {
  ts?: string;
  outcome: "success" | "failure";
  reason: "password" | "invalid_user" | "other";
  ip: string;
  port?: number;
  user?: string;
  host?: string;
  type?: string;
  protocol?: string;
}

/** Checks the essentials of a parsed line and that it is a valid logon record once given an id. */
function expectLogon(p: ParsedLogon | LineSkip, want: Want): void {
  assert.ok(!("skip" in p), `expected a logon record, got ${JSON.stringify(p)}`);
  if (want.ts) assert.equal(new Date(p.ts).toISOString(), want.ts);
  assert.equal(p.kind, "logon");
  assert.equal(p.service, "rdp");
  assert.deepEqual(p.event, { outcome: want.outcome, reason: want.reason, code: want.outcome === "success" ? "4624" : "4625" });
  assert.equal(p.source.ip, want.ip);
  assert.equal(p.source.port, want.port);
  if (want.user !== undefined) assert.equal(p.user?.name, want.user);
  if (want.host !== undefined) assert.equal(p.host?.name, want.host);
  if (want.type !== undefined) assert.equal(p.logon?.type, want.type);
  if (want.protocol !== undefined) assert.equal(p.logon?.protocol, want.protocol);
  logonRecord.parse({ id: "test-record-1", ...p });
}

function expectSkip(p: ParsedLogon | LineSkip, kind: "ignored" | "unknown", what?: string): LineSkip {
  assert.ok("skip" in p, `expected no record for ${what}`);
  assert.equal(p.skip, kind, `${what}: ${p.why}`);
  return p;
}

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
    let seed = 3;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const parts = ["{", "}", "[", "]", ",", ":", '"EventID"', '"winlog"', '"event_id"', '"event_data"', '"System"', '"EventData"', "4624", "4625", '"4625"', '"IpAddress"', '"203.0.113.9"', '"-"', '"@timestamp"', '"2026-11-21T22:50:53Z"', '"EventTime"', "null", "true", '"TargetUserName"', '"x$"'];
    for (let i = 0; i < 20_000; i++) {
      let l = "";
      const n = 1 + Math.floor(rnd() * 16);
      for (let j = 0; j < n; j++) l += parts[Math.floor(rnd() * parts.length)];
      const p = parse(l);
      if (!("skip" in p)) logonRecord.parse({ id: "fuzz-record-1", ...p });
    }
  });
});
