import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { collect } from "../cli/scan.ts";
import { WebshellScanner, warmUp } from "./index.ts";
import { K_BT, K_DSTR, K_ID, K_OP, K_STR, K_VAR, OP_ASSIGN_OTHER, OP_CONCAT_ASSIGN, lex, nameHash } from "./php/lexer.ts";
import { Code } from "./php/code.ts";
import { VOCAB } from "./php/names.ts";
import { prng } from "../../test/prng.ts";

/**
 * WS-8: the passes after the PHP lexer walk the lexer's lists instead of every token, and
 * compare names by hash. These are exact only if the lists hold every token those passes act
 * on and the hashes are those of the names: checked here on the fixtures and on mutated code.
 */
const FIXTURES = join(import.meta.dirname, "..", "..", "test", "fixtures", "webshell");

function texts(): string[] {
  const out = [
    "<?php $a = 1; $b .= f($a); $c[] = (function () { return 2; })(); ${'x'} = $$y; `ls $z`; goto a; include 'x.php'; return;",
    "<?= $x ?>tail<?php # c\n$q = <<<EOT\n{$_GET['a']}\nEOT;\n",
    "<?php\nRETURN f();\nInclude_Once('a');\nGOTO b;\n$x = ÀB(1);\n",
  ];
  if (existsSync(FIXTURES)) for (const it of collect([FIXTURES], true).items) out.push(readFileSync(it.path).toString("latin1"));
  // mutations: cut anywhere, so that every construct also appears unterminated
  const rand = prng(7);
  for (const t of out.slice(0, 200)) out.push(t.slice(0, Math.floor(rand() * t.length)));
  return out;
}

function checkLists(text: string): void {
  const tk = lex(text, text.length, true);
  const act = new Set(Array.from(tk.act.subarray(0, tk.nact)));
  const asg = new Set(Array.from(tk.asg.subarray(0, tk.nasg)));
  const kw = new Set(Array.from(tk.kw.subarray(0, tk.nkw)));
  for (const list of [tk.act.subarray(0, tk.nact), tk.asg.subarray(0, tk.nasg), tk.kw.subarray(0, tk.nkw)]) {
    for (let q = 1; q < list.length; q++) assert.ok(list[q]! > list[q - 1]!, "lists are in token order, without repeats");
  }
  const isOp = (i: number, o: number) => i < tk.n && tk.kind[i] === K_OP && tk.op[i] === o;
  for (let i = 0; i < tk.n; i++) {
    const k = tk.kind[i];
    const name = text.slice(tk.start[i], tk.end[i]);
    if (k === K_VAR || k === K_STR || k === K_DSTR || k === K_BT || (k === K_OP && tk.op[i] === 36)) assert.ok(act.has(i), `act holds token ${i} (${name})`);
    if (k === K_OP && (tk.op[i] === 61 || tk.op[i] === OP_CONCAT_ASSIGN || tk.op[i] === OP_ASSIGN_OTHER)) assert.ok(asg.has(i), `asg holds assignment ${i}`);
    if (k === K_OP && tk.op[i] === 41 && isOp(i + 1, 40)) assert.ok(act.has(i), "act holds `)(`");
    if (k === K_ID) {
      const lower = name.toLowerCase();
      assert.equal(tk.hash[i], nameHash(lower), `hash of ${name}`);
      if (isOp(i + 1, 40)) assert.ok(act.has(i) && asg.has(i), `a call of ${name} is listed`);
      if (["goto", "include", "require", "include_once", "require_once"].includes(lower)) assert.ok(act.has(i), `${name} is listed`);
      if (lower === "return") assert.ok(asg.has(i), "return is listed");
      if (["function", "global", "for", "foreach", "while"].includes(lower)) assert.ok(kw.has(i), `${name} is a scope keyword candidate`);
    }
    if (k === K_VAR) assert.equal(tk.hash[i], nameHash(name), `hash of $${name}`);
  }
  // past the last token: zeros, whatever the shared buffer held before
  for (let i = tk.n; i < tk.n + 2; i++) assert.equal(tk.kind[i], 0);
}

describe("WS-8 PHP lexer lists and name hashes", () => {
  test("WS-8 every token a later pass acts on is in the lexer's lists, in order; hashes are the names'", () => {
    for (const t of texts()) checkLists(t);
  });

  test("WS-8 Code.word() is id() for every known name and null for the rest (case, non-ASCII, Kelvin sign)", () => {
    const src = "<?php Eval(1); EVAL(2); evaL(3); \u212Aill(4); k\u212Ail(5); Évaluate(6); array_map(7); myfunc(8);";
    const c = new Code(src, src.length);
    for (let i = 0; i < c.n; i++) {
      if (c.tk.kind[i] !== K_ID) continue;
      const id = c.id(i);
      assert.equal(c.word(i), [...VOCAB.values()].includes(id) ? id : null, id);
    }
  });

  test("WS-8 the warm-up changes no verdict (the engine keeps nothing between files)", () => {
    if (!existsSync(FIXTURES)) return;
    const files = collect([FIXTURES], true).items.slice(0, 120).map((it) => [String(it.path), readFileSync(it.path)] as const);
    const cold = new WebshellScanner();
    const before = files.map(([p, d]) => JSON.stringify(cold.scan(p, d)));
    const warm = new WebshellScanner();
    warmUp(warm);
    assert.deepEqual(files.map(([p, d]) => JSON.stringify(warm.scan(p, d))), before);
  });
});
