import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../core/index.ts";
import { IndicatorIndex, guessKind, normalizeIndicator, normalizeUrl, type Indicator, type IndicatorKind, type IntelCategory } from "./indicators.ts";

const LIST = { name: "test-list", provenance: "written by this test" };

function ind(kind: IndicatorKind, raw: string, category: IntelCategory = "malicious", extra: Partial<Indicator> = {}): Indicator {
  const value = normalizeIndicator(kind, raw);
  assert.ok(value, `${kind} ${raw} normalises`);
  return { kind, value, category, ...extra };
}

function indexOf(...inds: Indicator[]): IndicatorIndex {
  const ix = new IndicatorIndex();
  ix.add(LIST, inds);
  return ix;
}

const hits = (ix: IndicatorIndex, kind: IndicatorKind, v: string) => ix.lookup(kind, v).map((m) => m.indicator);

describe("PRC-1 indicator index", () => {
  test("PRC-1 normalises entries: CIDR host bits, /32, v6 compression, domain case and dots, URL scheme/host/port", () => {
    assert.equal(normalizeIndicator("ip", "10.1.2.3/8"), "10.0.0.0/8");
    assert.equal(normalizeIndicator("ip", "203.0.113.9/32"), "203.0.113.9");
    assert.equal(normalizeIndicator("ip", "2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
    assert.equal(normalizeIndicator("ip", "2001:db8:ffff::1/32"), "2001:db8::/32");
    assert.equal(normalizeIndicator("ip", "::ffff:198.51.100.4"), "198.51.100.4");
    for (const bad of ["10.0.0.0/33", "10.0.0.01", "1.2.3", "nope", "10.0.0.0/x", "::1/129"]) assert.equal(normalizeIndicator("ip", bad), null, bad);
    assert.equal(normalizeIndicator("domain", "Pool.SupportXMR.com."), "pool.supportxmr.com");
    assert.equal(normalizeIndicator("domain", "*.example.net"), "example.net");
    assert.equal(normalizeIndicator("domain", "bücher.example"), "bücher.example", "IDNA left as given");
    for (const bad of ["com", "a..b", "http://x.com", "1.2.3.4", "a b.com", ""]) assert.equal(normalizeIndicator("domain", bad), null, bad);
    assert.equal(normalizeUrl("HTTP://Example.COM:80/A/b?x=1#frag"), "http://example.com/A/b?x=1");
    assert.equal(normalizeUrl("https://user:pw@example.com:443"), "https://example.com/");
    assert.equal(normalizeUrl("https://example.com:8443/x"), "https://example.com:8443/x");
    assert.equal(normalizeUrl("example.com/mal.sh"), "http://example.com/mal.sh");
    assert.equal(normalizeUrl("STRATUM+TCP://Pool.Example.NET:3333"), "stratum+tcp://pool.example.net:3333/");
    assert.equal(normalizeIndicator("md5", "44D88612FEA8A8F36DE82E1278ABB02F"), "44d88612fea8a8f36de82e1278abb02f");
    assert.equal(normalizeIndicator("sha256", "abc"), null);
    assert.equal(normalizeIndicator("port", "3333/tcp"), "3333");
    assert.equal(normalizeIndicator("port", "70000"), null);
    assert.equal(normalizeIndicator("process", "/usr/bin/XMRig"), "xmrig");
    assert.equal(normalizeIndicator("cmdline", "--Donate-Level"), "--donate-level");
    assert.equal(normalizeIndicator("cmdline", "-o"), null, "too short to mean anything");
  });

  test("PRC-1 addresses match their own entry and every network holding them, v4 and v6, most specific first", () => {
    const ix = indexOf(ind("ip", "198.51.100.7"), ind("ip", "198.51.100.0/24"), ind("ip", "198.48.0.0/12"), ind("ip", "0.0.0.0/0", "other"), ind("ip", "2001:db8:bad::/48"), ind("ip", "2001:db8:bad::1"));
    assert.deepEqual(hits(ix, "ip", "198.51.100.7"), ["198.51.100.7", "198.51.100.0/24", "198.48.0.0/12", "0.0.0.0/0"]);
    assert.deepEqual(hits(ix, "ip", "198.51.101.7"), ["198.48.0.0/12", "0.0.0.0/0"]);
    assert.deepEqual(hits(ix, "ip", "::ffff:198.51.100.9"), ["198.51.100.0/24", "198.48.0.0/12", "0.0.0.0/0"], "IPv4-mapped IPv6 is the IPv4 address");
    assert.deepEqual(hits(ix, "ip", "2001:DB8:BAD:0::1"), ["2001:db8:bad::1", "2001:db8:bad::/48"]);
    assert.deepEqual(hits(ix, "ip", "2001:db8:bae::1"), []);
    assert.deepEqual(hits(ix, "ip", "not an ip"), []);
    const m = ix.lookup("ip", "198.51.100.7")[0]!;
    assert.deepEqual(m, { kind: "ip", indicator: "198.51.100.7", list: "test-list", category: "malicious", provenance: "written by this test" });
  });

  test("PRC-1 a domain entry matches the domain and its subdomains, never a look-alike", () => {
    const ix = indexOf(ind("domain", "supportxmr.com", "mining_pool"), ind("domain", "pool.supportxmr.com", "mining_pool"));
    assert.deepEqual(hits(ix, "domain", "pool.supportxmr.com"), ["pool.supportxmr.com", "supportxmr.com"]);
    assert.deepEqual(hits(ix, "domain", "SupportXMR.com."), ["supportxmr.com"]);
    assert.deepEqual(hits(ix, "domain", "a.b.supportxmr.com"), ["supportxmr.com"]);
    assert.deepEqual(hits(ix, "domain", "notsupportxmr.com"), []);
    assert.deepEqual(hits(ix, "domain", "supportxmr.com.evil.example"), []);
    assert.deepEqual(hits(ix, "domain", "com"), []);
  });

  test("PRC-1 URLs match exactly or under a prefix entry ending in /, and by their host's domain/IP entries", () => {
    const ix = indexOf(
      ind("url", "http://bad.example/payload.sh"),
      ind("url", "https://github.com/xmrig/xmrig/releases/", "download_source"),
      ind("domain", "pool.example.net", "mining_pool"),
      ind("ip", "203.0.113.0/24"),
    );
    assert.deepEqual(hits(ix, "url", "HTTP://BAD.example:80/payload.sh#x"), ["http://bad.example/payload.sh"]);
    assert.deepEqual(hits(ix, "url", "http://bad.example/payload.sh?v=2"), [], "the query makes another URL");
    assert.deepEqual(hits(ix, "url", "http://bad.example/Payload.sh"), [], "paths are case-sensitive");
    assert.deepEqual(hits(ix, "url", "https://github.com/xmrig/xmrig/releases/download/v6.22.2/xmrig-6.22.2-linux-static-x64.tar.gz"), ["https://github.com/xmrig/xmrig/releases/"]);
    assert.deepEqual(hits(ix, "url", "https://github.com/xmrig/xmrig/releases"), [], "the prefix needs its /");
    assert.deepEqual(hits(ix, "url", "https://github.com/other/repo/releases/"), []);
    const viaHost = ix.lookup("url", "stratum+tcp://eu.pool.example.net:3333");
    assert.deepEqual(viaHost.map((m) => [m.kind, m.indicator, m.via]), [["domain", "pool.example.net", "host"]]);
    assert.deepEqual(ix.lookup("url", "http://203.0.113.50:8080/x").map((m) => [m.kind, m.indicator, m.via]), [["ip", "203.0.113.0/24", "host"]]);
  });

  test("MIN-3 hashes, ports and miner process names (15-character kernel names too)", () => {
    const ix = indexOf(
      ind("md5", "44d88612fea8a8f36de82e1278abb02f"),
      ind("sha256", "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"),
      ind("port", "3333", "mining_pool"),
      ind("process", "xmrig", "miner"),
      ind("process", "srbminer-multi-extra", "miner"),
    );
    assert.equal(ix.lookup("md5", "44D88612FEA8A8F36DE82E1278ABB02F").length, 1);
    assert.equal(ix.lookup("sha256", "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F").length, 1);
    assert.equal(ix.lookup("sha1", "3395856ce81f2b7382dee72602f798b642f14140").length, 0);
    assert.equal(ix.lookup("port", "3333")[0]?.category, "mining_pool");
    assert.equal(ix.lookup("port", "443").length, 0);
    assert.deepEqual(hits(ix, "process", "XMRig"), ["xmrig"]);
    assert.deepEqual(hits(ix, "process", "/tmp/.cache/xmrig"), ["xmrig"]);
    assert.deepEqual(hits(ix, "process", "/tmp/xmrig (deleted)"), ["xmrig"]);
    assert.deepEqual(hits(ix, "process", "xmrig2"), []);
    assert.deepEqual(hits(ix, "process", "srbminer-multi-"), ["srbminer-multi-extra"], "comm keeps 15 characters");
    assert.equal(ix.count("process"), 2);
    assert.equal(ix.size, 5);
  });

  test("MIN-2 MIN-3 command-line tokens match at word boundaries, case-insensitively", () => {
    const ix = indexOf(...["--donate-level", "stratum+tcp://", "--coin", "-o pool", "--randomx", "rx/0"].map((t) => ind("cmdline", t, "miner")));
    assert.deepEqual(hits(ix, "cmdline", "./x -o stratum+tcp://pool.example.net:3333 -u 4Abc --donate-level=1").sort(), ["--donate-level", "stratum+tcp://"]);
    assert.deepEqual(hits(ix, "cmdline", "XMRIG --COIN monero --randomx-1gb-pages -a rx/0"), ["--coin", "--randomx", "rx/0"]);
    assert.deepEqual(hits(ix, "cmdline", "./miner -o pool.example.net:4444"), ["-o pool"]);
    assert.deepEqual(hits(ix, "cmdline", "wallet --coinbase --no-donate-level x-o pool"), [], "--coinbase is not --coin; x-o is not -o");
    assert.deepEqual(hits(ix, "cmdline", "tar -xvf rx/01.tar"), []);
  });

  test("PRC-1 lookupAny guesses ip, url, hash, port, domain (host:port too), command line and process", () => {
    const ix = indexOf(ind("domain", "pool.example.net", "mining_pool"), ind("ip", "203.0.113.7"), ind("cmdline", "--donate-level", "miner"), ind("process", "xmrig", "miner"));
    assert.equal(guessKind("203.0.113.7"), "ip");
    assert.equal(guessKind("2001:db8::1"), "ip");
    assert.equal(guessKind("https://x.example/a"), "url");
    assert.equal(guessKind("44d88612fea8a8f36de82e1278abb02f"), "md5");
    assert.equal(guessKind("3395856ce81f2b7382dee72602f798b642f14140"), "sha1");
    assert.equal(guessKind("275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"), "sha256");
    assert.equal(guessKind("3333"), "port");
    assert.equal(guessKind("pool.example.net:3333"), "domain");
    assert.equal(guessKind("xmrig --donate-level 1"), "cmdline");
    assert.equal(guessKind("/tmp/xmrig"), "process");
    assert.equal(guessKind("kdevtmpfsi"), "process");
    assert.equal(guessKind(" "), null);
    assert.deepEqual(ix.lookupAny("eu.pool.example.net:3333").matches.map((m) => m.indicator), ["pool.example.net"]);
    assert.equal(ix.lookupAny("eu.pool.example.net:3333").value, "eu.pool.example.net");
    assert.equal(ix.lookupAny("203.0.113.7").matches.length, 1);
    assert.equal(ix.lookupAny("xmrig --donate-level 1").matches.length, 1);
    assert.equal(ix.lookupAny("XMRig").matches[0]?.category, "miner");
    assert.deepEqual(ix.lookupAny("example.org"), { kind: "domain", value: "example.org", matches: [] });
  });

  test("PRC-1 every list holding an indicator is reported; a list's duplicates count once", () => {
    const ix = new IndicatorIndex();
    assert.equal(ix.add({ name: "a", provenance: "pa" }, [ind("domain", "x.example"), ind("domain", "X.example.")]), 1);
    ix.add({ name: "b", provenance: "pb" }, [ind("domain", "x.example", "c2", { note: "seen in campaign 7", ref: "indicator--1" })]);
    assert.deepEqual(ix.lookup("domain", "x.example"), [
      { kind: "domain", indicator: "x.example", list: "a", category: "malicious", provenance: "pa" },
      { kind: "domain", indicator: "x.example", list: "b", category: "c2", provenance: "pb", note: "seen in campaign 7", ref: "indicator--1" },
    ]);
  });

  test("PRC-1 a validity window (STIX valid_from/valid_until) is judged at lookup time", () => {
    const clock = new FakeClock("2026-03-01T00:00:00Z");
    const ix = new IndicatorIndex({ clock });
    ix.add(LIST, [
      ind("ip", "203.0.113.1", "malicious", { validUntil: Date.parse("2026-03-02T00:00:00Z") }),
      ind("ip", "203.0.113.2", "malicious", { validFrom: Date.parse("2026-03-02T00:00:00Z") }),
    ]);
    assert.equal(ix.lookup("ip", "203.0.113.1").length, 1);
    assert.equal(ix.lookup("ip", "203.0.113.2").length, 0);
    clock.advance(86_400_000);
    assert.equal(ix.lookup("ip", "203.0.113.1").length, 0);
    assert.equal(ix.lookup("ip", "203.0.113.2").length, 1);
  });

  test("PRC-1 200k indicators index well under a second and look up in microseconds (timing printed)", (t) => {
    const inds: Indicator[] = [];
    for (let i = 0; i < 120_000; i++) inds.push({ kind: "ip", value: `${11 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.${(i * 7) & 255}`, category: "malicious" });
    for (let i = 0; i < 30_000; i++) inds.push({ kind: "ip", value: `${100 + (i >>> 8)}.${i & 255}.${(i * 13) & 255}.0/24`, category: "scanner" });
    for (let i = 0; i < 10_000; i++) inds.push({ kind: "ip", value: `2001:db8:${i.toString(16)}::/48`, category: "malicious" });
    for (let i = 0; i < 30_000; i++) inds.push({ kind: "domain", value: `host${i}.bad${i % 977}.example`, category: "malicious" });
    for (let i = 0; i < 10_000; i++) inds.push({ kind: "sha256", value: i.toString(16).padStart(64, "0"), category: "malicious" });
    const t0 = performance.now();
    const ix = new IndicatorIndex();
    ix.add(LIST, inds);
    const loadMs = performance.now() - t0;
    assert.equal(ix.size, 200_000);

    const queries = ["11.0.1.7", "100.3.39.9", "203.0.113.9", "2001:db8:5:1::1", "2001:db9::1"];
    const domains = ["a.host5.bad5.example", "nothing.example.org"];
    const n = 20_000;
    let found = 0;
    const t1 = performance.now();
    for (let i = 0; i < n; i++) {
      found += ix.lookup("ip", queries[i % queries.length]!).length;
      found += ix.lookup("domain", domains[i % domains.length]!).length;
    }
    const perLookupUs = ((performance.now() - t1) * 1000) / (2 * n);
    assert.ok(found > 0);
    assert.equal(ix.lookup("ip", "11.0.1.7").length, 1);
    assert.equal(ix.lookup("ip", "100.3.39.200").length, 1);
    t.diagnostic(`index of 200000 indicators built in ${loadMs.toFixed(0)} ms; ${perLookupUs.toFixed(2)} µs per lookup`);
    console.log(`PRC-1 timing: index of 200000 indicators built in ${loadMs.toFixed(0)} ms; ${perLookupUs.toFixed(2)} µs per lookup (ip/domain)`);
  });
});
