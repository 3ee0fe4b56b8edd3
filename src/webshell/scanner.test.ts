import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { WebshellScanner, composeVerdict, sniffLang, webLangOf, SUSPICIOUS_THRESHOLD, MAX_REASONS, HEURISTIC_MAX_BYTES } from "./index.ts";
import { SignatureSet } from "./signatures.ts";
import type { Reason } from "./types.ts";

const r = (id: string, severity: Reason["severity"], score?: number, line?: number): Reason => ({ id, layer: "heuristic", severity, text: id, ...(score !== undefined ? { score } : {}), ...(line !== undefined ? { line } : {}) });

describe("WS-8 verdict composition", () => {
  test("WS-8 a malicious reason makes the file malicious", () => {
    assert.equal(composeVerdict([r("a", "suspicious", 10), r("b", "malicious")]).verdict, "malicious");
  });

  test("WS-8 suspicious reasons add up by score to malicious; each id counts once", () => {
    assert.equal(composeVerdict([r("a", "suspicious", 40)]).verdict, "suspicious");
    assert.equal(composeVerdict([r("a", "suspicious", 60), r("b", "suspicious", SUSPICIOUS_THRESHOLD - 60)]).verdict, "malicious");
    const same = Array.from({ length: 20 }, (_, i) => r("a", "suspicious", 40, i + 1));
    assert.equal(composeVerdict(same).verdict, "suspicious", "one pattern repeated is one finding");
    assert.equal(composeVerdict(same).score, 40);
  });

  test("WS-6 phpinfo exposure is reported without making the file malicious", () => {
    const v = composeVerdict([r("php.phpinfo-exposure", "info", undefined, 3)]);
    assert.equal(v.verdict, "clean");
    assert.equal(v.exposure, "phpinfo");
    assert.equal(composeVerdict([r("x.note", "info")]).exposure, undefined);
  });
});

describe("WS-8 WebshellScanner", () => {
  const scanner = new WebshellScanner();

  test("WS-8 signatures and the verdict, with hashes, line numbers and a versioned engine", () => {
    const src = "<?php\n// stats\n\n@eval($_POST['z']);\n";
    const res = scanner.scan("/var/www/x.php", Buffer.from(src));
    assert.equal(res.verdict, "malicious");
    assert.equal(res.lang, "php");
    const chopper = res.reasons.find((x) => x.id === "sig.china-chopper-php");
    assert.equal(chopper?.line, 4);
    assert.equal(chopper?.layer, "signature");
    assert.equal(res.md5, createHash("md5").update(src).digest("hex"));
    assert.equal(res.sha256, createHash("sha256").update(src).digest("hex"));
    assert.equal(res.size, Buffer.byteLength(src));
    assert.match(scanner.version, /^hostward-webshell\/\d+\+sig\.[0-9a-f]{12}$/);
  });

  test("WS-8 a legitimate file is clean with no reasons", () => {
    const res = scanner.scan("index.php", Buffer.from("<?php\nrequire __DIR__ . '/vendor/autoload.php';\n$app = new App();\n$app->run($_SERVER['REQUEST_URI']);\n"));
    assert.equal(res.verdict, "clean");
    assert.deepEqual(res.reasons, []);
  });

  test("WS-8 a suspicious signature alone leaves the file suspicious; two suspicious findings make it malicious", () => {
    const one = scanner.scan("a.php", Buffer.from("<?php $d = $cfg['x']; eval(base64_decode($d));"));
    assert.equal(one.reasons.find((x) => x.id === "sig.php-eval-decoded-variable")?.severity, "suspicious");
    // a set of two suspicious rules, each worth half the threshold
    const rule = (name: string, s: string) => `rule ${name} {\n meta:\n  description = "d"\n  family = "f"\n  severity = "suspicious"\n  score = ${SUSPICIOUS_THRESHOLD / 2}\n  languages = "php"\n  author = "Hostward"\n  reference = "WS-8"\n strings:\n  $a = "${s}"\n condition:\n  $a\n}\n`;
    const custom = new WebshellScanner({ signatures: new SignatureSet([{ file: "t.yar", source: rule("t_one", "alpha") + rule("t_two", "beta") }]) });
    assert.equal(custom.scan("a.php", Buffer.from("<?php $a = 'alpha';")).verdict, "suspicious");
    assert.equal(custom.scan("a.php", Buffer.from("<?php $a = 'alpha beta';")).verdict, "malicious");
  });

  test("WS-8 reasons are sorted by line and bounded", () => {
    const rule = (i: number) => `rule many_${i} {\n meta:\n  description = "d"\n  family = "f"\n  severity = "suspicious"\n  score = 1\n  languages = "php"\n  author = "Hostward"\n  reference = "WS-8"\n strings:\n  $a = "tok${String(i).padStart(3, "0")}x"\n condition:\n  $a\n}\n`;
    const custom = new WebshellScanner({ signatures: new SignatureSet([{ file: "m.yar", source: Array.from({ length: 70 }, (_, i) => rule(i)).join("") }]) });
    const body = "<?php\n" + Array.from({ length: 70 }, (_, i) => `tok${String(69 - i).padStart(3, "0")}x;`).join("\n");
    const res = custom.scan("m.php", Buffer.from(body));
    assert.equal(res.reasons.length, MAX_REASONS);
    const lines = res.reasons.map((x) => x.line!);
    assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
    assert.equal(res.verdict, "suspicious");
  });

  test("WS-8 a file over the heuristic bound is still judged, and says it was cut", () => {
    const big = Buffer.alloc(HEURISTIC_MAX_BYTES + 1024, 0x20);
    Buffer.from("<?php /* pad */").copy(big, 0);
    Buffer.from("\n@eval($_POST['z']);\n").copy(big, big.length - 100);
    const t = performance.now();
    const res = scanner.scan("big.php", big);
    assert.ok(performance.now() - t < 5000, "bounded work");
    assert.ok(res.reasons.some((x) => x.id === "engine.truncated"));
    assert.ok(res.reasons.some((x) => x.id === "sig.php-request-eval"), "signatures see the whole file");
    assert.equal(res.verdict, "malicious");
  });

  test("WS-1 languages by name, and by content when the name says nothing", () => {
    assert.deepEqual(["a.PHP", "b.phtml", "c.inc", "d.asp", "e.cer", "f.aspx", "g.ashx", "h.jsp", "i.jspx", "j.txt"].map(webLangOf), ["php", "php", "php", "asp", "asp", "aspx", "aspx", "jsp", "jsp", null]);
    const s = (t: string) => sniffLang(Buffer.from(t));
    assert.equal(s("GIF89a<?php echo 1;"), "php");
    assert.equal(s('<%@ Page Language="C#" %>'), "aspx");
    assert.equal(s('<%@ WebHandler Language="C#" Class="H" %>'), "aspx");
    assert.equal(s('<%@ page import="java.io.*" contentType="text/html" %>'), "jsp");
    assert.equal(s('<% Response.Write Request("x") %>'), "asp");
    assert.equal(s('<?xml version="1.0"?><a/>'), null);
    assert.equal(s("plain text"), null);
    // a shell renamed .jpg is judged as PHP
    assert.equal(scanner.scan("upload/cat.jpg", Buffer.from("GIF89a\n<?php system($_GET['c']); ?>")).verdict, "malicious");
  });
});
