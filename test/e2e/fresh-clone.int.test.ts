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
    let exited: number | null = null;
    proc.on("exit", (code) => (exited = code ?? -1));
    await waitFor("console URL printed", () => exited !== null || output.includes("Console:"), 120_000, 200).catch((e: Error) => {
      throw new Error(`${e.message}; npm start printed:\n${output}`);
    });
    assert.equal(exited, null, `npm start exited early:\n${output}`);
    t.diagnostic(output.trim());
    assert.match(output, /Console:\s+http:\/\/127\.0\.0\.1:8080\//);
    const pw = /one-time password\s+(\S+)/.exec(output)?.[1];
    assert.ok(pw, "the first admin's one-time password is printed");
    assert.match(output, /Local agent ag_[0-9a-f]+ enrolled/);
    assert.ok(/reading \/var\/\S+ \((sshd|vsftpd|mysql|mssql|windows-json)\)/.test(output) || /No logon log on this host/.test(output), "says which logs it reads (and their formats), or that there is none");
    assert.equal(get("/api/v1/health").status, 200);
    const page = get("/");
    assert.equal(page.status, 200);
    assert.match(page.body, /Hostward/);
    // sign in as a browser would: session cookie, then the one-time password must be changed first
    const script = `
      const base = "http://127.0.0.1:8080";
      const login = await fetch(base + "/api/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: ${JSON.stringify(pw)} }) });
      const cookie = login.headers.get("set-cookie").split(";")[0];
      const { csrfToken } = await login.json();
      const blocked = await fetch(base + "/api/v1/agents", { headers: { cookie } });
      const change = await fetch(base + "/api/v1/auth/password", { method: "POST", headers: { cookie, "x-csrf-token": csrfToken, "content-type": "application/json" }, body: JSON.stringify({ currentPassword: ${JSON.stringify(pw)}, newPassword: "a new, long passphrase 42" }) });
      const agents = await fetch(base + "/api/v1/agents", { headers: { cookie } });
      console.log(JSON.stringify({ login: login.status, blocked: blocked.status, change: change.status, agents: await agents.json() }));`;
    const r = inNs(ns, process.execPath, ["--input-type=module", "-e", script]);
    const res = JSON.parse(r.stdout || "{}");
    assert.equal(res.login, 200, r.stderr);
    assert.equal(res.blocked, 403, "the one-time password must be changed before anything else");
    assert.equal(res.change, 200);
    assert.equal(res.agents.items.length, 1);
  } finally {
    try { process.kill(-proc.pid!, "SIGTERM"); } catch { /* gone */ }
    await new Promise((r) => setTimeout(r, 500));
    try { process.kill(-proc.pid!, "SIGKILL"); } catch { /* gone */ }
    spawnSync("ip", ["netns", "del", ns]);
    tmp.cleanup();
  }
});
