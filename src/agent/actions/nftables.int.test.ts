// Real nftables inside throw-away network namespaces (root only); the host's ruleset is never
// touched. Only 10.77.9.0/24 and documentation addresses are used, inside our own namespaces.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { NftFirewall } from "./nftables.ts";

const run = promisify(execFile);
const nftPath = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"].find((p) => existsSync(p));
const skip = process.getuid?.() !== 0 ? "needs root (creates network namespaces)" : !nftPath ? "nft not installed" : false;
const NS = `hwtest-nft-${process.pid}`;
const NS_A = `hwtest-a-${process.pid}`;
const NS_B = `hwtest-b-${process.pid}`;
const created: string[] = [];
let server: ChildProcess | null = null;

async function netns(name: string): Promise<void> {
  await run("ip", ["netns", "add", name]);
  created.push(name);
}
const inNs = (ns: string, cmd: string, args: string[]) => run("ip", ["netns", "exec", ns, cmd, ...args]);

after(async () => {
  if (server) server.kill("SIGKILL");
  for (const ns of created) await run("ip", ["netns", "del", ns]).catch(() => {}); // also destroys the veth pair
});

test("AGT-10 ensure/block/list/unblock/remove in a private netns; timeouts; other tables untouched", { skip }, async () => {
  await netns(NS);
  await inNs(NS, nftPath!, ["add", "table", "inet", "someone_else"]);
  const fw = new NftFirewall({ nftPath: nftPath!, netns: NS });
  assert.deepEqual(await fw.list(), []);
  assert.equal((await fw.ensure()).ok, true);
  assert.equal((await fw.ensure()).ok, true); // idempotent: rules not duplicated
  const chain = (await inNs(NS, nftPath!, ["list", "chain", "inet", "hostward", "input"])).stdout;
  assert.equal(chain.match(/drop/g)?.length, 2);

  assert.deepEqual(await fw.block("10.77.9.1", 600), { ok: true, message: "blocked 10.77.9.1 for 600s" });
  assert.equal((await fw.block("2001:DB8::5")).ok, true);
  let l = await fw.list();
  const e1 = l.find((e) => e.ip === "10.77.9.1")!;
  assert.ok(e1.expiresInSeconds! > 590 && e1.expiresInSeconds! <= 600, JSON.stringify(l));
  assert.deepEqual(l.find((e) => e.ip === "2001:db8::5"), { ip: "2001:db8::5", expiresInSeconds: null });

  assert.equal((await fw.block("10.77.9.1", 30)).ok, true, "re-block updates the timeout without error");
  assert.ok((await fw.list()).find((e) => e.ip === "10.77.9.1")!.expiresInSeconds! <= 30);
  assert.equal((await fw.block("10.77.9.1")).ok, true);
  assert.equal((await fw.list()).find((e) => e.ip === "10.77.9.1")!.expiresInSeconds, null, "re-block without timeout makes it permanent");
  assert.equal((await fw.ensure()).ok, true);
  assert.equal((await fw.list()).length, 2, "ensure() keeps existing blocks");

  const bad = await fw.block("1.2.3.4; rm -rf /", 60);
  assert.equal(bad.ok, false);
  assert.match(bad.message, /invalid IP address/);

  assert.deepEqual(await fw.unblock("10.77.9.1"), { ok: true, message: "unblocked 10.77.9.1" });
  assert.deepEqual(await fw.unblock("10.77.9.1"), { ok: true, message: "10.77.9.1 was not blocked" });

  assert.equal((await fw.block("10.77.9.3", 1)).ok, true);
  await new Promise((r) => setTimeout(r, 1600));
  assert.equal((await fw.list()).some((e) => e.ip === "10.77.9.3"), false, "the kernel expired the element");

  assert.equal((await fw.remove()).ok, true);
  assert.deepEqual(await fw.remove(), { ok: true, message: "table inet hostward was not present" });
  assert.deepEqual(await fw.list(), []);
  const tables = (await inNs(NS, nftPath!, ["list", "tables"])).stdout;
  assert.match(tables, /table inet someone_else/);
});

test("AGT-10 block first-use creates the table itself", { skip }, async () => {
  const ns = `${NS}-2`;
  await netns(ns);
  const fw = new NftFirewall({ nftPath: nftPath!, netns: ns });
  assert.deepEqual(await fw.block("10.77.9.9", 60), { ok: true, message: "blocked 10.77.9.9 for 60s" });
  assert.equal((await fw.list())[0]?.ip, "10.77.9.9");
});

test("AGT-10 packets from a blocked address are dropped, and flow again after unblock", { skip }, async () => {
  await netns(NS_A);
  await netns(NS_B);
  const va = `hwa${process.pid % 100000}`;
  const vb = `hwb${process.pid % 100000}`;
  await run("ip", ["link", "add", va, "type", "veth", "peer", "name", vb]);
  await run("ip", ["link", "set", va, "netns", NS_A]);
  await run("ip", ["link", "set", vb, "netns", NS_B]);
  for (const [ns, dev, addr] of [[NS_A, va, "10.77.9.1/24"], [NS_B, vb, "10.77.9.2/24"]] as const) {
    await run("ip", ["-n", ns, "addr", "add", addr, "dev", dev]);
    await run("ip", ["-n", ns, "link", "set", dev, "up"]);
    await run("ip", ["-n", ns, "link", "set", "lo", "up"]);
  }
  // ping is not installed here; a TCP connect through node in each namespace is the same check.
  const serverJs = `require("net").createServer((s) => s.end("hello")).listen(7077, "10.77.9.2", () => console.log("ready"))`;
  server = spawn("ip", ["netns", "exec", NS_B, process.execPath, "-e", serverJs], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    server!.stdout!.once("data", () => resolve());
    server!.once("exit", (c) => reject(new Error(`server exited ${c}`)));
  });
  const clientJs = `const s = require("net").connect({ host: "10.77.9.2", port: 7077, localAddress: "10.77.9.1" });
s.setTimeout(1000, () => { console.log("timeout"); process.exit(0); });
s.on("data", (d) => { console.log(String(d)); process.exit(0); });
s.on("error", (e) => { console.log("error " + e.code); process.exit(0); });`;
  const connect = async () => (await inNs(NS_A, process.execPath, ["-e", clientJs])).stdout.trim();

  const fw = new NftFirewall({ nftPath: nftPath!, netns: NS_B });
  assert.equal(await connect(), "hello", "reachable before the block");
  assert.equal((await fw.block("10.77.9.1", 300)).ok, true);
  assert.equal(await connect(), "timeout", "SYN from the blocked address dropped");
  assert.equal((await fw.unblock("10.77.9.1")).ok, true);
  assert.equal(await connect(), "hello", "reachable again after unblock");
});
