import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { tempDir, startServer } from "./helpers.ts";
import { runDemo } from "../src/cli/demo.ts";

const CLI = join(import.meta.dirname, "..", "src", "cli", "main.ts");

async function get<T>(apiUrl: string, token: string, path: string): Promise<T> {
  const r = await fetch(apiUrl + path, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200, `${path}: ${await r.clone().text()}`);
  return (await r.json()) as T;
}

test("hostward demo plays brute force, a logon after it and blocks into a running server over the agent channel", async () => {
  const tmp = tempDir("hw-demo-");
  const { server, apiUrl, agentUrl, adminToken } = await startServer({ dataDir: join(tmp.dir, "s") });
  try {
    const lines: string[] = [];
    const r = await runDemo({ apiUrl, apiToken: adminToken, agentUrl: `https://127.0.0.1:${new URL(agentUrl).port}`, say: (l) => lines.push(l) });
    assert.ok(lines.some((l) => /enrolled as ag/.test(l)), lines.join("\n"));
    assert.ok(lines.some((l) => /acknowledged \(simulated\)/.test(l)), lines.join("\n"));

    const alerts = await get<{ items: { type: string; source: { ip: string }; user: { name: string | null } }[] }>(apiUrl, adminToken, `/api/v1/alerts?assetId=${r.agentId}&limit=100`);
    const bf = alerts.items.filter((a) => a.type === "ssh_brute_force").map((a) => a.source.ip).sort();
    assert.deepEqual(bf, ["192.0.2.200", "198.51.100.23", "203.0.113.77"]);
    const after = alerts.items.filter((a) => a.type === "logon_after_brute_force");
    assert.equal(after.length, 1);
    assert.equal(after[0]!.source.ip, "203.0.113.77");
    assert.equal(after[0]!.user.name, "deploy");
    // the admin's key logon and the two typos raise nothing
    assert.ok(!alerts.items.some((a) => ["192.0.2.10", "203.0.113.5"].includes(a.source.ip)));
    // every address is from a documentation range
    for (const a of alerts.items) assert.match(a.source.ip, /^(192\.0\.2|198\.51\.100|203\.0\.113)\./);

    const active = await get<{ items: { ip: string; lastResult: string | null }[] }>(apiUrl, adminToken, `/api/v1/ip-policies?status=active&assetId=${r.agentId}`);
    assert.deepEqual(active.items.map((p) => p.ip).sort(), ["192.0.2.200", "198.51.100.23", "203.0.113.77"]);
    assert.ok(active.items.every((p) => /no firewall was touched/.test(p.lastResult ?? "")), JSON.stringify(active.items));
    assert.equal(r.alerts, alerts.items.length);
    assert.equal(r.blocks, 3);

    const agents = await get<{ items: { id: string; hostname: string }[] }>(apiUrl, adminToken, "/api/v1/agents");
    assert.equal(agents.items.find((a) => a.id === r.agentId)?.hostname, "demo-web-1");

    // the CLI: makes its own admin token from the data directory, prints a summary, then revokes that token
    const cli = spawn(process.execPath, [CLI, "demo", "--server", apiUrl, "--data", join(tmp.dir, "s"), "--hostname", "demo-web-2"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    cli.stdout.on("data", (c: Buffer) => (stdout += c));
    cli.stderr.on("data", (c: Buffer) => (stderr += c));
    const code = await new Promise<number | null>((res) => cli.on("exit", res));
    assert.equal(code, 0, stdout + stderr);
    assert.match(stdout, /Done\. Open http:\/\/127\.0\.0\.1:\d+\/ — \d+ alerts, 3 blocks on host demo-web-2\./);
    const tokens = await server.store.apiTokens.listForUser((await server.store.users.findByName("admin"))!.id);
    const demoToken = tokens.find((t) => t.name === "hostward demo");
    assert.ok(demoToken?.revokedAt, "the demo revokes the API token it made");
  } finally {
    await server.close();
    tmp.cleanup();
  }
});

test("hostward demo --help explains; an unreachable server is a clear error", async () => {
  const run = (...args: string[]) => new Promise<{ code: number | null; out: string }>((res) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (c: Buffer) => (out += c));
    p.stderr.on("data", (c: Buffer) => (out += c));
    p.on("exit", (code) => res({ code, out }));
  });
  const top = await run("--help");
  assert.match(top.out, /\n  demo\s+Play a realistic attack/);
  const h = await run("demo", "--help");
  assert.equal(h.code, 0);
  assert.match(h.out, /--server URL/);
  assert.match(h.out, /203\.0\.113\.0\/24/);
  const down = await run("demo", "--server", "http://127.0.0.1:9", "--api-token", "hwk_x");
  assert.equal(down.code, 1);
  assert.match(down.out, /cannot reach the server at http:\/\/127\.0\.0\.1:9/);
});
