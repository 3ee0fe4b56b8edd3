import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const CLI = join(import.meta.dirname, "main.ts");
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 20_000 });

test("hostward --help lists the commands; every command explains itself with --help", () => {
  const top = run("--help");
  assert.equal(top.status, 0);
  for (const c of ["start", "server", "agent", "token create", "user add", "replay"]) assert.match(top.stdout, new RegExp(`\\n  ${c}\\s`));
  for (const [args, want] of [[["start", "--help"], /--no-firewall/], [["server", "--help"], /--agent-port/], [["agent", "--help"], /--token TOKEN/], [["token", "create", "--help"], /--ttl DURATION/], [["replay", "--help"], /--json/]] as const) {
    const r = run(...args);
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stdout + r.stderr, want);
  }
});

test("clear errors: an unknown command, an unknown option, a missing --server, a token without data", () => {
  const u = run("frobnicate");
  assert.equal(u.status, 2);
  assert.match(u.stderr, /unknown command 'frobnicate'/);
  const o = run("server", "--bogus");
  assert.equal(o.status, 2);
  assert.match(o.stderr, /Unknown option '--bogus'.*see --help/);
  const a = run("agent");
  assert.equal(a.status, 2);
  assert.match(a.stderr, /--server URL is required/);
  const t = run("token", "create", "--data", "/nonexistent/hostward");
  assert.equal(t.status, 2);
  assert.match(t.stderr, /no Hostward data in \/nonexistent\/hostward/);
});

test("issue 10: hostward server --profile cluster explains itself and says what it is missing", () => {
  const h = run("server", "--help");
  assert.match(h.stdout, /--profile P/);
  assert.match(h.stdout, /--nats-url URL/);
  const noDb = spawnSync(process.execPath, [CLI, "server", "--profile", "cluster", "--data", "/tmp/hw-cli-none"], { encoding: "utf8", timeout: 20_000, env: { ...process.env, HOSTWARD_DB_URL: "", HOSTWARD_NATS_URL: "" } });
  assert.equal(noDb.status, 1);
  assert.match(noDb.stderr, /cluster profile needs a PostgreSQL URL/);
  const noNats = spawnSync(process.execPath, [CLI, "server", "--profile", "cluster", "--db-url", "postgres://127.0.0.1:1/x", "--data", "/tmp/hw-cli-none"], { encoding: "utf8", timeout: 20_000, env: { ...process.env, HOSTWARD_NATS_URL: "" } });
  assert.equal(noNats.status, 1);
  assert.match(noNats.stderr, /needs a NATS JetStream URL: nats.url in the config file or HOSTWARD_NATS_URL/);
  const bad = run("server", "--profile", "galaxy", "--data", "/tmp/hw-cli-none");
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /profile/);
});

test("ACC-2 hostward user add makes a user with a one-time password that must be changed", async () => {
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { SqliteStore } = await import("../store/index.ts");
  const dir = mkdtempSync(join(tmpdir(), "hw-cli-user-"));
  try {
    // a data directory as the server leaves it
    const store = new SqliteStore({ path: join(dir, "hostward.db") });
    await store.close();
    const r = run("user", "add", "grace", "--role", "viewer", "--data", dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), /^\w{5}-\w{5}-\w{5}-\w{5}$/);
    assert.match(r.stderr, /User grace \(viewer\) added to account default/);
    const again = run("user", "add", "grace", "--data", dir);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /user grace exists/);
    assert.equal(run("user", "add", "x y", "--data", dir).status, 2);
    assert.match(run("user", "add", "h", "--role", "root", "--data", dir).stderr, /--role must be viewer, analyst or admin/);
    const s2 = new SqliteStore({ path: join(dir, "hostward.db") });
    const u = await s2.users.findByName("grace");
    await s2.close();
    assert.equal(u?.role, "viewer");
    assert.equal(u?.mustChangePassword, true);
    assert.match(u!.passwordHash, /^\$argon2id\$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
