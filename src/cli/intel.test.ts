import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { intelCommand, type IntelCommandOptions } from "./intel.ts";

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

async function run(argv: string[], opts?: IntelCommandOptions): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await intelCommand(argv, { stdout, stderr }, opts);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

let dir: string;
let feed: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "hw-intel-cli-"));
  feed = join(dir, "ours.ips.txt");
  writeFileSync(feed, "# name: our-blocklist\n# category: scanner\n# provenance: honeypot export 2026-05\n203.0.113.0/24 # ssh scanner\n");
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("PRC-1 hostward intel", () => {
  test("PRC-1 MIN-2 lookup prints the guessed kind and every match with list, category and provenance; exit 1 on a match", async () => {
    const r = await run(["lookup", "pool.supportxmr.com", "example.org"]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^pool\.supportxmr\.com {2}domain {2}1 match\n {2}- mining_pool: domain supportxmr\.com \(list mining-pools\) — SupportXMR\n {4}provenance: compiled by hand/m);
    assert.match(r.stdout, /^example\.org {2}domain {2}no match$/m);
    assert.equal(r.stderr, "");
  });

  test("PRC-1 exit 0 when nothing matched; --feed adds operator lists; --json prints one object per value", async () => {
    const none = await run(["lookup", "203.0.113.9"]);
    assert.equal(none.code, 0);
    const r = await run(["lookup", "--json", "--feed", feed, "203.0.113.9", "xmrig"]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { value: string; kind: string; matches: { list: string; category: string; provenance: string; note?: string }[] });
    assert.deepEqual(lines.map((l) => [l.value, l.kind]), [["203.0.113.9", "ip"], ["xmrig", "process"]]);
    assert.deepEqual(lines[0]!.matches, [{ kind: "ip", indicator: "203.0.113.0/24", list: "our-blocklist", category: "scanner", provenance: "honeypot export 2026-05", note: "ssh scanner" }]);
    assert.equal(lines[1]!.matches[0]!.category, "miner");
  });

  test("MIN-3 --kind takes every value as that kind, command lines with their flags included", async () => {
    const r = await run(["lookup", "--kind", "cmdline", "./x -o pool.example:4444 --donate-level=1"]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /cmdline {2}2 matches/);
    const flags = await run(["lookup", "--kind", "cmdline", "--donate-level=1"]);
    assert.equal(flags.code, 1, "a value starting with - is a value under --kind cmdline");
    const asProcess = await run(["lookup", "--kind=process", "/opt/app/XMRig"]);
    assert.equal(asProcess.code, 1);
  });

  test("PRC-1 options from the configuration (paths) load too; --no-shipped leaves the shipped lists out", async () => {
    assert.equal((await run(["lookup", "203.0.113.9"], { paths: [dir] })).code, 1);
    assert.equal((await run(["lookup", "--no-shipped", "pool.supportxmr.com"])).code, 0);
  });

  test("PRC-1 lists shows every list with counts, and the errors of files that could not be read (exit 1)", async () => {
    const ok = await run(["lists", "--feed", feed]);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /^LIST +KINDS +CATEGORIES +ENTRIES +REJECTED +SKIPPED +FILE$/m);
    assert.match(ok.stdout, /^mining-pools +domain +mining_pool +\d+ +0 +0 +shipped /m);
    assert.match(ok.stdout, /^our-blocklist +ip +scanner +1 +0 +0 +\//m);
    assert.match(ok.stdout, /indicators from \d+ files\n$/);

    const bad = join(dir, "bad");
    rmSync(bad, { recursive: true, force: true });
    const { mkdirSync } = await import("node:fs");
    mkdirSync(bad);
    writeFileSync(join(bad, "broken.json"), "{ nope");
    writeFileSync(join(bad, "half.domains.txt"), "good.example\nbad domain!\n");
    const r = await run(["lists", "--no-shipped", "--feed", bad]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /1 could not be read/);
    assert.match(r.stdout, /broken\.json:\n {2}error: .*JSON/);
    assert.match(r.stdout, /half\.domains\.txt:\n {2}line 2: not a domain: "bad"/);
    const json = await run(["lists", "--json", "--no-shipped", "--feed", bad]);
    const rows = json.stdout.trim().split("\n").map((l) => JSON.parse(l) as { name: string; error: string | null; entries: number });
    assert.deepEqual(rows.map((x) => [x.name, x.entries, x.error === null]), [["broken.json", 0, false], ["half", 1, true]]);
    const warned = await run(["lookup", "--feed", bad, "good.example"]);
    assert.match(warned.stderr, /warning: .*broken\.json: /);
    assert.equal(warned.code, 1);
  });

  test("PRC-1 feed text never reaches the terminal as control characters", async () => {
    const evil = join(dir, "evil.domains.txt");
    writeFileSync(evil, "# name: evil\x1b[2J\nx.example # \x1b]0;pwned\x07\n");
    const r = await run(["lookup", "--feed", evil, "x.example"]);
    assert.ok(!r.stdout.includes("\x1b"), r.stdout);
    assert.match(r.stdout, /\\x1b/);
  });

  test("PRC-1 usage errors exit 2 with the usage; --help explains with examples", async () => {
    for (const argv of [[], ["frobnicate"], ["lookup"], ["lookup", "--bogus", "x"], ["lookup", "--kind", "colour", "x"], ["lookup", "--feed"], ["lists", "x"], ["lookup", "--feed", join(dir, "missing.txt"), "x"]]) {
      const r = await run(argv);
      assert.equal(r.code, 2, argv.join(" "));
      assert.match(r.stderr, /^hostward intel: .+\n\nUsage: hostward intel/, argv.join(" "));
    }
    const h = await run(["--help"]);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Examples:\n {2}hostward intel lookup pool\.supportxmr\.com/);
    assert.equal((await run(["lookup", "-h"])).code, 0);
  });
});
