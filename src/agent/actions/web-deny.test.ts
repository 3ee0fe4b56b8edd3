// Unit tests with a stand-in "nginx": it records its arguments, fails `-T` when the deny file
// holds a marker address, and prints the include marker only when told the file is included.
// Real nginx: test/e2e/isolation.int.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../../core/index.ts";
import { NginxDenyList, parseDenyFile, renderDenyFile } from "./web-deny.ts";

async function fakeNginx(t: { after: (fn: () => Promise<void>) => void }, opts: { included?: boolean; reload?: string } = {}) {
  const dir = await mkdtemp(join(tmpdir(), "hw-webdeny-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "hostward-deny.conf");
  const log = join(dir, "calls");
  const path = join(dir, "nginx");
  await writeFile(path, `#!/bin/sh
echo "ARGS $*" >> "${log}"
case "$*" in
  *-T*)
    if grep -q "192.0.2.66" "${file}" 2>/dev/null; then echo 'nginx: [emerg] 42#42: invalid parameter "192.0.2.66" in ${file}:3' >&2; echo "nginx: configuration file /etc/nginx/nginx.conf test failed" >&2; exit 1; fi
    echo "# configuration file /etc/nginx/nginx.conf:"
    ${opts.included === false ? "" : `echo "# configuration file ${file}:"`}
    cat "${file}"
    exit 0;;
  *reload*) ${opts.reload ?? "exit 0"};;
esac
`);
  await chmod(path, 0o755);
  return { dir, file, path, calls: async () => (existsSync(log) ? await readFile(log, "utf8") : ""), reset: () => writeFile(log, "") };
}

test("EVT-10 the deny file has validated, canonical, sorted deny lines and periods; lines that are not ours are dropped", () => {
  const text = renderDenyFile([{ ip: "2001:db8::2", until: null }, { ip: "203.0.113.9", until: Date.parse("2026-03-01T11:00:00Z") }, { ip: "10.77.5.2", until: null }, { ip: "9.1.1.1", until: null }]);
  assert.deepEqual(text.split("\n").filter((l) => !l.startsWith("#")), ["deny 9.1.1.1;", "deny 10.77.5.2;", "deny 203.0.113.9; # until 2026-03-01T11:00:00.000Z", "deny 2001:db8::2;", ""]);
  assert.deepEqual(parseDenyFile(text).map((e) => e.ip).sort(), ["10.77.5.2", "2001:db8::2", "203.0.113.9", "9.1.1.1"]);
  const foreign = "deny all;\ninclude /etc/passwd;\ndeny 1.2.3.4; return 200;\ndeny 1.2.3;\n  deny 192.0.2.1;  \nallow 192.0.2.2;\n";
  assert.deepEqual(parseDenyFile(foreign), [{ ip: "192.0.2.1", until: null }]);
});

test("EVT-10 AGT-10 deny writes the file, tests with nginx -T and reloads; an invalid or local address never reaches the file", async (t) => {
  const ng = await fakeNginx(t);
  const clock = new FakeClock("2026-03-01T10:00:00Z");
  const wd = new NginxDenyList({ file: ng.file, nginx: [ng.path, "-c", "/etc/nginx/nginx.conf"], clock });
  t.after(() => wd.stop());
  for (const bad of ["1.2.3.4; return 200", "192.0.2.0/24", "all", "127.0.0.1", "::1"]) assert.equal((await wd.deny(bad)).ok, false, bad);
  assert.equal((await wd.deny("192.0.2.1", 0)).ok, false);
  assert.equal(existsSync(ng.file), false);
  assert.equal(await ng.calls(), "");

  assert.deepEqual(await wd.deny("203.0.113.9", 3600), { ok: true, message: `203.0.113.9 denied in ${ng.file} until 2026-03-01T11:00:00.000Z; nginx reloaded` });
  assert.equal(await ng.calls(), "ARGS -c /etc/nginx/nginx.conf -T -q\nARGS -c /etc/nginx/nginx.conf -s reload\n");
  assert.equal((await wd.deny("::ffff:10.77.5.2")).ok, true);
  assert.deepEqual(await wd.list(), [{ ip: "10.77.5.2", until: null }, { ip: "203.0.113.9", until: Date.parse("2026-03-01T11:00:00Z") }]);
  // idempotent: the same deny again changes nothing and does not reload
  await ng.reset();
  assert.match((await wd.deny("10.77.5.2")).message, /no change/);
  assert.equal(await ng.calls(), "");

  assert.deepEqual(await wd.allow("10.77.5.2"), { ok: true, message: `10.77.5.2 removed from ${ng.file}; nginx reloaded` });
  assert.deepEqual(await wd.allow("10.77.5.2"), { ok: true, message: `10.77.5.2 was not in ${ng.file}` });
  assert.equal((await wd.list()).length, 1);
});

test("EVT-10 a file nginx refuses is rolled back and the reason reported", async (t) => {
  const ng = await fakeNginx(t);
  const wd = new NginxDenyList({ file: ng.file, nginx: [ng.path] });
  assert.equal((await wd.deny("198.51.100.1")).ok, true);
  const before = await readFile(ng.file, "utf8");
  const r = await wd.deny("192.0.2.66");
  assert.equal(r.ok, false);
  assert.equal(r.message, `nginx refused the configuration, deny list rolled back: invalid parameter "192.0.2.66" in ${ng.file}:3`);
  assert.equal(await readFile(ng.file, "utf8"), before);
  assert.doesNotMatch(await ng.calls(), /reload\n$/);

  // a first write nginx refuses leaves no file behind
  const ng2 = await fakeNginx(t);
  assert.equal((await new NginxDenyList({ file: ng2.file, nginx: [ng2.path] }).deny("192.0.2.66")).ok, false);
  assert.equal(existsSync(ng2.file), false);
});

test("EVT-10 a deny file nginx does not include, a failed reload and a missing nginx are failures that say what to do", async (t) => {
  const ng = await fakeNginx(t, { included: false });
  const r = await new NginxDenyList({ file: ng.file, nginx: [ng.path] }).deny("198.51.100.1");
  assert.deepEqual(r, { ok: false, message: `${ng.file} is written, but nginx's configuration does not include it: add "include ${ng.file};" to the http or server block` });
  const down = await fakeNginx(t, { reload: `echo 'nginx: [error] open() "/run/nginx.pid" failed (2: No such file or directory)' >&2; exit 1` });
  const d = await new NginxDenyList({ file: down.file, nginx: [down.path] }).deny("198.51.100.1");
  assert.equal(d.ok, false);
  assert.match(d.message, /is written and valid, but nginx did not reload: open\(\) "\/run\/nginx.pid" failed/);
  const missing = await new NginxDenyList({ file: join(ng.dir, "x.conf"), nginx: ["/nonexistent/nginx"] }).deny("198.51.100.1");
  assert.match(missing.message, /cannot run nginx: \/nonexistent\/nginx not found/);
  assert.match((await new NginxDenyList({ file: "/nonexistent-dir/deny.conf", nginx: [ng.path] }).deny("198.51.100.1")).message, /\/nonexistent-dir does not exist/);
  assert.throws(() => new NginxDenyList({ file: "relative.conf" }), /absolute path/);
});

test("EVT-10 RSP-1 an entry's period ends on its own: expiry removes it and reloads; a restart prunes what ended meanwhile", async (t) => {
  const ng = await fakeNginx(t);
  const clock = new FakeClock("2026-03-01T10:00:00Z");
  const expired: string[] = [];
  const wd = new NginxDenyList({ file: ng.file, nginx: [ng.path], clock, onExpired: (m) => expired.push(m) });
  t.after(() => wd.stop());
  await wd.deny("203.0.113.9", 600);
  await wd.deny("203.0.113.10", 3600);
  await wd.deny("203.0.113.11");
  assert.equal(await wd.expire(), null, "nothing due yet");
  clock.advance(601_000);
  await ng.reset();
  const r = await wd.expire();
  assert.deepEqual(r, { ok: true, message: `validity period ended: 203.0.113.9 removed from ${ng.file}; nginx reloaded` });
  assert.match(await ng.calls(), /-s reload/);
  assert.deepEqual((await wd.list()).map((e) => e.ip), ["203.0.113.10", "203.0.113.11"]);
  assert.equal(expired.length, 1);
  wd.stop();

  // the agent was down past the second period: start() removes it
  clock.advance(3600_000);
  const again = new NginxDenyList({ file: ng.file, nginx: [ng.path], clock });
  t.after(() => again.stop());
  assert.equal((await again.start())?.ok, true);
  assert.deepEqual((await again.list()).map((e) => e.ip), ["203.0.113.11"]);
});
