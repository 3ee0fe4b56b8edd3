import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { tempDir, waitFor } from "../helpers.ts";
import { inNs } from "./netns.ts";

/**
 * The README's Quick start on a fresh clone: `npm install && npm start`. It runs inside a
 * throw-away network namespace so that the local agent's nftables table (it runs as root)
 * never touches this machine's own firewall.
 */
const ROOT = join(import.meta.dirname, "..", "..");
const skip = process.getuid?.() !== 0 ? "needs root (runs npm start in a network namespace)" : !existsSync(join(ROOT, ".git")) ? "not a git checkout" : false;

test("fresh clone: npm install && npm start — the server answers, the console page loads, the local agent is enrolled, the admin password works", { skip, timeout: 300_000 }, async (t) => {
  const tmp = tempDir("hw-fresh-");
  const ns = `hw-fresh-${process.pid}`;
  const clone = join(tmp.dir, "hostward");
  execFileSync("git", ["clone", "--quiet", ROOT, clone]);
  const install = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: clone, encoding: "utf8", timeout: 240_000 });
  assert.equal(install.status, 0, install.stderr);
  execFileSync("ip", ["netns", "add", ns]);
  execFileSync("ip", ["-n", ns, "link", "set", "lo", "up"]);
  let output = "";
  const proc = spawn("ip", ["netns", "exec", ns, "npm", "start"], { cwd: clone, detached: true, env: { ...process.env, HOSTWARD_LOG_LEVEL: "warn" } });
  proc.stdout.on("data", (d: Buffer) => (output += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const get = (path: string, init = "{}") => {
    const code = `fetch("http://127.0.0.1:8080${path}", ${init}).then(async r => { console.log(JSON.stringify({ status: r.status, body: await r.text() })) }, e => { console.log(JSON.stringify({ status: 0, body: String(e) })) })`;
    const r = inNs(ns, process.execPath, ["-e", code]);
    return JSON.parse(r.stdout || '{"status":0,"body":""}') as { status: number; body: string };
  };
  try {
    await waitFor("console URL printed", () => output.includes("Console:"), 120_000, 200);
    t.diagnostic(output.trim());
    assert.match(output, /Console:\s+http:\/\/127\.0\.0\.1:8080\//);
    const pw = /one-time password\s+(\S+)/.exec(output)?.[1];
    assert.ok(pw, "the first admin's one-time password is printed");
    assert.match(output, /Local agent ag_[0-9a-f]+ enrolled/);
    assert.ok(/reading \/var\/log\/(auth\.log|secure)/.test(output) || /No sshd log on this host/.test(output), "says which log it reads, or that there is none");
    assert.equal(get("/api/v1/health").status, 200);
    const page = get("/");
    assert.equal(page.status, 200);
    assert.match(page.body, /Hostward/);
    const login = get("/api/v1/auth/login", JSON.stringify({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: pw }) }));
    assert.equal(login.status, 200, login.body);
    const token = JSON.parse(login.body).token;
    const agents = JSON.parse(get("/api/v1/agents", JSON.stringify({ headers: { authorization: `Bearer ${token}` } })).body);
    assert.equal(agents.items.length, 1);
  } finally {
    try { process.kill(-proc.pid!, "SIGTERM"); } catch { /* gone */ }
    await new Promise((r) => setTimeout(r, 500));
    try { process.kill(-proc.pid!, "SIGKILL"); } catch { /* gone */ }
    spawnSync("ip", ["netns", "del", ns]);
    tmp.cleanup();
  }
});
