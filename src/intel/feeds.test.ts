import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { parseCsv, parseCsvFeed, parseFeed, parseStixBundle, parseStixPattern, parseTextFeed } from "./feeds.ts";

const NOW = Date.parse("2026-06-01T00:00:00Z");
const vals = (f: { indicators: { kind: string; value: string }[] }) => f.indicators.map((i) => `${i.kind}:${i.value}`);

describe("PRC-1 text feeds", () => {
  test("PRC-1 headers name the list, its kind, category and provenance; notes follow the value", () => {
    const f = parseTextFeed(
      "# name: pools\n# kind: domains\n# category: mining-pool\n# provenance: by hand, 2026\n\nPool.Example.NET.  # the pool\nxmr.example.org\n# a comment\nnot a domain!\n",
      "/feeds/whatever.txt",
    );
    assert.equal(f.name, "pools");
    assert.equal(f.provenance, "by hand, 2026");
    assert.equal(f.format, "text");
    assert.deepEqual(vals(f), ["domain:pool.example.net", "domain:xmr.example.org"]);
    assert.equal(f.indicators[0]!.category, "mining_pool");
    assert.equal(f.indicators[0]!.note, "the pool");
    assert.equal(f.rejected, 1);
    assert.match(f.problems[0]!, /line 9: not a domain/);
  });

  test("PRC-1 the kind comes from the file name; Spamhaus-style notes and hosts-file lines read", () => {
    const ips = parseTextFeed("; Spamhaus DROP List\n1.10.16.0/20 ; SBL256894\n203.0.113.7\n2001:db8::/32\n", "/x/drop.ips.txt");
    assert.equal(ips.name, "drop");
    assert.deepEqual(vals(ips), ["ip:1.10.16.0/20", "ip:203.0.113.7", "ip:2001:db8::/32"]);
    assert.equal(ips.rejected, 0, "; starts a comment line");
    assert.equal(ips.indicators[0]!.note, "SBL256894");
    assert.equal(ips.indicators[0]!.category, "malicious");
    const hosts = parseTextFeed("0.0.0.0 ads.example.com\n127.0.0.1 bad.example.org # why\nplain.example\n", "/x/block.domains.txt");
    assert.deepEqual(vals(hosts), ["domain:ads.example.com", "domain:bad.example.org", "domain:plain.example"]);
    assert.equal(hosts.indicators[1]!.note, "why");
    assert.deepEqual(vals(parseTextFeed("44D88612FEA8A8F36DE82E1278ABB02F\n", "/x/eicar.md5.txt")), ["md5:44d88612fea8a8f36de82e1278abb02f"]);
    assert.deepEqual(vals(parseTextFeed("http://x.example/a,b;c\n", "/x/u.urls.txt")), ["url:http://x.example/a,b;c"]);
  });

  test("MIN-3 token lists keep spaces; port and name lists read; a file of unknown kind is guessed per line", () => {
    const tokens = parseTextFeed("-o pool        # pool option\n--donate-level\n-o\n", "/x/flags.tokens.txt");
    assert.deepEqual(vals(tokens), ["cmdline:-o pool", "cmdline:--donate-level"]);
    assert.equal(tokens.indicators[0]!.note, "pool option");
    assert.equal(tokens.indicators[0]!.category, "miner");
    assert.equal(tokens.rejected, 1);
    const ports = parseTextFeed("3333 # stratum\n4444/tcp\n99999\n", "/x/s.ports.txt");
    assert.deepEqual(vals(ports), ["port:3333", "port:4444"]);
    assert.equal(ports.indicators[0]!.category, "mining_pool");
    const mixed = parseTextFeed("203.0.113.7\nbad.example\nhttp://bad.example/x\n275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f\njunk\n", "/x/mixed.txt");
    assert.deepEqual(mixed.indicators.map((i) => i.kind), ["ip", "domain", "url", "sha256"]);
    assert.equal(mixed.rejected, 1);
  });

  test("PRC-1 an unknown category is reported and taken as other", () => {
    const f = parseTextFeed("# category: spicy\n203.0.113.7\n", "/x/a.ips.txt");
    assert.equal(f.indicators[0]!.category, "other");
    assert.match(f.problems[0]!, /unknown category "spicy"/);
  });
});

describe("PRC-1 CSV feeds", () => {
  test("PRC-1 RFC 4180: quoted cells hold delimiters, quotes and newlines; cells are data, never formulas", () => {
    assert.deepEqual(parseCsv('a,"b,c","d ""q"" e"\r\n"multi\nline",x,\n', ","), [["a", "b,c", 'd "q" e'], ["multi\nline", "x", ""]]);
    const f = parseCsvFeed('indicator,type,note\n=HYPERLINK("http://x"),url,formula\n"203.0.113.9",ip,"note, with comma"\n', "/x/f.csv");
    assert.deepEqual(vals(f), ["ip:203.0.113.9"]);
    assert.equal(f.indicators[0]!.note, "note, with comma");
    assert.equal(f.rejected, 1);
  });

  test("PRC-1 type,value,category,note with many spellings of the type; unknown rows counted", () => {
    const f = parseCsvFeed(
      [
        "Type,Value,Category,Note",
        "IPv4,198.51.100.7,scanner,ssh scanning",
        "ip-dst,198.51.100.0/24,,",
        "hostname,pool.example.net,mining pool,",
        "URL,https://bad.example/x.sh,malware_download,",
        "FileHash-SHA256,275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F,,",
        "FileHash-MD5,44d88612fea8a8f36de82e1278abb02f,,",
        "email,someone@example.com,,",
        "ip,not-an-ip,,",
        "",
      ].join("\n"),
      "/x/otx.csv",
    );
    assert.deepEqual(vals(f), [
      "ip:198.51.100.7", "ip:198.51.100.0/24", "domain:pool.example.net", "url:https://bad.example/x.sh",
      "sha256:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", "md5:44d88612fea8a8f36de82e1278abb02f",
    ]);
    assert.deepEqual(f.indicators.map((i) => i.category), ["scanner", "malicious", "mining_pool", "download_source", "malicious", "malicious"]);
    assert.equal(f.indicators[0]!.note, "ssh scanning");
    assert.equal(f.rejected, 2);
    assert.match(f.problems.join("\n"), /unknown type "email"/);
  });

  test("PRC-1 indicator,type order, semicolons, and a header-less list guessed per row", () => {
    assert.deepEqual(vals(parseCsvFeed("indicator;type\nbad.example;domain\n203.0.113.1;ip\n", "/x/a.csv")), ["domain:bad.example", "ip:203.0.113.1"]);
    const bare = parseCsvFeed("203.0.113.1,first seen yesterday\nbad.example,x\n", "/x/b.csv");
    assert.deepEqual(vals(bare), ["ip:203.0.113.1", "domain:bad.example"]);
  });

  test("PRC-1 abuse.ch exports: the header is a comment, kind-named columns each give an indicator", () => {
    const urlhaus = parseCsvFeed(
      [
        "################################################################",
        "# abuse.ch URLhaus Database Dump (CSV)                         #",
        "################################################################",
        "#",
        "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter",
        '"3096000","2026-05-31 10:00:00","http://198.51.100.20:45000/i","online","2026-05-31 10:00:00","malware_download","32-bit,elf,mips,Mozi","https://urlhaus.abuse.ch/url/3096000/","lrz_urlhaus"',
      ].join("\n"),
      "/x/urlhaus.csv",
    );
    assert.deepEqual(vals(urlhaus), ["url:http://198.51.100.20:45000/i"]);
    assert.equal(urlhaus.indicators[0]!.category, "download_source");
    const bazaar = parseCsvFeed(
      [
        '# "first_seen_utc","sha256_hash","md5_hash","sha1_hash","reporter","file_name","file_type_guess","mime_type","signature"',
        '"2026-05-31 00:00:01","275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f","44d88612fea8a8f36de82e1278abb02f","3395856ce81f2b7382dee72602f798b642f14140","x","eicar.com","com","text/plain","EICAR"',
      ].join("\n"),
      "/x/bazaar.csv",
    );
    assert.deepEqual(bazaar.indicators.map((i) => i.kind), ["sha256", "md5", "sha1"]);
    assert.equal(bazaar.indicators[0]!.note, "EICAR");
    const feodo = parseCsvFeed('# first_seen_utc,dst_ip,dst_port,c2_status,last_online,malware\n"2026-05-01 00:00:00","198.51.100.99","443","online","2026-05-31","QakBot"\n', "/x/feodo.csv");
    assert.deepEqual(vals(feodo), ["ip:198.51.100.99"], "the C2's port is not an indicator");
  });

  test("PRC-1 a header without an indicator column is reported, and valid_until is kept", () => {
    const f = parseCsvFeed("type,first_seen\nip,2026-01-01\nip,2026-01-02\n", "/x/none.csv");
    assert.equal(f.indicators.length, 0);
    assert.equal(f.rejected, 2);
    assert.match(f.problems[0]!, /no indicator column/);
    const g = parseCsvFeed("value,valid_until\n203.0.113.3,2026-07-01T00:00:00Z\n", "/x/u.csv");
    assert.equal(g.indicators[0]!.validUntil, Date.parse("2026-07-01T00:00:00Z"));
  });
});

const bundle = (objects: unknown[]) => JSON.stringify({ type: "bundle", id: "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", objects });
const indicator = (id: string, pattern: string, extra: Record<string, unknown> = {}) => ({
  type: "indicator", spec_version: "2.1", id: `indicator--${id}`, created: "2026-01-01T00:00:00Z", modified: "2026-01-01T00:00:00Z",
  pattern, pattern_type: "stix", valid_from: "2026-01-01T00:00:00Z", indicator_types: ["malicious-activity"], ...extra,
});

describe("PRC-1 STIX 2.1 bundles", () => {
  test("PRC-1 simple patterns and OR-ed comparisons read; anything more complex is skipped", () => {
    assert.deepEqual(parseStixPattern("[ipv4-addr:value = '198.51.100.1']"), [{ path: "ipv4-addr:value", value: "198.51.100.1" }]);
    assert.deepEqual(parseStixPattern("[file:hashes.'SHA-256' = 'aa' OR file:hashes.MD5 = 'bb'] OR [domain-name:value = 'it\\'s.example']"), [
      { path: "file:hashes.'SHA-256'", value: "aa" }, { path: "file:hashes.MD5", value: "bb" }, { path: "domain-name:value", value: "it's.example" },
    ]);
    assert.deepEqual(parseStixPattern("[network-traffic:dst_port = 3333]"), [{ path: "network-traffic:dst_port", value: "3333" }]);
    for (const complex of [
      "[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'x.example']",
      "[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [domain-name:value = 'x.example']",
      "[ipv4-addr:value = '1.2.3.4'] WITHIN 600 SECONDS",
      "[ipv4-addr:value != '1.2.3.4']",
      "[domain-name:value MATCHES '^x']",
      "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
      "([ipv4-addr:value = '1.2.3.4'])",
      "ipv4-addr:value = '1.2.3.4'",
      "[ipv4-addr:value = '1.2.3.4'",
    ]) assert.equal(parseStixPattern(complex), null, complex);
  });

  test("PRC-1 indicators: kinds, categories, notes, refs; revoked, expired, benign, non-STIX and complex ones skipped and counted", () => {
    const f = parseStixBundle(bundle([
      { type: "identity", spec_version: "2.1", id: "identity--1", name: "Example CERT", identity_class: "organization" },
      indicator("01", "[ipv4-addr:value = '198.51.100.1']", { name: "C2 of campaign X", indicator_types: ["malicious-activity", "c2"], created_by_ref: "identity--1" }),
      indicator("02", "[ipv6-addr:value = '2001:db8::bad'] OR [domain-name:value = 'Bad.Example']"),
      indicator("03", "[url:value = 'http://bad.example/x.sh']"),
      indicator("04", "[file:hashes.MD5 = '44d88612fea8a8f36de82e1278abb02f' OR file:hashes.'SHA-256' = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f']"),
      indicator("05", "[ipv4-addr:value = '198.51.100.5']", { revoked: true }),
      indicator("06", "[ipv4-addr:value = '198.51.100.6']", { valid_until: "2026-02-01T00:00:00Z" }),
      indicator("07", "[ipv4-addr:value = '198.51.100.7']", { valid_until: "2026-12-01T00:00:00Z" }),
      indicator("08", "rule x { condition: true }", { pattern_type: "yara" }),
      indicator("09", "[ipv4-addr:value = '198.51.100.9' AND network-traffic:dst_port = 22]"),
      indicator("10", "[ipv4-addr:value = '198.51.100.10']", { indicator_types: ["benign"] }),
      indicator("11", "[process:command_line = 'xmrig']"),
      { type: "malware", spec_version: "2.1", id: "malware--1", name: "X", is_family: true },
      { type: "relationship", spec_version: "2.1", id: "relationship--1", relationship_type: "indicates", source_ref: "indicator--01", target_ref: "malware--1" },
    ]), "/x/feed.json", NOW);
    assert.equal(f.format, "stix");
    assert.equal(f.name, "feed");
    assert.deepEqual(vals(f), [
      "ip:198.51.100.1", "ip:2001:db8::bad", "domain:bad.example", "url:http://bad.example/x.sh",
      "md5:44d88612fea8a8f36de82e1278abb02f", "sha256:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", "ip:198.51.100.7",
    ]);
    const c2 = f.indicators[0]!;
    assert.equal(c2.category, "c2");
    assert.equal(c2.note, "C2 of campaign X");
    assert.equal(c2.ref, "indicator--01");
    assert.equal(f.indicators.at(-1)!.validUntil, Date.parse("2026-12-01T00:00:00Z"));
    assert.equal(f.skipped, 6);
    assert.equal(f.rejected, 0);
    assert.match(f.provenance, /STIX bundle bundle--5d00.*created by Example CERT/);
    assert.match(f.problems.join("\n"), /revoked/);
  });

  test("PRC-1 the latest version of an indicator wins; bare observables read; a future valid_from is kept for later", () => {
    const f = parseStixBundle(bundle([
      indicator("a", "[ipv4-addr:value = '198.51.100.1']", { modified: "2026-01-01T00:00:00Z" }),
      indicator("a", "[ipv4-addr:value = '198.51.100.1']", { modified: "2026-03-01T00:00:00Z", revoked: true }),
      indicator("b", "[ipv4-addr:value = '198.51.100.2']", { valid_from: "2026-09-01T00:00:00Z" }),
      { type: "ipv4-addr", spec_version: "2.1", id: "ipv4-addr--1", value: "203.0.113.0/24" },
      { type: "domain-name", spec_version: "2.1", id: "domain-name--1", value: "c2.example" },
      { type: "url", spec_version: "2.1", id: "url--1", value: "http://c2.example/gate.php" },
      { type: "file", spec_version: "2.1", id: "file--1", hashes: { "SHA-256": "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", "SSDEEP": "3:a+JraNvsgzsVqSwHq9:tJuOgzsko" } },
      { type: "ipv4-addr", spec_version: "2.1", id: "ipv4-addr--2", value: "999.1.1.1" },
    ]), "/x/b.json", NOW);
    assert.deepEqual(vals(f), ["ip:198.51.100.2", "ip:203.0.113.0/24", "domain:c2.example", "url:http://c2.example/gate.php", "sha256:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"]);
    assert.equal(f.indicators[0]!.validFrom, Date.parse("2026-09-01T00:00:00Z"));
    assert.equal(f.skipped, 1);
    assert.equal(f.rejected, 1);
  });

  test("PRC-1 a file that is not a bundle throws a readable error (the loader reports it)", () => {
    assert.throws(() => parseStixBundle("{not json", "/x/a.json", NOW), SyntaxError);
    assert.throws(() => parseStixBundle('{"objects": []}', "/x/a.json", NOW), /not a STIX bundle/);
    assert.throws(() => parseStixBundle('{"type": "bundle", "objects": 3}', "/x/a.json", NOW), /without an objects array/);
    assert.equal(parseFeed("[]", "/x/a.csv", NOW).format, "csv", "parseFeed goes by the extension");
  });
});
