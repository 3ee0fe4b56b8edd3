/**
 * WS-8 / WS-6: the PHP heuristic families. Each finding is a Reason with a stable id
 * (`php.<family>`), the line, one sentence and a bounded excerpt. Strong evidence (request
 * input reaching an execution sink, decoded data reaching eval) is "malicious"; weaker single
 * signals are "suspicious" with a score; phpinfo() exposure is "info".
 */
import type { Reason, ReasonSeverity } from "../types.ts";
import { Code } from "./code.ts";
import { F_BLOB, F_CRYPTO, F_DEC, F_FULL, F_IN, F_REMOTE, Flow, b64, inflate } from "./flow.ts";
import { K_BT, K_DSTR, K_ID, K_OP, K_STR, K_VAR, OP_ARROW, OP_DCOLON, OP_EQ, OP_NE, interpolatedVars, nameHash, strValue } from "./lexer.ts";
import { CALLBACKS, CODE_SINKS, DECODERS, STRONG_DECODERS, CRYPTO_DECODERS, EXEC_NAMES, EXEC_SINKS, FS_FUNCS, HIDDEN_NAMES, INCLUDES, MB_EREG_SINKS, NET_FUNCS, PREG_SINKS, PROBE_VALUES, RECON_FUNCS } from "./names.ts";

/** Work bound: code beyond this many characters is not tokenized. */
const LIMIT = 6 << 20;
const MAX_REASONS = 24;
/** Names that execute code or commands when used as a callback. */
const RUNNERS = new Set(["eval", "assert", "system", "exec", "shell_exec", "passthru", "popen", "proc_open", "pcntl_exec", "create_function", "include", "require", "include_once", "require_once", "expect_popen"]);
/** An interactive shell handed to a socket: `/bin/sh -i`, `bash -i`, a bare `/bin/sh` or `cmd.exe`. */
const SHELL_STRINGS = /(\bsh -i\b|^\/bin\/(ba|z|k|c|tc)?sh$|^cmd(\.exe)?$)/i;
const CODE_MARKERS = /<\?php|\beval\s*\(|\$_(POST|GET|REQUEST|COOKIE|SERVER)\b|\bbase64_decode\s*\(|\bsystem\s*\(|\bshell_exec\s*\(|\bpassthru\s*\(|\bassert\s*\(|\bcreate_function\s*\(|\bgzinflate\s*\(/i;

/** Every name ident() acts on (all in VOCAB), by the lexer's name hash: a superset filter. */
const IDENT_HASHES = new Set(
  [
    ...INCLUDES, "reflectionfunction", ...CODE_SINKS, "create_function", ...EXEC_SINKS, ...PREG_SINKS, ...MB_EREG_SINKS, ...CALLBACKS.keys(),
    ...DECODERS, ...CRYPTO_DECODERS, ...RECON_FUNCS, ...FS_FUNCS, ...NET_FUNCS, "phpinfo", "ini_get", "ini_restore", "file_put_contents",
    "filter_var", "filter_var_array", "fwrite", "fputs", "move_uploaded_file", "copy", "mail", "md5", "sha1", "hash", "crypt", "pathinfo",
    "getimagesize", "finfo_file", "mime_content_type", "exif_imagetype", "finfo_open", "strrchr", "imagecreatefromstring", "preg_match",
    "in_array", "end", "explode", "str_ends_with", "substr",
  ].map(nameHash),
);

/** Huge files: the tail is analyzed too, from its last open tag (backdoors get appended). */
const TAIL = 256 << 10;

export function analyzePhp(text: string, depth = 0): Reason[] {
  try {
    const out = new Rules(text, depth).run();
    if (depth === 0 && text.length > LIMIT) {
      const from = Math.max(LIMIT, text.length - TAIL);
      const open = text.lastIndexOf("<?php", text.length);
      if (open >= from) {
        let lines = 0;
        for (let p = text.indexOf("\n"); p >= 0 && p < open; p = text.indexOf("\n", p + 1)) lines++;
        for (const r of new Rules(text.slice(open), 1).run()) out.push(r.line === undefined ? r : { ...r, line: r.line + lines });
      }
    }
    return out;
  } catch {
    // The analyzer never throws on hostile input; a bug here must not hide the other layer.
    return [];
  }
}

class Rules {
  private readonly c: Code;
  private readonly f: Flow;
  private readonly depth: number;
  private readonly out: Reason[] = [];
  private readonly seen = new Set<string>();
  // traits
  private gotos = 0;
  private execCalls = 0;
  private execDynamic = 0;
  private recon = 0;
  private probe = 0;
  private fs = new Set<string>();
  private net = 0;
  private firstExec = -1;
  private filesUsed = false;
  private netInput = 0;
  private portScanAt = -1;
  private shellStr = 0;
  private passGate = 0;
  private decoderCalls = 0;
  private dynExec = 0;
  private blobs: number[] = [];
  private phpinfoAt = -1;
  private uploadCheck = false;
  private tableCalls = 0;
  private tableAt = -1;

  constructor(text: string, depth: number) {
    this.c = new Code(text, LIMIT, depth === 0);
    this.f = new Flow(this.c);
    this.depth = depth;
  }

  run(): Reason[] {
    this.f.run();
    this.scan();
    this.finish();
    if (this.c.work > this.c.budget) {
      // Framework code uses < 4 steps per token; only generated, adversarial shapes get here.
      this.add("php.analysis-limit", "suspicious", 0, "The code's shape exhausted the analysis budget (deeply chained expressions), as generated obfuscation does.", 20);
    }
    return this.out;
  }

  private add(id: string, severity: ReasonSeverity, i: number, text: string, score?: number): void {
    const line = this.c.line(i);
    const key = id + "@" + line;
    if (this.seen.has(key) || this.out.length >= MAX_REASONS) return;
    this.seen.add(key);
    const r: Reason = { id, layer: "heuristic", severity, line, text, excerpt: this.c.excerpt(i) };
    if (severity !== "info") r.score = score ?? (severity === "malicious" ? 100 : 40);
    this.out.push(r);
  }

  private scan(): void {
    const c = this.c;
    const { kind, op, act, nact } = c.tk;
    // every token that can lead anywhere below is in the lexer's `act` list, in order
    for (let q = 0; q < nact; q++) {
      const i = act[q]!;
      const k = kind[i];
      if (k === K_ID) { this.ident(i); continue; }
      if (k === K_VAR) { if (!this.filesUsed && c.textIs(i, "_FILES")) this.filesUsed = true; this.varCall(i); continue; }
      if (k === K_STR || k === K_DSTR) { this.string(i); continue; }
      if (k === K_BT) { this.backtick(i); continue; }
      if (k === K_OP) {
        const o = op[i];
        if (o === 36 && c.isOp(i + 1, 123)) this.varVarCall(i);
        else if (o === 41 && c.isOp(i + 1, 40)) this.parenCall(i);
      }
    }
  }

  // ---- identifiers: sinks and traits ----

  private ident(i: number): void {
    const c = this.c;
    const len = c.tk.end[i]! - c.tk.start[i]!;
    if (len > 28 || len < 3) return;
    if (!c.isOp(i + 1, 40)) {
      // Only keywords matter when no call follows: goto, include/require without parentheses.
      if (len !== 4 && len !== 7 && len !== 12) return;
      if (len === 4) { if (c.is(i, "goto")) this.gotos++; return; }
      const w = len === 7 ? (c.is(i, "include") ? "include" : c.is(i, "require") ? "require" : "") : c.is(i, "include_once") ? "include_once" : c.is(i, "require_once") ? "require_once" : "";
      if (w && !c.isOp(i - 1, OP_ARROW) && !c.isOp(i - 1, OP_DCOLON)) this.include(i, w);
      return;
    }
    if (c.isMemberCall(i)) {
      // ->include(…) is a method; of methods only ->uasort / ->uksort (ArrayObject) take a callback
      if (len === 6 && (c.is(i, "uasort") || c.is(i, "uksort"))) this.callback(i, c.id(i), 0, c.args(i + 1), c.scope[i]!);
      return;
    }
    // a call of a name this pass does not act on (most calls) ends here, by the lexer's hash
    if (!IDENT_HASHES.has(c.tk.hash[i]!)) return;
    const name = c.word(i);
    if (name === null) return;
    if (INCLUDES.has(name)) { this.include(i, name); return; }
    if (c.isId(i - 1, "new")) { if (name === "reflectionfunction") this.reflection(i); return; }
    if (!c.isPlainCall(i)) return;
    const sc = c.scope[i]!;
    const p = i + 1;
    if (CODE_SINKS.has(name)) { this.dynExec++; this.codeSink(i, name, c.args(p), sc); return; }
    if (name === "create_function") { this.dynExec++; this.createFunction(i, c.args(p), sc); return; }
    if (EXEC_SINKS.has(name)) { this.execSink(i, name, c.args(p), sc); return; }
    if (PREG_SINKS.has(name)) { this.preg(i, name, c.args(p), sc); }
    if (MB_EREG_SINKS.has(name)) { this.mbEreg(i, name, c.args(p), sc); return; }
    const cb = CALLBACKS.get(name);
    if (cb !== undefined) { this.callback(i, name, cb, c.args(p), sc); return; }
    if (DECODERS.has(name) || CRYPTO_DECODERS.has(name)) { this.decoderCalls++; return; }
    if (RECON_FUNCS.has(name)) { this.recon++; return; }
    if (FS_FUNCS.has(name)) { if (this.fs.size < 16) this.fs.add(name); return; }
    if (NET_FUNCS.has(name)) {
      this.net++;
      for (const a of c.args(p).slice(0, 3)) {
        if (this.f.flags(a[0], a[1], sc) & F_FULL) {
          this.netInput++;
          if ((name === "fsockopen" || name === "socket_connect") && c.inLoop(i) && this.portScanAt < 0) this.portScanAt = i;
          break;
        }
      }
      return;
    }
    switch (name) {
      case "phpinfo": if (this.phpinfoAt < 0) this.phpinfoAt = i; return;
      case "ini_get": case "ini_restore": {
        const s = this.f.fold(i + 2, c.exprEnd(i + 2), sc);
        if (s && PROBE_VALUES.has(s.v.toLowerCase())) this.probe++;
        return;
      }
      case "file_put_contents": this.filePut(i, c.args(p), sc); return;
      case "filter_var": case "filter_var_array": this.filterCallback(i, name, c.args(p), sc); return;
      case "fwrite": case "fputs": this.fwrite(i, c.args(p), sc); return;
      case "move_uploaded_file": case "copy": this.upload(i, name, c.args(p), sc); return;
      case "mail": this.mail(i, c.args(p), sc); return;
      case "md5": case "sha1": case "hash": case "crypt": this.gate(i, sc); return;
      case "pathinfo": case "getimagesize": case "finfo_file": case "mime_content_type": case "exif_imagetype": case "finfo_open": case "strrchr": case "imagecreatefromstring": this.uploadCheck = true; return;
      case "preg_match": case "in_array": case "end": case "explode": case "str_ends_with": case "substr":
        if (this.mentionsFiles(i + 1)) this.uploadCheck = true;
        return;
    }
  }

  private mentionsFiles(p: number): boolean {
    const c = this.c;
    const m = c.match[p]!;
    for (let k = p + 1; k < m; k++) if (c.tk.kind[k] === K_VAR && c.text(k) === "_FILES") return true;
    return false;
  }

  private describe(fl: number): string {
    return this.f.lastLabel || (fl & F_IN ? "request input" : "");
  }

  private codeSink(i: number, name: string, args: Array<[number, number]>, sc: number): void {
    const a = args[0];
    if (!a) return;
    if (name === "assert" && this.isBoolean(a)) return;
    const fl = this.f.flags(a[0], a[1], sc);
    const lab = this.f.lastLabel;
    if (fl & F_IN) {
      if (fl & F_CRYPTO) this.add("php.crypto-loader", "malicious", i, `Request input (${lab || "request body"}) is decrypted or XOR-decoded and executed by ${name}().`);
      else this.add("php.input-to-eval", "malicious", i, `Request input (${lab || "request data"}) reaches ${name}().`);
      return;
    }
    if (fl & (F_DEC | F_BLOB)) { this.add("php.decoder-eval", "malicious", i, `Decoded data (base64/gzip/rot13 chain) is executed by ${name}().`); return; }
    if (this.entropic(a[0], a[1])) { this.add("php.high-entropy", "malicious", i, `A long high-entropy string is executed by ${name}().`); return; }
    if (fl & F_REMOTE) { this.add("php.remote-code", "malicious", i, `Code fetched from a remote URL is executed by ${name}().`); return; }
    this.evalConst(i, name, a, sc);
  }

  /** A comparison, negation, instanceof or is_*() test: assert() checks it, it is not code. */
  private isBoolean(a: [number, number]): boolean {
    const c = this.c;
    for (let i = a[0]; i < a[1]; i++) {
      const k = c.tk.kind[i];
      if (k === K_OP) {
        const o = c.tk.op[i]!;
        if (o === OP_EQ || o === OP_NE || o === 265 || o === 263 || o === 60 || o === 62 || o === 33) return true;
      } else if (k === K_ID) {
        const w = c.id(i);
        if (w === "instanceof" || w === "true" || w === "false" || w === "null" || w === "isset" || w === "empty" || w === "count" || w.startsWith("is_") || w.startsWith("ctype_") || w === "in_array" || w === "array_key_exists" || w === "method_exists" || w === "function_exists" || w === "class_exists") return true;
      }
    }
    return false;
  }

  /** A long high-entropy string literal inside [a, b). */
  private entropic(a: number, b: number): boolean {
    const c = this.c;
    for (let i = a; i < b; i++) {
      const k = c.tk.kind[i];
      if ((k === K_STR || k === K_DSTR) && c.tk.cend[i]! - c.tk.cstart[i]! >= 1000 && entropy(c.tk.text, c.tk.cstart[i]!, Math.min(c.tk.cend[i]!, c.tk.cstart[i]! + 8192)) > 5.5) return true;
    }
    return false;
  }

  /** eval/assert of a constant string: analyze the string as code. */
  private evalConst(i: number, name: string, a: [number, number], sc: number): void {
    const s = this.f.fold(a[0], a[1], sc, 0, i);
    if (!s || s.v.length < 6) return;
    if (s.dec) { this.add("php.decoder-eval", "malicious", i, `Decoded data (base64/gzip/rot13 chain) is executed by ${name}().`); }
    this.nested(i, s.v, `code run by ${name}()`);
  }

  /** Analyze a decoded or folded payload as PHP and lift its findings to line of token i. */
  private nested(i: number, code: string, where: string): boolean {
    if (this.depth >= 3 || code.length > LIMIT) return false;
    const src = /<\?(php|=|\s)/i.test(code.slice(0, 4096)) ? code : "<?php " + code;
    let lifted = false;
    for (const r of analyzePhp(src, this.depth + 1)) {
      if (r.severity === "info") continue;
      this.add(r.id, r.severity, i, `In ${where}: ${r.text}`, r.score);
      lifted = true;
    }
    return lifted;
  }

  private createFunction(i: number, args: Array<[number, number]>, sc: number): void {
    let all = 0;
    for (const a of args) all |= this.f.flags(a[0], a[1], sc);
    if (all & F_IN) { this.add("php.input-to-eval", "malicious", i, `Request input (${this.f.lastLabel || "request data"}) becomes code through create_function().`); return; }
    if (all & (F_DEC | F_BLOB)) { this.add("php.decoder-eval", "malicious", i, "Decoded data becomes code through create_function()."); return; }
    const body = args[1];
    if (!body) return;
    const s = this.f.fold(body[0], body[1], sc, 0, i);
    if (!s) { this.add("php.create-function", "suspicious", i, "create_function() builds a function from a run-time string.", 30); return; }
    if (s.dec || s.obf) this.add("php.create-function", "malicious", i, "create_function() builds code from an obfuscated string.");
    this.nested(i, s.v, "create_function() body");
  }

  private execSink(i: number, name: string, args: Array<[number, number]>, sc: number): void {
    this.execCalls++;
    if (this.firstExec < 0) this.firstExec = i;
    const a = args[0];
    if (!a) return;
    let fl = this.f.flags(a[0], a[1], sc);
    if (name === "pcntl_exec") for (const x of args.slice(1)) fl |= this.f.flags(x[0], x[1], sc);
    if (!(a[1] === a[0] + 1 && this.c.tk.kind[a[0]] === K_STR)) this.execDynamic++;
    if (fl & F_IN) { this.add("php.input-to-exec", "malicious", i, `Request input (${this.describe(fl)}) reaches ${name}().`); return; }
    if (fl & (F_DEC | F_BLOB)) { this.add("php.decoder-eval", "malicious", i, `Decoded data is run as a command by ${name}().`); return; }
    const s = this.f.fold(a[0], a[1], sc, 0, i);
    if (s && SHELL_STRINGS.test(s.v.trim())) this.shellStr++;
  }

  private include(i: number, name: string): void {
    const c = this.c;
    const sc = c.scope[i]!;
    const e = c.exprEnd(i + 1);
    if (e <= i + 1) return;
    const fl = this.f.flags(i + 1, e, sc);
    if (fl & F_FULL || (fl & F_IN && this.f.lastLabel === "$_FILES")) { this.add("php.input-to-include", "malicious", i, `Request input (${this.f.lastLabel || "request data"}) chooses the file run by ${name}.`); return; }
    if (fl & (F_DEC | F_BLOB)) { this.add("php.decoder-eval", "malicious", i, `Decoded data is run by ${name}.`); return; }
    const s = this.f.fold(i + 1, e, sc, 0, i);
    if (!s) return;
    const v = s.v.trim().toLowerCase();
    if (/^(data:|php:\/\/(input|filter)|https?:\/\/|ftp:\/\/|expect:|zip:|phar:)/.test(v)) {
      this.add("php.remote-code", "malicious", i, `${name} runs code from a stream or remote URL.`);
      return;
    }
    if (/\.(ico|png|jpe?g|gif|bmp|svg|css|txt|log|tmp|dat|db|swp|bak|zip)$/.test(v) && (s.obf || c.tk.op[i + 1]! > 0 || /\/\./.test(v))) {
      this.add("php.include-disguised", "malicious", i, `${name} runs a file disguised as data (${v.slice(v.lastIndexOf(".")).slice(0, 8)}) through an obfuscated path.`);
    }
  }

  private preg(i: number, name: string, args: Array<[number, number]>, sc: number): void {
    const [pa, ra] = args;
    if (!pa || !ra) return;
    const pf = this.f.flags(pa[0], pa[1], sc);
    if (pf & F_FULL) {
      const lab = this.f.lastLabel;
      const subj = args[2];
      const subjOk = !!subj && (subj[1] === subj[0] + 1 && (this.c.tk.kind[subj[0]] === K_STR || this.c.tk.kind[subj[0]] === K_DSTR) || (this.c.tk.kind[subj[0]] === K_VAR && this.f.inputVar(subj[0], sc) !== ""));
      if (subjOk && this.f.flags(ra[0], ra[1], sc) & F_IN && this.c.n < 3000) this.add("php.input-to-eval", "malicious", i, `Request input (${lab}) is the pattern and replacement of ${name}() (an /e modifier runs code).`);
      return;
    }
    const pat = this.f.fold(pa[0], pa[1], sc, 0, i);
    if (!pat || !hasEModifier(pat.v)) return;
    this.dynExec++;
    const rf = this.f.flags(ra[0], ra[1], sc);
    if (rf & F_IN) { this.add("php.input-to-eval", "malicious", i, `Request input (${this.f.lastLabel}) is evaluated by ${name}() with the /e modifier.`); return; }
    if (rf & (F_DEC | F_BLOB)) { this.add("php.decoder-eval", "malicious", i, `Decoded data is evaluated by ${name}() with the /e modifier.`); return; }
    const sa = args[2];
    if (sa && this.f.flags(sa[0], sa[1], sc) & F_IN) { this.add("php.preg-e", "malicious", i, `${name}() with the /e modifier evaluates a replacement over request input.`); return; }
    if (pat.obf) { this.add("php.preg-e", "malicious", i, `${name}() with an obfuscated /e pattern evaluates code.`); return; }
    const rep = this.f.fold(ra[0], ra[1], sc, 0, i);
    if (rep && this.nested(i, rep.v, `${name}() /e replacement`)) return;
    this.add("php.preg-e", "suspicious", i, `${name}() uses the /e modifier, which evaluates the replacement as PHP.`, 40);
  }

  private mbEreg(i: number, name: string, args: Array<[number, number]>, sc: number): void {
    const opt = args[3];
    if (!opt) return;
    const o = this.f.fold(opt[0], opt[1], sc);
    if (!o || !/e/.test(o.v)) return;
    this.dynExec++;
    let all = 0;
    for (const a of args.slice(0, 3)) all |= this.f.flags(a[0], a[1], sc);
    if (all & F_IN) this.add("php.input-to-eval", "malicious", i, `Request input is evaluated by ${name}() with the "e" option.`);
    else this.add("php.preg-e", "suspicious", i, `${name}() with the "e" option evaluates the replacement as PHP.`, 40);
  }

  private callback(i: number, name: string, at: number, args: Array<[number, number]>, sc: number): void {
    const c = this.c;
    for (const a of args) {
      if (c.isOp(a[0], 268) && this.f.flags(a[0] + 1, a[1], sc) & F_FULL) {
        this.dynExec++;
        this.add("php.input-to-callback", "malicious", i, `Request input (${this.f.lastLabel}) is spread into ${name}(), choosing its callback.`);
        return;
      }
    }
    const cb = at < 0 ? args[args.length - 1] : args[at];
    if (!cb) return;
    // [$object, 'method'] / array($this, …) / new Foo: a method, not an arbitrary function.
    if (c.isId(cb[0], "new") || c.isId(cb[0], "function") || c.isId(cb[0], "fn") || c.isId(cb[0], "static")) return;
    if ((c.isId(cb[0], "array") && c.tk.kind[cb[0] + 2] === K_VAR) || (c.isOp(cb[0], 91) && c.tk.kind[cb[0] + 1] === K_VAR)) return;
    const cf = this.f.flags(cb[0], cb[1], sc);
    const cbLab = this.f.lastLabel;
    let argsIn = 0;
    for (const a of args) if (a !== cb) argsIn |= this.f.flags(a[0], a[1], sc);
    if (cf & F_FULL) { this.dynExec++; this.add("php.input-to-callback", "malicious", i, `Request input (${cbLab}) names the callback of ${name}().`); return; }
    if (cf & (F_DEC | F_BLOB)) { this.dynExec++; this.add("php.decoder-eval", "malicious", i, `A decoded name is the callback of ${name}().`); return; }
    const s = this.f.fold(cb[0], cb[1], sc, 0, i);
    if (!s) return;
    const fn = s.v.toLowerCase().replace(/^\\/, "");
    if (!RUNNERS.has(fn)) return;
    this.dynExec++;
    if (s.obf) { this.add("php.obfuscated-name", "malicious", i, `The callback of ${name}() is ${fn}(), spelled in an obfuscated way.`); return; }
    if (argsIn & F_IN) { this.add("php.input-to-callback", "malicious", i, `Request input reaches ${fn}() through ${name}().`); return; }
    if (this.f.hasInput || /^(ob_start|register_shutdown_function|register_tick_function|set_error_handler|set_exception_handler|header_register_callback)$/.test(name)) {
      this.add("php.input-to-callback", "malicious", i, `${name}() registers ${fn}() as a callback in a file that reads request input.`);
      return;
    }
    this.add("php.input-to-callback", "suspicious", i, `${name}() uses ${fn}() as a callback.`, 40);
  }

  /** filter_var(x, FILTER_CALLBACK, ['options' => 'assert']). */
  private filterCallback(i: number, name: string, args: Array<[number, number]>, sc: number): void {
    const c = this.c;
    let cb = false;
    for (const a of args) for (let k = a[0]; k < a[1]; k++) if (c.tk.kind[k] === K_ID && c.id(k) === "filter_callback") cb = true;
    if (!cb) return;
    const c0 = args[0];
    const input = !!c0 && (this.f.flags(c0[0], c0[1], sc) & F_IN) !== 0;
    for (const a of args.slice(1)) {
      for (let k = a[0]; k < a[1]; k++) {
        if ((c.tk.kind[k] === K_STR || c.tk.kind[k] === K_DSTR) && strValue(c.tk, k).toLowerCase() === "options" && c.isOp(k + 1, 258)) {
          const e = c.exprEnd(k + 2);
          const fl = this.f.flags(k + 2, e, sc);
          const s = this.f.fold(k + 2, e, sc);
          if (fl & F_FULL || (s && RUNNERS.has(s.v.toLowerCase()) && (input || this.f.hasInput))) {
            this.dynExec++;
            this.add("php.input-to-callback", "malicious", i, `${name}() with FILTER_CALLBACK runs ${s ? s.v.toLowerCase() + "()" : "a request-chosen function"} on request input.`);
            return;
          }
        }
      }
    }
  }

  private reflection(i: number): void {
    const c = this.c;
    const sc = c.scope[i]!;
    const a = c.args(i + 1)[0];
    if (!a) return;
    const fl = this.f.flags(a[0], a[1], sc);
    if (fl & F_FULL) { this.add("php.input-to-callback", "malicious", i, `Request input (${this.f.lastLabel}) names the function of a ReflectionFunction.`); return; }
    const s = this.f.fold(a[0], a[1], sc, 0, i);
    if (s && RUNNERS.has(s.v.toLowerCase())) this.add("php.input-to-callback", s.obf || this.f.hasInput ? "malicious" : "suspicious", i, `ReflectionFunction wraps ${s.v.toLowerCase()}().`, 50);
  }

  // ---- dynamic calls ----

  /** `$f(...)`, `$a['x'](...)`, `$GLOBALS['t'][3](...)`. */
  private varCall(i: number): void {
    const c = this.c;
    if (c.isOp(i - 1, OP_ARROW) || c.isOp(i - 1, OP_DCOLON) || c.isId(i - 1, "new") || c.isId(i - 1, "function")) return;
    if (c.isOp(i - 1, 36)) { this.dollarCall(i - 1, i, i + 1); return; }
    const e = this.f.chainEnd(i, c.n);
    if (!c.isOp(e + 1, 40)) return;
    this.dynamicCall(i, i, e + 1);
  }

  /** `$$x(...)`: a variable-variable call. */
  private dollarCall(at: number, a: number, b: number): void {
    const c = this.c;
    const e = this.f.chainEnd(b - 1, c.n);
    if (!c.isOp(e + 1, 40)) return;
    const sc = c.scope[at]!;
    this.dynExec++;
    const fl = this.f.flags(a, b, sc);
    if (fl & F_IN || this.f.extracted.has(sc)) this.add("php.variable-function", "malicious", at, "A variable variable named by request input is called as a function.");
  }

  /** `${'a'.'b'}(...)` */
  private varVarCall(i: number): void {
    const c = this.c;
    const m = c.match[i + 1]!;
    if (m < 0) return;
    const e = this.f.chainEnd(m, c.n);
    if (!c.isOp(e + 1, 40)) return;
    this.dynamicCall(i, i, e + 1);
  }

  /** `("sys"."tem")(...)` or `(base64_decode('…'))(...)`. */
  private parenCall(i: number): void {
    const c = this.c;
    const o = c.match[i]!;
    if (o < 0) return;
    const before = o - 1;
    const bk = c.tk.kind[before];
    // A call's own parentheses: f(...)(...) / $x(...)(...) are closures returned by a call.
    if (bk === K_ID || bk === K_VAR || c.isOp(before, 93) || c.isOp(before, 41) || c.isOp(before, 125)) return;
    this.dynamicCall(o, o, i + 1);
  }

  private string(i: number): void {
    const c = this.c;
    const cl = c.tk.cend[i]! - c.tk.cstart[i]!;
    if (cl >= 2000 && this.f.isBlob(i) && this.blobs.length < 8) this.blobs.push(i);
    if (c.isOp(i + 1, 40)) this.dynamicCall(i, i, i + 1);
    if (cl > 40 || cl < 3) return;
    const t = c.tk.text;
    const s0 = c.tk.cstart[i]!;
    const f0 = t.charCodeAt(s0) | 32;
    // Cheap first-character gates before any string is built.
    if ((f0 === 115 || f0 === 100 || f0 === 111) && cl >= 9 && cl <= 18 && PROBE_VALUES.has(t.slice(s0, s0 + cl).toLowerCase())) this.probe++;
    if (f0 === 47 || f0 === 98 || f0 === 99 || f0 === 115 || f0 === 117) { if (SHELL_STRINGS.test(t.slice(s0, s0 + cl))) this.shellStr++; }
    if (c.tk.kind[i] !== K_DSTR || c.tk.op[i]! < 2) return;
    const v = strValue(c.tk, i);
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) {
      const name = v.toLowerCase();
      if (RUNNERS.has(name) || EXEC_NAMES.has(name)) this.add("php.obfuscated-name", "malicious", i, `The name ${name} is hidden in escape sequences.`);
      else if (HIDDEN_NAMES.has(name)) this.add("php.obfuscated-name", "suspicious", i, `The name ${name} is hidden in escape sequences.`, 50);
    }
  }

  private backtick(i: number): void {
    const c = this.c;
    this.execCalls++;
    if (this.firstExec < 0) this.firstExec = i;
    this.execDynamic++;
    const sc = c.scope[i]!;
    if (interpolatedVars(c.tk, i).length === 0) return;
    const f = this.f.flags(i, i + 1, sc);
    if (f & F_IN) this.add("php.input-to-exec", "malicious", i, `Request input (${this.f.lastLabel}) reaches a backtick shell command.`);
  }

  /** A call whose callee is the expression [a, p) (p is the `(`). */
  private dynamicCall(at: number, a: number, p: number): void {
    const c = this.c;
    const sc = c.scope[at]!;
    this.dynExec++;
    const fl = this.f.flags(a, p, sc);
    const lab = this.f.lastLabel;
    if (fl & F_FULL) { this.add("php.variable-function", "malicious", at, `Request input (${lab}) is called as a function.`); return; }
    const args = c.args(p);
    let argsIn = 0;
    for (const x of args) argsIn |= this.f.flags(x[0], x[1], sc);
    const argLab = this.f.lastLabel;
    const s = this.f.fold(a, p, sc, 0, at);
    if (!s) {
      if (c.tk.kind[a] === K_VAR && c.text(a) === "GLOBALS") { this.tableCalls++; if (this.tableAt < 0) this.tableAt = at; }
      if (fl & F_DEC) this.add("php.decoder-eval", "malicious", at, "A decoded string is called as a function.");
      else if (argsIn & F_FULL && c.tk.kind[a] === K_VAR && this.directInput(p)) this.add("php.variable-function", "suspicious", at, `Request input (${argLab}) is passed straight to a function chosen at run time.`, 40);
      return;
    }
    const fn = s.v.toLowerCase().replace(/^\\/, "");
    if (EXEC_SINKS.has(fn)) { this.execCalls++; this.execDynamic++; if (this.firstExec < 0) this.firstExec = at; }
    const run = RUNNERS.has(fn) || EXEC_NAMES.has(fn);
    if (!run && !HIDDEN_NAMES.has(fn)) return;
    if (run && argsIn & F_IN) { this.add(EXEC_SINKS.has(fn) ? "php.input-to-exec" : "php.input-to-eval", "malicious", at, `Request input (${argLab}) reaches ${fn}() called through a variable.`); }
    if (s.obf || s.dec) {
      if (run || argsIn & F_IN) this.add("php.obfuscated-name", "malicious", at, `${fn}() is called through a name assembled at run time.`);
      else this.add("php.obfuscated-name", "suspicious", at, `${fn}() is called through a name assembled at run time.`, 50);
      return;
    }
    if (RUNNERS.has(fn) && !(argsIn & F_IN)) this.add("php.variable-function", "suspicious", at, `${fn}() is called through a variable.`, 30);
  }

  /** Whether the call at `(` p has a superglobal read as a whole argument: `$f($_POST['x'])`. */
  private directInput(p: number): boolean {
    const c = this.c;
    const sc = c.scope[p]!;
    for (const [a, b] of c.args(p)) {
      let k = a;
      while (k < b && c.isOp(k, 64)) k++;
      if (c.tk.kind[k] === K_VAR && this.f.inputVar(k, sc) && this.f.chainEnd(k, b) === b - 1) return true;
    }
    return false;
  }

  // ---- file writes, uploads, mail, gates ----

  private phpPath(span: [number, number] | undefined, sc: number): { input: boolean; php: boolean } {
    if (!span) return { input: false, php: false };
    const fl = this.f.flags(span[0], span[1], sc);
    let php = false;
    const c = this.c;
    for (let k = span[0]; k < span[1] && !php; k++) if ((c.tk.kind[k] === K_STR || c.tk.kind[k] === K_DSTR) && /\.(php\d?|phtml|phar|inc|pht)$/i.test(strValue(c.tk, k))) php = true;
    if (!php) { const s = this.f.fold(span[0], span[1], sc); php = !!s && /\.(php\d?|phtml|phar|inc|pht)$/i.test(s.v); }
    return { input: (fl & F_IN) !== 0, php };
  }

  /** A constant PHP web shell written into a PHP file: analyze what is written. */
  private dropsShell(i: number, path: [number, number], data: [number, number], sc: number): boolean {
    const s = this.f.fold(data[0], data[1], sc, 0, i);
    if (!s || s.v.length < 12 || !/<\?/.test(s.v) || !CODE_MARKERS.test(s.v) || !this.phpPath(path, sc).php) return false;
    if (this.depth >= 3) return false;
    const inner = analyzePhp(s.v, this.depth + 1).filter((r) => r.severity === "malicious");
    if (inner.length === 0) return false;
    this.add("php.file-write", "malicious", i, `A web shell (${inner[0]!.id}) is written into a PHP file.`);
    return true;
  }

  private filePut(i: number, args: Array<[number, number]>, sc: number): void {
    const [pa, da] = args;
    if (!pa || !da) return;
    const d = this.f.flags(da[0], da[1], sc);
    const dl = this.f.lastLabel;
    if (this.dropsShell(i, pa, da, sc)) return;
    const p = this.phpPath(pa, sc);
    const pl = this.f.flags(pa[0], pa[1], sc) & F_FULL;
    if (d & F_IN && (p.php || pl)) { this.add("php.file-write", "malicious", i, `Request input (${dl}) is written to ${p.php ? "a PHP file" : "a path chosen by the request"}.`); return; }
    if (d & F_FULL && this.c.n < 3000) this.inputWrites.push(i);
    if (d & (F_DEC | F_BLOB) && (p.php || pl)) this.add("php.file-write", "malicious", i, `Decoded data is written into ${p.php ? "a PHP file (a dropper)" : "a path chosen by the request"}.`);
  }

  private fwrite(i: number, args: Array<[number, number]>, sc: number): void {
    const c = this.c;
    const [ha, da] = args;
    if (!ha || !da) return;
    let path: [number, number] | undefined;
    if (c.tk.kind[ha[0]] === K_VAR) path = this.f.fopenPath.get(this.f.varKey(ha[0], sc));
    else if (c.isId(ha[0], "fopen") && c.isOp(ha[0] + 1, 40)) path = c.args(ha[0] + 1)[0];
    if (!path) return;
    if (this.dropsShell(i, path, da, sc)) return;
    const d = this.f.flags(da[0], da[1], sc);
    const dl = this.f.lastLabel;
    if (!(d & (F_IN | F_DEC | F_BLOB))) return;
    const p = this.phpPath(path, sc);
    const full = (this.f.flags(path[0], path[1], sc) & F_FULL) !== 0;
    if ((d & F_IN && (p.php || full)) || (d & (F_DEC | F_BLOB) && p.php)) this.add("php.file-write", "malicious", i, `${d & F_IN ? `Request input (${dl})` : "Decoded data"} is written to ${p.php ? "a PHP file" : "a path chosen by the request"}.`);
  }

  private uploadCalls: Array<[number, boolean]> = [];
  /** Raw request input written to some file (a script that later runs it). */
  private inputWrites: number[] = [];

  private upload(i: number, name: string, args: Array<[number, number]>, sc: number): void {
    const [sa, da] = args;
    if (!sa || !da) return;
    const sf = this.f.flags(sa[0], sa[1], sc);
    const sl = this.f.lastLabel;
    const df = this.f.flags(da[0], da[1], sc);
    if (!(sf & F_IN) || !(df & F_IN)) return;
    if (name === "copy" && !/FILES/.test(sl)) { if (df & F_FULL) this.add("php.uploader", "malicious", i, "copy() fetches a source chosen by the request to a path chosen by the request."); return; }
    if (this.endsWithInput(da, sc)) this.uploadCalls.push([i, (df & F_FULL) !== 0]);
  }

  /** Whether the last operand of a path expression is request-chosen (so is its extension). */
  private endsWithInput(span: [number, number], sc: number): boolean {
    const c = this.c;
    let last = span[0];
    for (let i = span[0]; i < span[1]; i++) {
      if (c.isOp(i, 40) || c.isOp(i, 91)) { const m = c.match[i]!; if (m > i) i = m; continue; }
      if (c.isOp(i, 46)) last = i + 1;
    }
    if (last === span[0] && span[1] === span[0] + 1 && c.tk.kind[span[0]] === K_DSTR) {
      const raw = c.tk.text.slice(c.tk.cstart[span[0]], c.tk.cend[span[0]]);
      return /\$[A-Za-z_][\w]*(\[[^\]]{0,40}\])*\}?$/.test(raw) && (this.f.flags(span[0], span[1], sc) & F_IN) !== 0;
    }
    return (this.f.flags(last, span[1], sc) & F_IN) !== 0;
  }

  private mail(i: number, args: Array<[number, number]>, sc: number): void {
    const [to, subj, body] = args;
    if (!to || !body) return;
    const t = this.f.flags(to[0], to[1], sc);
    if (!(t & F_FULL)) return;
    const b = this.f.flags(body[0], body[1], sc) | (subj ? this.f.flags(subj[0], subj[1], sc) : 0);
    if (!(b & F_FULL) || !this.c.inLoop(i)) return;
    this.add("php.mass-mailer", "malicious", i, "mail() sends request-supplied messages to request-supplied recipients in a loop.");
  }

  /** md5($_POST['pass']) == '…': a password gate in front of a shell. */
  private gate(i: number, sc: number): void {
    const c = this.c;
    const close = c.match[i + 1]!;
    if (close < 0) return;
    if (!(this.f.flags(i + 2, close, sc) & F_IN)) return;
    const nx = close + 1;
    const pv = i - 1;
    const cmp = (k: number): boolean => c.isOp(k, OP_EQ) || c.isOp(k, OP_NE);
    if ((cmp(nx) && (c.tk.kind[nx + 1] === K_STR || c.tk.kind[nx + 1] === K_DSTR)) || (cmp(pv) && (c.tk.kind[pv - 1] === K_STR || c.tk.kind[pv - 1] === K_DSTR))) this.passGate++;
  }

  // ---- whole-file families ----

  private finish(): void {
    const c = this.c;
    const hasInput = this.f.hasInput;
    for (const [at, v] of this.f.builtNames) {
      const fn = v.v.toLowerCase();
      if (RUNNERS.has(fn)) this.add("php.obfuscated-name", "malicious", at, `The name ${fn} is assembled at run time (concatenation, chr(), decoding).`);
      else if ((DECODERS.has(fn) || CRYPTO_DECODERS.has(fn)) && v.v.length > 0 && this.dynExec > 0) this.add("php.obfuscated-name", "suspicious", at, `The name ${fn} is assembled at run time.`, 40);
    }
    for (const [at, full] of this.uploadCalls) {
      if (!this.uploadCheck && (full || this.c.n < 3000 || this.execCalls > 0)) this.add("php.uploader", "malicious", at, "An uploaded file is stored under a name or path chosen by the request, with no type check.");
    }
    if (this.blobs.length > 0) this.blob();
    if (this.inputWrites.length > 0 && this.execDynamic > 0) this.add("php.file-write", "suspicious", this.inputWrites[0]!, "Raw request input is written to a file in a small script that also runs commands.", 40);
    for (const r of this.f.recs) {
      // Narrow on purpose: `$_SESSION[..] = base64_decode($_COOKIE[..])` in a small file (auth code decodes cookies too).
      const c = this.c;
      if (c.n < 400 && r.targets[0]?.startsWith("0:_SESSION") && c.tk.kind[r.a] === K_ID && STRONG_DECODERS.has(c.id(r.a)) && c.isOp(r.a + 1, 40)
        && c.match[r.a + 1] === r.b - 1 && c.tk.kind[r.a + 2] === K_VAR && this.f.inputVar(r.a + 2, r.sc) && this.f.chainEnd(r.a + 2, r.b) === r.b - 2) {
        this.add("php.session-payload", "suspicious", r.at, "Decoded request input is stored in the session, where a companion file can run it.", 40);
        break;
      }
    }
    if (this.gotos >= 15 && this.gotos * 40 >= c.n) {
      const mal = this.dynExec > 0 || this.decoderCalls > 0;
      this.add("php.goto-obfuscation", mal ? "malicious" : "suspicious", firstId(c, "goto"), `${this.gotos} goto jumps scramble the control flow (an obfuscator's mark).`, 50);
    }
    if (this.tableCalls >= 5 && this.tableAt >= 0) this.add("php.function-table", this.decoderCalls > 0 || hasInput ? "malicious" : "suspicious", this.tableAt, `${this.tableCalls} calls go through a $GLOBALS function-name table.`, 50);
    // File manager / spy shell: command execution beside a directory browser and recon probes.
    const fsN = this.fs.size;
    if (hasInput && this.execDynamic > 0 && fsN >= 3 && this.recon + this.probe >= 2 && this.filesUsed) {
      this.add("php.file-manager", "malicious", Math.max(0, this.firstExec), "Command execution, a directory browser and server recon (php_uname / safe_mode / disable_functions) in one file: a file-manager shell.");
    } else if (hasInput && this.execDynamic > 0 && this.passGate > 0) {
      this.add("php.file-manager", "malicious", Math.max(0, this.firstExec), "Command execution behind a hashed password gate on request input.");
    } else if (hasInput && this.recon > 0 && this.probe > 0 && fsN >= 4 && this.execCalls > 0 && this.filesUsed) {
      this.add("php.file-manager", "suspicious", Math.max(0, this.firstExec), "Server recon probes beside a directory browser.", 50);
    }
    if (this.net > 0 && this.execCalls > 0 && (this.shellStr > 0 || this.netInput > 0)) {
      this.add("php.back-connect", "malicious", firstOf(c, this.netAt()), "A socket is connected and a shell (/bin/sh, cmd.exe) is run: a back-connect or bind shell.");
    }
    if (this.portScanAt >= 0) this.add("php.port-scan", "suspicious", this.portScanAt, "Sockets are opened in a loop to a host chosen by the request: a port scanner.", 40);
    if (this.phpinfoAt >= 0 && (c.n <= 150 || c.scope[this.phpinfoAt] === 0)) {
      this.add("php.phpinfo-exposure", "info", this.phpinfoAt, "The file calls phpinfo(), exposing paths, versions and configuration.");
    }
  }

  private netAt(): (i: number) => boolean {
    const c = this.c;
    return (i) => c.tk.kind[i] === K_ID && NET_FUNCS.has(c.id(i)) && c.isOp(i + 1, 40);
  }

  private blob(): void {
    const c = this.c;
    const at = this.blobs[0]!;
    for (const i of this.blobs.slice(0, 3)) {
      const raw = c.tk.text.slice(c.tk.cstart[i], Math.min(c.tk.cend[i]!, c.tk.cstart[i]! + LIMIT));
      const payload = decodeBlob(raw);
      if (payload && CODE_MARKERS.test(payload.slice(0, 65536)) && this.nested(i, payload, "an encoded blob")) {
        this.add("php.encoded-blob", "malicious", i, "A long encoded blob decodes to PHP code that a web shell runs.");
        return;
      }
    }
    if (this.decoderCalls > 0 && this.dynExec > 0) {
      this.add("php.encoded-blob", "malicious", at, "A long encoded blob is decoded and executed (eval, dynamic call or callback).");
    }
  }
}

function firstId(c: Code, name: string): number {
  for (let i = 0; i < c.n; i++) if (c.tk.kind[i] === K_ID && c.id(i) === name) return i;
  return 0;
}

function firstOf(c: Code, pred: (i: number) => boolean): number {
  for (let i = 0; i < c.n; i++) if (pred(i)) return i;
  return 0;
}

/** Whether a PCRE pattern literal carries the `e` modifier. */
function hasEModifier(p: string): boolean {
  const s = p.replace(/^\s+/, "");
  if (s.length < 2) return false;
  const open = s[0]!;
  if (/[A-Za-z0-9\\\s]/.test(open)) return false;
  const close = open === "(" ? ")" : open === "{" ? "}" : open === "[" ? "]" : open === "<" ? ">" : open;
  const end = s.lastIndexOf(close);
  if (end <= 0) return false;
  const mods = s.slice(end + 1);
  return /^[a-zA-Z\s]*$/.test(mods) && mods.indexOf("e") >= 0;
}

/** Shannon entropy in bits per char over [a, b). */
function entropy(t: string, a: number, b: number): number {
  const counts = new Uint32Array(256);
  for (let i = a; i < b; i++) counts[t.charCodeAt(i) & 255]!++;
  const n = b - a;
  let h = 0;
  for (const k of counts) if (k) { const p = k / n; h -= p * Math.log2(p); }
  return h;
}

/** Tries base64 (then raw/zlib/gzip inflate) and hex on a blob; returns printable text or null. */
function decodeBlob(raw: string): string | null {
  const s = raw.replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  const cands: string[] = [];
  if (/^[0-9a-fA-F\s]+$/.test(s.slice(0, 4096))) cands.push(Buffer.from(s.replace(/\s/g, ""), "hex").toString("latin1"));
  const b = b64(s);
  if (b) cands.push(b);
  for (const d of cands) {
    if (printable(d)) return d;
    for (const m of [0, 1, 2] as const) { const z = inflate(d, m); if (z && printable(z)) return z; }
    const r = d.replace(/[a-zA-Z]/g, (ch) => { const base = ch <= "Z" ? 65 : 97; return String.fromCharCode(((ch.charCodeAt(0) - base + 13) % 26) + base); });
    if (printable(r) && CODE_MARKERS.test(r)) return r;
  }
  return null;
}

function printable(s: string): boolean {
  const n = Math.min(s.length, 2048);
  if (n < 16) return false;
  let bad = 0;
  for (let i = 0; i < n; i++) { const ch = s.charCodeAt(i); if ((ch < 32 && ch !== 10 && ch !== 13 && ch !== 9) || ch > 126) bad++; }
  return bad / n < 0.05;
}

