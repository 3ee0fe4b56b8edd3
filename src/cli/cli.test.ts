import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const CLI = join(import.meta.dirname, "main.ts");
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 20_000 });

test("hostward --help lists the commands; every command explains itself with --help", () => {
  const top = run("--help");
  assert.equal(top.status, 0);
  for (const c of ["start", "server", "agent", "token create", "replay"]) assert.match(top.stdout, new RegExp(`\\n  ${c}\\s`));
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
