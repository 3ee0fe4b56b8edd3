import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IpReputation, parseIpList, DEFAULT_INTEL_DIR } from "./index.ts";

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "hw-iprep-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("LOG-8 IpReputation (IP lists only, kept for compatibility)", () => {
  test("LOG-8 parseIpList reads headers, addresses and networks; bad lines are counted", () => {
    const l = parseIpList("# name: feed\n# provenance: test\n# category: c2\n203.0.113.7\n198.51.100.0/24 ; note\n2001:db8::/32\nnope\n10.0.0.0/33\n", "fallback");
    assert.equal(l.name, "feed");
    assert.equal(l.provenance, "test");
    assert.equal(l.category, "c2");
    assert.deepEqual([...l.ips], ["203.0.113.7"]);
    assert.equal(l.nets.length, 2);
    assert.equal(l.rejected, 2);
    assert.equal(parseIpList("1.2.3.4\n", "fallback").name, "fallback");
  });

  test("LOG-8 lookup finds addresses and networks (v4, v6, IPv4-mapped); the first list in order answers", () => {
    const rep = new IpReputation([
      parseIpList("# name: first\n# provenance: p1\n198.51.100.0/24\n", "x"),
      parseIpList("# name: second\n# provenance: p2\n198.51.100.7\n2001:db8:bad::/48\n", "y"),
    ]);
    assert.deepEqual(rep.lookup("198.51.100.7"), { list: "first", provenance: "p1" });
    assert.deepEqual(rep.lookup("::ffff:198.51.100.9"), { list: "first", provenance: "p1" });
    assert.deepEqual(rep.lookup("2001:db8:bad:1::5"), { list: "second", provenance: "p2" });
    assert.equal(rep.lookup("203.0.113.1"), null);
    assert.equal(rep.lookup("not an ip"), null);
    assert.equal(rep.lists.length, 2);
  });

  test("LOG-8 a list whose category is not a malicious one (mining_pool) is not a malicious-IP list", () => {
    const rep = new IpReputation([parseIpList("# category: mining_pool\n198.51.100.7\n", "pools")]);
    assert.equal(rep.lookup("198.51.100.7"), null);
  });

  test("LOG-8 load reads *.ips.txt of directories and named files of any name; missing paths are skipped", () => {
    writeFileSync(join(dir, "a.ips.txt"), "# name: a\n203.0.113.1\n");
    writeFileSync(join(dir, "pools.domains.txt"), "pool.example.net\n");
    const named = join(dir, "blocklist");
    writeFileSync(named, "# name: named\n203.0.113.2\n");
    const rep = IpReputation.load([DEFAULT_INTEL_DIR, dir, named, join(dir, "missing.txt")]);
    assert.ok(rep.lists.some((l) => l.name === "hostward-default"));
    assert.equal(rep.lookup("203.0.113.1")?.list, "a");
    assert.equal(rep.lookup("203.0.113.2")?.list, "named");
    assert.ok(!rep.lists.some((l) => l.name.startsWith("pools")));
  });
});
