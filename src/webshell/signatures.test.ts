import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { SIGNATURES_DIR, SignatureSet, loadSignatureFiles, parseSignatureFile, linesAt, shippedSignatures, phpNonCode } from "./signatures.ts";

/**
 * WS-8 signatures as data: every content/signatures/webshell/<name>.yar has a <name>.test.yml
 * beside it, and its cases run here through the shipped set (all rules loaded, as in production).
 * Adding a signature is one .yar and its .test.yml; this file never changes for it.
 */
const caseSchema = z.object({
  name: z.string().min(1),
  lang: z.enum(["php", "asp", "aspx", "jsp"]).nullable(),
  /** The rules of this file expected to match (exactly); [] for a negative case. */
  expect: z.array(z.string()),
  content: z.string(),
});
const specSchema = z.object({ cases: z.array(caseSchema).min(2) });

const files = loadSignatureFiles();
const set = shippedSignatures();

describe("WS-8 web-shell signatures as data", () => {
  test("WS-8 every signature file has its .test.yml with a positive case per rule and a negative case", () => {
    assert.ok(files.length >= 10, "the shipped set has its families");
    for (const f of files) {
      const testFile = join(SIGNATURES_DIR, f.file.replace(/\.yar$/, ".test.yml"));
      assert.ok(existsSync(testFile), `${f.file} has no test file ${testFile}`);
      const spec = specSchema.parse(parseYaml(readFileSync(testFile, "utf8")));
      const rules = parseSignatureFile(f.file, f.source).map((r) => r.name);
      for (const r of rules) assert.ok(spec.cases.some((c) => c.expect.includes(r)), `${f.file}: rule ${r} has no positive case`);
      assert.ok(spec.cases.some((c) => c.expect.length === 0), `${f.file}: no negative case`);
      for (const c of spec.cases) for (const e of c.expect) assert.ok(rules.includes(e), `${f.file}: case "${c.name}" expects ${e}, which is not a rule of this file`);
    }
    for (const t of readdirSync(SIGNATURES_DIR).filter((x) => x.endsWith(".test.yml"))) assert.ok(existsSync(join(SIGNATURES_DIR, t.replace(/\.test\.yml$/, ".yar"))), `${t} tests no signature file`);
  });

  test("WS-8 a rule without its meta, or a broken rule, is refused naming its file", () => {
    assert.throws(() => parseSignatureFile("x.yar", 'rule a { strings: $a = "x" condition: $a }'), /x\.yar: rule a: meta description is missing/);
    const meta = 'description = "d" family = "f" languages = "php" author = "Hostward" reference = "WS-8"'.split(" ").join(" ");
    assert.throws(() => parseSignatureFile("y.yar", `rule b {\n meta:\n  ${meta.replace(/ (?=\w+ =)/g, "\n  ")}\n  severity = "high"\n strings:\n  $a = "x"\n condition:\n  $a\n}`), /severity must be malicious or suspicious/);
    assert.throws(() => new SignatureSet([{ file: "z.yar", source: "rule c { condition: nonsense }" }]), /z\.yar: line/);
  });

  test("WS-8 line numbers come from the match offset", () => {
    const data = Buffer.from("a\nbb\n\nccc\n");
    const l = linesAt(data, [0, 2, 5, 6, 9, 2]);
    assert.deepEqual([l.get(0), l.get(2), l.get(5), l.get(6), l.get(9)], [1, 2, 3, 4, 4]);
    const r = set.scan(Buffer.from("<?php\n// admin tool\n\n@eval($_POST['x']);\n"), "php").find((x) => x.id === "sig.china-chopper-php");
    assert.equal(r?.line, 4);
    assert.equal(r?.layer, "signature");
    assert.equal(r?.severity, "malicious");
  });

  test("WS-8 in PHP, matches only in comments or inline HTML are not code", () => {
    const src = `<p>eval($_POST[1])</p><?php $u = "http://x/#y"; $h = <<<EOT\n// not a comment\nEOT;\n#[Attr]\n// c1\n# c2\n/* c3 */ ?>tail<?xml x?>`;
    const iv = phpNonCode(src);
    const spans: string[] = [];
    for (let i = 0; i < iv.length; i += 2) spans.push(src.slice(iv[i], iv[i + 1]));
    assert.deepEqual(spans, ["<p>eval($_POST[1])</p>", "// c1", "# c2", "/* c3 */", "tail<?xml x?>"]);
    assert.equal(set.scan(Buffer.from("<?php /* eval($_POST['x']) */ ?>\n<!-- assert($_GET['y']) -->"), "php").length, 0);
    assert.ok(set.scan(Buffer.from("<?php /* note */ eval($_POST['x']);"), "php").some((r) => r.id === "sig.php-request-eval"));
  });

  test("WS-8 a rule applies to its languages only; a file of unknown language gets every rule", () => {
    const php = Buffer.from("<?php @eval($_POST['x']);");
    assert.ok(set.scan(php, "php").some((r) => r.id === "sig.china-chopper-php"));
    assert.ok(!set.scan(php, "jsp").some((r) => r.id === "sig.china-chopper-php"));
    assert.ok(set.scan(php, null).some((r) => r.id === "sig.china-chopper-php"));
    // every language's compiled subset holds its rules and only them
    for (const lang of ["php", "asp", "aspx", "jsp"] as const) assert.ok(set.matches(php, lang).every((m) => set.rules.get(m.ruleIdentifier)!.languages.includes(lang)));
    assert.equal(set.matches(php, "jsp").length, 0);
  });

  for (const f of files) {
    const testFile = join(SIGNATURES_DIR, f.file.replace(/\.yar$/, ".test.yml"));
    if (!existsSync(testFile)) continue;
    const spec = specSchema.parse(parseYaml(readFileSync(testFile, "utf8")));
    const own = new Set(parseSignatureFile(f.file, f.source).map((r) => r.name));
    describe(f.file, () => {
      for (const c of spec.cases) {
        test(c.name, () => {
          const ids = set.scan(Buffer.from(c.content, "latin1"), c.lang).map((r) => r.id);
          const got = [...own].filter((n) => ids.includes(`sig.${n.replace(/_/g, "-")}`)).sort();
          assert.deepEqual(got, [...c.expect].sort());
        });
      }
    });
  }
});
