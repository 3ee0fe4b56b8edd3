import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeClock } from "../core/index.ts";
import { tempDir, startServer, enrolToken } from "../../test/helpers.ts";

const tmp = tempDir();
after(() => tmp.cleanup());
let n = 0;
const SHA = "ab".repeat(32);
const MD5 = "cd".repeat(16);

/** The server side of web-shell findings: the agent's verdict records through ingest, the rules, whitelisting, quarantine and the vault view. */
async function setup() {
  const clock = new FakeClock("2026-06-01T08:00:00Z");
  const { server, adminToken } = await startServer({ dataDir: join(tmp.dir, `s${n++}`), clock, listen: false });
  const en = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token: await enrolToken(server), hostname: "web-1", version: "1", os: "linux" } });
  const web = en.json() as { agentId: string; secret: string };
  let seq = 0;
  const send = async (records: object[]) => {
    const r = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: { authorization: `Bearer ${web.agentId}.${web.secret}` }, payload: { records: records.map((x) => ({ id: `rec-${String(seq++).padStart(8, "0")}`, ...x })) } });
    assert.equal(r.statusCode, 200, r.body);
    return r.json() as { accepted: number; rejected: unknown[] };
  };
  const api = async (url: string, method = "GET", payload?: object) => {
    const r = await server.api.inject({ method: method as "GET", url, payload, headers: { authorization: `Bearer ${adminToken}` } });
    return { status: r.statusCode, body: r.json() };
  };
  const alerts = async (type: string) => (await api(`/api/v1/alerts?type=${type}&limit=100`)).body.items as { id: string; status: string; count: number; evidence: Record<string, unknown> }[];
  const shell = (path: string, o: { action?: string; verdict?: string; md5?: string; baseline?: object } = {}) => ({
    kind: "file", ts: clock.now(), event: { action: o.action ?? "created" },
    file: { path, category: "web", hash: { md5: o.md5 ?? MD5, sha256: SHA }, size: 31, mode: "0644", owner: "www-data" },
    webshell: { verdict: o.verdict ?? "malicious", lang: "php", scan: "realtime", reasons: [{ id: "php.input-to-eval", layer: "heuristic", severity: "malicious", line: 1, text: "$_POST['x'] reaches eval()", excerpt: "@eval($_POST['x']);" }], ...(o.baseline ? { baseline: o.baseline } : {}) },
  });
  return { server, clock, web, send, api, alerts, shell };
}

describe("web files through ingest (WS-2, WS-5, WS-7, ALR-4, RSP-2)", () => {
  test("WS-2 a web shell verdict alerts with its reasons and lines; ALR-4 whitelisting stores its directory, so another shell there is whitelisted and one elsewhere is not", async () => {
    const { server, clock, send, api, alerts, shell } = await setup();
    try {
      await send([shell("/var/www/html/uploads/x.php")]);
      const [a] = await alerts("web_shell");
      assert.ok(a, "a web_shell alert");
      assert.equal(a.evidence["file.directory"], "/var/www/html/uploads");
      assert.equal(a.evidence["webshell.characteristic"], "php.input-to-eval");
      assert.deepEqual((a.evidence["webshell.reasons"] as { line: number }[]).map((r) => r.line), [1]);
      assert.equal((await api("/api/v1/actions")).body.items.length, 0, "WS-7: nothing is quarantined automatically");
      const r = await api(`/api/v1/alerts/${a.id}/handle`, "POST", { action: "whitelist", scope: "asset" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      clock.advance(60_000);
      await send([shell("/var/www/html/uploads/y.php", { md5: "ef".repeat(16) }), shell("/var/www/html/z.php", { md5: "ef".repeat(16) })]);
      const all = await alerts("web_shell");
      const y = all.find((x) => x.evidence["file.path"] === "/var/www/html/uploads/y.php");
      const z = all.find((x) => x.evidence["file.path"] === "/var/www/html/z.php");
      assert.match(String(y?.status), /^whitelisted/);
      assert.equal(z?.status, "unhandled");
      // the same shell dropped again somewhere else: persistent (ALR-4: MD5 + characteristic)
      const [p] = await alerts("persistent_web_shell");
      assert.equal(p?.evidence["file.hash.md5"], "ef".repeat(16));
    } finally {
      await server.close();
    }
  });

  test("WS-5 a backdoored known file is its own alert naming the added line; WS-6 phpinfo() exposure is low severity", async () => {
    const { server, send, alerts, shell } = await setup();
    try {
      await send([shell("/var/www/html/index.php", { action: "modified", baseline: { previousSha256: "0".repeat(64), added: [{ line: 12, text: "eval($_POST['c']);" }] } })]);
      const [b] = await alerts("web_file_backdoor");
      assert.deepEqual((b?.evidence["webshell.baseline"] as { added: unknown[] }).added, [{ line: 12, text: "eval($_POST['c']);" }]);
      assert.equal((await alerts("web_shell")).length, 0);
      await send([{ kind: "file", ts: Date.parse("2026-06-01T08:00:00Z"), event: { action: "scanned" }, file: { path: "/var/www/html/i.php", category: "web", hash: { md5: MD5, sha256: SHA } }, webshell: { verdict: "clean", lang: "php", scan: "scheduled", exposure: "phpinfo", reasons: [{ id: "php.phpinfo-exposure", layer: "heuristic", severity: "info", line: 1, text: "calls phpinfo()" }] } }]);
      const [i] = await alerts("phpinfo_exposure");
      assert.equal(i?.evidence["file.path"], "/var/www/html/i.php");
    } finally {
      await server.close();
    }
  });

  test("WS-7 RSP-2 an operator quarantines a web shell from its alert; the vault records show in the panel; restore is queued with the vault's hash and refused once restored", async () => {
    const { server, clock, web, send, api, alerts, shell } = await setup();
    try {
      await send([shell("/var/www/html/x.php")]);
      const [a] = await alerts("web_shell");
      const h = await api(`/api/v1/alerts/${a!.id}/handle`, "POST", { action: "quarantine" });
      assert.equal(h.status, 200, JSON.stringify(h.body));
      const q = (await api("/api/v1/actions")).body.items.find((x: { type: string }) => x.type === "quarantine_file");
      assert.deepEqual(q.params, { path: "/var/www/html/x.php", sha256: SHA });
      // the agent did it and reports its vault
      const entry = { id: "q-1780300800000-abababababab", originalPath: "/var/www/html/x.php", sha256: SHA, md5: MD5, size: 31, mode: 0o644, uid: 33, gid: 33, quarantinedAt: clock.now(), expiresAt: clock.now() + 30 * 86_400_000 };
      await send([{ kind: "vault", ts: clock.now(), entries: [entry], change: { action: "quarantined", entryIds: [entry.id] } }]);
      let list = (await api("/api/v1/quarantine")).body;
      assert.equal(list.total, 1);
      assert.deepEqual([list.items[0].originalPath, list.items[0].state, list.items[0].mode, list.items[0].assetId], ["/var/www/html/x.php", "quarantined", "0644", web.agentId]);
      const r = await api(`/api/v1/quarantine/${web.agentId}/${entry.id}/restore`, "POST", { remark: "false positive" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const act = (await api("/api/v1/actions")).body.items.find((x: { type: string }) => x.type === "restore_file");
      assert.deepEqual(act.params, { entryId: entry.id, sha256: SHA }, "the server sends only the entry and its hash, never a path");
      clock.advance(5000);
      await send([{ kind: "vault", ts: clock.now(), entries: [], change: { action: "restored", entryIds: [entry.id] } }]);
      list = (await api("/api/v1/quarantine?state=restored")).body;
      assert.equal(list.items[0]?.entryId, entry.id);
      assert.equal((await api(`/api/v1/quarantine/${web.agentId}/${entry.id}/restore`, "POST", {})).status, 409);
      assert.equal((await api(`/api/v1/quarantine/${web.agentId}/q-1-000000000000/restore`, "POST", {})).status, 404);
      const bad = await send([{ kind: "vault", ts: clock.now(), entries: [{ ...entry, id: "../../etc/passwd" }], change: { action: "snapshot", entryIds: [] } }]);
      assert.equal(bad.rejected.length, 1, "a vault record with a forged entry id is rejected");
    } finally {
      await server.close();
    }
  });
});
