// Unit tests without root: a stand-in "nft" script records its arguments and stdin so we can
// see exactly what would reach nft (and that invalid input never does).
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalIp, NftFirewall, parseNftBlocked, MAX_BLOCK_SECONDS } from "./nftables.ts";

async function fakeNft(t: { after: (fn: () => Promise<void>) => void }, body: string) {
  const d = await mkdtemp(join(tmpdir(), "hw-nft-"));
  t.after(() => rm(d, { recursive: true, force: true }));
  const path = join(d, "nft");
  const log = join(d, "calls");
  await writeFile(path, `#!/bin/sh\necho "ARGS $*" >> "${log}"\ncat >> "${log}"\n${body}\n`);
  await chmod(path, 0o755);
  return { path, calls: async () => (existsSync(log) ? await readFile(log, "utf8") : "") };
}

test("AGT-10 canonicalIp accepts plain addresses in canonical form and rejects everything else", () => {
  assert.deepEqual(canonicalIp("10.77.9.1"), { ip: "10.77.9.1", family: 4 });
  assert.deepEqual(canonicalIp("2001:DB8:0:0::1"), { ip: "2001:db8::1", family: 6 });
  assert.deepEqual(canonicalIp("::ffff:192.0.2.7"), { ip: "192.0.2.7", family: 4 });
  for (const bad of ["1.2.3.4; rm -rf /", "1.2.3.4 }", " 1.2.3.4", "1.2.3.4/24", "fe80::1%eth0", "1.2.3", "01.2.3.4", "", "a".repeat(100), 42, null]) {
    assert.equal(canonicalIp(bad), null, String(bad));
  }
});

test("AGT-10 an invalid IP is refused before any nft call", async (t) => {
  const nft = await fakeNft(t, "exit 0");
  const fw = new NftFirewall({ nftPath: nft.path });
  const r = await fw.block("1.2.3.4; rm -rf /", 60);
  assert.equal(r.ok, false);
  assert.match(r.message, /invalid IP address/);
  assert.equal((await fw.unblock("1.2.3.4 } ; flush ruleset")).ok, false);
  assert.equal(await nft.calls(), "");
});

test("AGT-10 loopback, unspecified and protected addresses and bad timeouts are refused", async (t) => {
  const nft = await fakeNft(t, "exit 0");
  const fw = new NftFirewall({ nftPath: nft.path, protect: ["192.0.2.10"] });
  for (const ip of ["127.0.0.1", "::1", "0.0.0.0", "::ffff:127.0.0.1", "192.0.2.10"]) assert.equal((await fw.block(ip)).ok, false, ip);
  for (const to of [0, -5, 1.5, MAX_BLOCK_SECONDS + 1, Number.NaN]) assert.equal((await fw.block("192.0.2.1", to)).ok, false, String(to));
  assert.equal(await nft.calls(), "");
});

test("AGT-10 block sends one add/delete/add transaction on stdin with the canonical address", async (t) => {
  const nft = await fakeNft(t, "exit 0");
  const fw = new NftFirewall({ nftPath: nft.path });
  assert.deepEqual(await fw.block("2001:DB8::0:7", 3600), { ok: true, message: "blocked 2001:db8::7 for 3600s" });
  assert.equal(
    await nft.calls(),
    "ARGS -f -\nadd element inet hostward blocked6 { 2001:db8::7 }\ndelete element inet hostward blocked6 { 2001:db8::7 }\nadd element inet hostward blocked6 { 2001:db8::7 timeout 3600s }\n",
  );
});

test("AGT-10 failures carry the reason: nft missing, permission denied, absent element is success", async (t) => {
  const missing = await new NftFirewall({ nftPath: "/nonexistent/nft" }).block("192.0.2.1");
  assert.equal(missing.ok, false);
  assert.match(missing.message, /cannot run nft: \/nonexistent\/nft not found/);
  const eperm = await fakeNft(t, 'echo "Error: Could not process rule: Operation not permitted" >&2; exit 1');
  const r = await new NftFirewall({ nftPath: eperm.path }).ensure();
  assert.deepEqual(r, { ok: false, message: "permission denied: nft needs root or CAP_NET_ADMIN" });
  const enoent = await fakeNft(t, 'echo "Error: Could not process rule: No such file or directory" >&2; exit 1');
  assert.deepEqual(await new NftFirewall({ nftPath: enoent.path }).unblock("192.0.2.1"), { ok: true, message: "192.0.2.1 was not blocked" });
  assert.deepEqual(await new NftFirewall({ nftPath: enoent.path }).list(), []);
});

test("AGT-10 parseNftBlocked reads timed and permanent elements of both sets", () => {
  const json = JSON.stringify({
    nftables: [
      { metainfo: { version: "1.0.6" } },
      { set: { family: "inet", name: "blocked4", table: "hostward", elem: [{ elem: { val: "1.2.3.4", timeout: 120, expires: 119 } }, "5.6.7.8"] } },
      { set: { family: "inet", name: "blocked6", table: "hostward" } },
      { set: { family: "inet", name: "other", table: "hostward", elem: ["9.9.9.9"] } },
    ],
  });
  assert.deepEqual(parseNftBlocked(json), [
    { ip: "1.2.3.4", expiresInSeconds: 119 },
    { ip: "5.6.7.8", expiresInSeconds: null },
  ]);
});

test("AGT-10 netns names are validated", () => {
  assert.throws(() => new NftFirewall({ netns: "a b" }));
  for (const bad of ["../x", "..", "x;y", ""]) assert.throws(() => new NftFirewall({ netns: bad }), bad);
  assert.doesNotThrow(() => new NftFirewall({ netns: "hwtest-nft-1" }));
});
