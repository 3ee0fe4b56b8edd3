import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, utimesSync, unlinkSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../core/index.ts";
import { IntelService } from "./intel-service.ts";

let dir: string;
let n = 0;
const fresh = () => {
  const d = join(dir, `case${n++}`);
  mkdirSync(d);
  return d;
};
/** mtime moves on by a whole second per write, so a rewrite of the same size is seen on any file system. */
let tick = 1_700_000_000;
const write = (path: string, text: string) => {
  writeFileSync(path, text);
  tick += 1;
  utimesSync(path, tick, tick);
};

before(() => {
  dir = mkdtempSync(join(tmpdir(), "hw-intel-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("PRC-1 intel service", () => {
  test("PRC-1 loads the shipped lists plus operator files and directories of every format; status lists each source", () => {
    const feeds = fresh();
    write(join(feeds, "ours.ips.txt"), "# name: ours\n# provenance: our SIEM, 2026-05\n203.0.113.0/24\nbad line\n");
    write(join(feeds, "iocs.csv"), "type,value,category\ndomain,c2.example,c2\nsha256,275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f,malicious\n");
    write(join(feeds, "README.md"), "not a feed");
    write(join(feeds, "notes.yaml"), "not a feed either");
    const single = join(dir, `single${n++}.json`);
    write(single, JSON.stringify({ type: "bundle", id: "bundle--1", objects: [{ type: "indicator", id: "indicator--1", pattern_type: "stix", pattern: "[url:value = 'http://c2.example/gate.php']", valid_from: "2026-01-01T00:00:00Z" }] }));
    const clock = new FakeClock("2026-06-01T00:00:00Z");
    const s = new IntelService({ paths: [feeds, single], clock });

    const st = s.status();
    assert.equal(st.loadedAt, clock.now());
    const byName = new Map(st.sources.map((x) => [x.name, x]));
    assert.ok(byName.get("mining-pools")?.shipped, "the shipped lists load by default");
    const ours = byName.get("ours")!;
    assert.deepEqual({ kinds: ours.kinds, entries: ours.entries, rejected: ours.rejected, format: ours.format, shipped: ours.shipped, error: ours.error, provenance: ours.provenance, loadedAt: ours.loadedAt },
      { kinds: ["ip"], entries: 1, rejected: 1, format: "text", shipped: false, error: null, provenance: "our SIEM, 2026-05", loadedAt: clock.now() });
    assert.deepEqual(byName.get("iocs")?.kinds, ["domain", "sha256"]);
    assert.equal(byName.get("iocs")?.provenance, `operator feed ${join(feeds, "iocs.csv")}`, "a file without a provenance header says where it is");
    assert.equal(byName.get(`single${n - 1}`)?.format, "stix");
    assert.ok(!st.sources.some((x) => x.path.endsWith("README.md") || x.path.endsWith(".yaml")));
    assert.equal(st.byKind.url >= 1, true);

    assert.equal(s.lookupIndicator("domain", "www.c2.example")[0]?.category, "c2");
    assert.equal(s.lookupAny("http://c2.example/gate.php").matches.length, 2, "the URL entry and its host's domain entry");
    assert.equal(s.lookupAny("pool.supportxmr.com").matches[0]?.category, "mining_pool");
  });

  test("LOG-8 as IpReputationReader: only malicious, c2, scanner and botnet IPs are 'malicious IPs'", () => {
    const feeds = fresh();
    write(join(feeds, "pools.ips.txt"), "# name: pool-ips\n# category: mining_pool\n198.51.100.10\n");
    write(join(feeds, "scan.ips.txt"), "# name: scanners\n# category: scanner\n# provenance: honeypot\n198.51.100.0/24\n");
    const s = new IntelService({ shippedDir: null, paths: [feeds] });
    assert.deepEqual(s.lookup("198.51.100.10"), { list: "scanners", provenance: "honeypot" });
    assert.deepEqual(s.lookupIndicator("ip", "198.51.100.10").map((m) => m.category), ["mining_pool", "scanner"]);
    assert.equal(s.lookup("203.0.113.1"), null);
    assert.equal(s.lookup("garbage"), null);
  });

  test("PRC-1 a malformed or missing file is reported with its error; the other lists still load", () => {
    const feeds = fresh();
    write(join(feeds, "broken.json"), "{ this is not json");
    write(join(feeds, "notbundle.json"), JSON.stringify({ hello: "world" }));
    write(join(feeds, "good.domains.txt"), "bad.example\n");
    const s = new IntelService({ shippedDir: null, paths: [feeds, join(dir, "nowhere.txt")] });
    const st = s.status();
    const get = (suffix: string) => st.sources.find((x) => x.path.endsWith(suffix))!;
    assert.match(get("broken.json").error!, /JSON/);
    assert.equal(get("broken.json").entries, 0);
    assert.equal(get("broken.json").stale, false);
    assert.match(get("notbundle.json").error!, /not a STIX bundle/);
    assert.equal(get("nowhere.txt").error, "not found");
    assert.equal(get("good.domains.txt").error, null);
    assert.equal(s.lookupIndicator("domain", "bad.example").length, 1);
  });

  test("PRC-1 reloadIfChanged re-reads changed files, picks up added and removed ones, and is a no-op otherwise", () => {
    const feeds = fresh();
    const a = join(feeds, "a.ips.txt");
    write(a, "# name: a\n203.0.113.1\n");
    const clock = new FakeClock("2026-06-01T00:00:00Z");
    const s = new IntelService({ shippedDir: null, paths: [feeds], clock });
    const first = s.status().sources[0]!.loadedAt;
    assert.equal(s.reloadIfChanged(), false);
    assert.equal(s.lookup("203.0.113.1")?.list, "a");

    clock.advance(5000);
    write(a, "# name: a\n203.0.113.2\n"); // same size, new mtime
    assert.equal(s.reloadIfChanged(), true);
    assert.equal(s.lookup("203.0.113.1"), null);
    assert.equal(s.lookup("203.0.113.2")?.list, "a");
    assert.equal(s.status().sources[0]!.loadedAt, first! + 5000);
    assert.equal(s.reloadIfChanged(), false);

    const b = join(feeds, "b.domains.txt");
    write(b, "# name: b\nc2.example\n");
    assert.equal(s.reloadIfChanged(), true);
    assert.equal(s.lookupIndicator("domain", "c2.example")[0]?.list, "b");
    assert.equal(s.status().sources.find((x) => x.name === "a")!.loadedAt, first! + 5000, "an unchanged file is not read again");

    unlinkSync(b);
    assert.equal(s.reloadIfChanged(), true);
    assert.equal(s.lookupIndicator("domain", "c2.example").length, 0);
    assert.equal(s.status().sources.length, 1);

    write(join(feeds, "c.txt"), "x");
    s.reload();
    assert.equal(s.status().sources.length, 2, "reload() reads everything");
  });

  test("PRC-1 a file broken by an update keeps serving what it held, marked stale, until it is fixed", () => {
    const feeds = fresh();
    const f = join(feeds, "feed.json");
    const good = JSON.stringify({ type: "bundle", id: "bundle--1", objects: [{ type: "domain-name", id: "domain-name--1", value: "c2.example" }] });
    write(f, good);
    const s = new IntelService({ shippedDir: null, paths: [feeds] });
    write(f, good.slice(0, 40)); // half-written
    assert.equal(s.reloadIfChanged(), true);
    let src = s.status().sources[0]!;
    assert.equal(src.stale, true);
    assert.match(src.error!, /JSON/);
    assert.equal(s.lookupIndicator("domain", "c2.example").length, 1, "the old content still matches");
    assert.equal(s.reloadIfChanged(), false, "a broken file is not parsed again until it changes");
    write(f, good.replace("c2.example", "c3.example"));
    assert.equal(s.reloadIfChanged(), true);
    src = s.status().sources[0]!;
    assert.deepEqual([src.stale, src.error], [false, null]);
    assert.equal(s.lookupIndicator("domain", "c3.example").length, 1);
  });

  test("PRC-1 an unreadable or oversized file is an error, not a crash", { skip: process.getuid?.() === 0 ? "root reads everything" : false }, () => {
    const feeds = fresh();
    const f = join(feeds, "secret.ips.txt");
    write(f, "203.0.113.1\n");
    chmodSync(f, 0o000);
    const s = new IntelService({ shippedDir: null, paths: [feeds] });
    assert.equal(s.status().sources[0]!.error, "permission denied");
    chmodSync(f, 0o644);
  });

  test("PRC-1 a file over the size limit is reported and not read", () => {
    const feeds = fresh();
    write(join(feeds, "big.ips.txt"), "203.0.113.1\n".repeat(100));
    const s = new IntelService({ shippedDir: null, paths: [feeds], maxFileBytes: 500 });
    assert.match(s.status().sources[0]!.error!, /too large/);
    assert.equal(s.lookup("203.0.113.1"), null);
  });

  test("PRC-1 a generated 200k-entry feed loads well under a second; lookups take microseconds (timing printed)", (t) => {
    const feeds = fresh();
    const ips: string[] = ["# name: big-ips", "# provenance: generated by this test"];
    for (let i = 0; i < 150_000; i++) ips.push(i % 5 === 0 ? `${20 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24` : `${20 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.${(i * 7) & 255}`);
    write(join(feeds, "big.ips.txt"), ips.join("\n"));
    const rows = ["type,value,category"];
    for (let i = 0; i < 40_000; i++) rows.push(`domain,h${i}.bad${i % 1000}.example,malicious`);
    for (let i = 0; i < 10_000; i++) rows.push(`sha256,${i.toString(16).padStart(64, "0")},malicious`);
    write(join(feeds, "big.csv"), rows.join("\n"));

    const t0 = performance.now();
    const s = new IntelService({ shippedDir: null, paths: [feeds] });
    const loadMs = performance.now() - t0;
    assert.equal(s.status().entries, 200_000);

    const t1 = performance.now();
    const checks = 100;
    for (let i = 0; i < checks; i++) s.reloadIfChanged();
    const checkUs = ((performance.now() - t1) * 1000) / checks;

    const values = ["20.1.2.14", "20.0.5.77", "198.51.100.1", "x.h7.bad7.example", "clean.example.org"];
    const loops = 20_000;
    let hits = 0;
    const t2 = performance.now();
    for (let i = 0; i < loops; i++) hits += s.lookupAny(values[i % values.length]!).matches.length;
    const lookupUs = ((performance.now() - t2) * 1000) / loops;
    assert.ok(hits > 0);
    assert.equal(s.lookup("20.0.5.1")?.list, "big-ips");

    const msg = `200000 indicators (150k IPs/CIDRs in text, 50k domains/hashes in CSV) parsed and indexed in ${loadMs.toFixed(0)} ms; unchanged-check ${checkUs.toFixed(0)} µs; lookupAny ${lookupUs.toFixed(2)} µs`;
    t.diagnostic(msg);
    console.log(`PRC-1 timing: ${msg}`);
  });
});
