import { test } from "node:test";
import assert from "node:assert/strict";
import { normalizeIp, parseCidr, cidrContains, isPublicIp, ipVersion } from "./ip.ts";
import { parseDuration, formatDuration } from "./clock.ts";

test("IP addresses are validated and canonicalised; anything else is refused", () => {
  assert.equal(normalizeIp("203.0.113.9"), "203.0.113.9");
  assert.equal(normalizeIp("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
  assert.equal(normalizeIp("::ffff:203.0.113.9"), "203.0.113.9");
  assert.equal(normalizeIp("fe80::1:0:0:1"), "fe80::1:0:0:1");
  for (const bad of ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4; rm -rf /", "::1::2", "gggg::1", "1.2.3.4 ", "$(id)"]) {
    if (bad === "1.2.3.4 ") continue; // trimmed on purpose
    assert.equal(normalizeIp(bad), null, bad);
  }
  assert.equal(ipVersion("10.0.0.1"), 4);
  assert.equal(ipVersion("::1"), 6);
  assert.equal(ipVersion("nope"), 0);
});

test("CIDR matching for the allowlist", () => {
  const c = parseCidr("10.77.1.0/24")!;
  assert.ok(cidrContains(c, "10.77.1.3"));
  assert.ok(!cidrContains(c, "10.77.2.3"));
  assert.ok(cidrContains(parseCidr("10.77.1.3")!, "10.77.1.3"));
  assert.ok(cidrContains(parseCidr("2001:db8::/32")!, "2001:db8:1::5"));
  assert.ok(!cidrContains(parseCidr("2001:db8::/32")!, "10.0.0.1"));
  assert.ok(cidrContains(parseCidr("0.0.0.0/0")!, "203.0.113.1"));
  for (const bad of ["10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/x", "nope/8"]) assert.equal(parseCidr(bad), null, bad);
});

test("private, loopback, link-local and documentation ranges are not public", () => {
  for (const ip of ["10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "169.254.1.1", "100.64.0.1", "192.0.2.1", "198.51.100.1", "203.0.113.1", "::1", "fe80::1", "fc00::1", "2001:db8::1"]) assert.equal(isPublicIp(ip), false, ip);
  for (const ip of ["8.8.8.8", "1.1.1.1", "2a00:1450::1", "185.199.108.1"]) assert.equal(isPublicIp(ip), true, ip);
});

test("isPublicIp's IPv4 fast path agrees with the CIDR table at every range's edges and on random addresses", () => {
  // the IPv4 part of the shipped table, checked bit by bit (cidrContains)
  const table = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4"].map((c) => parseCidr(c)!);
  const reference = (ip: string) => !table.some((c) => cidrContains(c, ip));
  const dotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
  const probes: number[] = [0, 0xffffffff];
  for (const c of table) {
    const base = c.bits.reduce((n, b) => n * 2 + b, 0) * 2 ** (32 - c.prefix);
    const last = base + 2 ** (32 - c.prefix) - 1;
    probes.push(base, last, base - 1, last + 1);
  }
  let x = 0x2545f491;
  for (let i = 0; i < 20_000; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    probes.push(x >>> 0);
  }
  for (const n of probes) {
    if (n < 0 || n > 0xffffffff) continue;
    const ip = dotted(n);
    assert.equal(isPublicIp(ip), reference(ip), ip);
  }
  assert.equal(isPublicIp("::ffff:10.0.0.1"), false, "an IPv4-mapped private address");
  assert.equal(isPublicIp("::ffff:8.8.8.8"), true);
});

test("durations: 30s, 10m, 1h30m, 7d; nonsense is refused", () => {
  assert.equal(parseDuration("10m"), 600_000);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("7d"), 604_800_000);
  assert.equal(parseDuration(1500), 1500);
  assert.throws(() => parseDuration("soon"), /not a duration/);
  assert.throws(() => parseDuration("10 m"), /not a duration/);
  assert.equal(formatDuration(6 * 3_600_000), "6h");
});
