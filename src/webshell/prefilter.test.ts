import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { collect } from "../cli/scan.ts";
import { WebshellScanner, webLangOf } from "./index.ts";
import { analyzePhp } from "./php/rules.ts";
import { Code } from "./php/code.ts";
import { hasTaintSource, taintShortcut } from "./php/flow.ts";
import { SHARED_TOKENS, sharedCapacity } from "./php/lexer.ts";

/**
 * WS-8: the PHP taint shortcut (a file with no taint source skips the data-flow fixpoint and
 * every flags() walk) must be invisible: the same reasons, lines and verdicts with it and without.
 */
const FIXTURES = join(import.meta.dirname, "..", "..", "test", "fixtures", "webshell");
const CORPUS = join(import.meta.dirname, "..", "..", ".cache", "corpus", "benign");

function both(text: string): { on: unknown; off: unknown } {
  const on = analyzePhp(text);
  taintShortcut.enabled = false;
  try {
    return { on, off: analyzePhp(text) };
  } finally {
    taintShortcut.enabled = true;
  }
}

const sources = (text: string) => hasTaintSource(new Code(text, text.length));

// Each shape that can start taint, written the ways a shell hides it.
const SOURCE_SHAPES = [
  "<?php $a = $_POST['x']; $b = $a;",
  "<?php $h = $_SERVER['HTTP_X_CMD']; eval($h);",
  "<?php $k = 'HTTP_' . 'X'; $h = $_SERVER[$k];",
  "<?php $p = $GLOBALS['_GET']['c'];",
  "<?php $g = $GLOBALS; $x = $g['_POST'];",
  "<?php $n = '_POST'; $v = $$n;",
  "<?php $v = ${'_PO' . 'ST'}['c'];",
  "<?php $d = 'base64_decode'; $c = $d('ZXZhbA==');",
  "<?php $c = getenv('HTTP_X');",
  "<?php $c = file_get_contents('http://example.invalid/p.txt');",
  "<?php $b = file_get_contents('php://input');",
  "<?php $s = \"run {$_REQUEST['c']}\";",
  "<?php $h = getallheaders();",
  "<?php $x = gzinflate($y);",
  "<?php $x = (new ReflectionClass('A'))->getDocComment();",
  "<?php import_request_variables('gp');",
  `<?php $blob = '${"QUJD".repeat(600)}';`,
];

describe("WS-8 PHP taint shortcut (prefilter)", () => {
  test("WS-8 every taint-source shape is seen as a source", () => {
    for (const s of SOURCE_SHAPES) assert.equal(sources(s), true, s);
  });

  test("WS-8 code without request input, decoders or remote reads takes the shortcut", () => {
    for (const s of [
      "<?php\nnamespace A;\nclass B { public function c($d) { return $this->e->f($d) . 'x'; } }\n",
      "<?php\n$url = $_SERVER['REQUEST_URI'];\n$t = \"Hello $name\";\nrequire __DIR__ . '/x.php';\n",
      "<?php\n$f = fopen_like($p);\necho htmlspecialchars($v);\n$a = ['k' => 1];\n",
    ]) assert.equal(sources(s), false, s);
  });

  test("WS-8 identical reasons with and without the shortcut on the source shapes and on tricky source-free code", () => {
    const extra = [
      ...SOURCE_SHAPES,
      "<?php $f = 'sys' . 'tem'; $g = 'ev' . 'al';",
      "<?php $a = 'as' . 'sert'; array_map($a, [1]);",
      "<?php " + "$a = ".repeat(3000) + "1;",
      "<?php include 'images/.x' . '.png';",
      "<?php preg_replace('/x/e', 'y', 'z');",
      "<?php $n = \"\\x73\\x79\\x73\\x74\\x65\\x6d\"; phpinfo();",
    ];
    for (const s of extra) {
      const r = both(s);
      assert.deepEqual(r.on, r.off, s.slice(0, 80));
    }
  });

  test("WS-8 every labelled fixture: the same reasons and verdict with and without the shortcut", { timeout: 120_000 }, (t) => {
    if (!existsSync(FIXTURES)) return t.skip("no fixtures");
    const scanner = new WebshellScanner();
    let php = 0;
    let shortcut = 0;
    for (const it of collect([FIXTURES], true).items) {
      const p = String(it.path);
      const data = readFileSync(p);
      const on = scanner.scan(p, data);
      taintShortcut.enabled = false;
      let off;
      try {
        off = scanner.scan(p, data);
      } finally {
        taintShortcut.enabled = true;
      }
      assert.deepEqual(on, off, p);
      if (on.lang === "php") {
        php++;
        if (!sources(data.toString("latin1"))) shortcut++;
      }
    }
    t.diagnostic(`${php} PHP fixtures, ${shortcut} of them without a taint source`);
    assert.ok(php > 50 && shortcut > 0);
  });

  test("WS-8 the benign corpus (when fetched): the same reasons with and without the shortcut", { timeout: 600_000 }, (t) => {
    if (!existsSync(CORPUS)) return t.skip("corpus not fetched (scripts/fetch-corpus.ts)");
    let n = 0;
    let shortcut = 0;
    for (const it of collect([CORPUS], false).items) {
      const p = String(it.path);
      if (webLangOf(p) !== "php") continue;
      const text = readFileSync(p).toString("latin1");
      const r = both(text);
      assert.deepEqual(r.on, r.off, p);
      n++;
      if (!sources(text)) shortcut++;
    }
    t.diagnostic(`${n} PHP files, ${shortcut} without a taint source`);
  });
});

test("WS-8 the shared token buffers stay bounded after a large file (memory kept between files)", () => {
  const big = "<?php\n$a = array(" + Array.from({ length: 200_000 }, (_, i) => i).join(",") + ");\n";
  analyzePhp(big);
  assert.ok(sharedCapacity() <= SHARED_TOKENS, `kept ${sharedCapacity()} tokens`);
  analyzePhp("<?php echo 1;");
  assert.ok(sharedCapacity() > 0 && sharedCapacity() <= SHARED_TOKENS);
  // dense tokens: the size estimate is too low, the shared buffer grows during the file and is let go after it
  analyzePhp("<?php\n$a=[" + "1,".repeat(150_000) + "];\n");
  assert.ok(sharedCapacity() <= SHARED_TOKENS, `kept ${sharedCapacity()} tokens`);
});
