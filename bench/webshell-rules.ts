/**
 * A large web-shell rule set for the YARA 4 side of the web-shell benchmark, generated (seeded,
 * deterministic) in the shape of public web-shell rule collections: mostly one rule per known
 * sample, each with 3–8 literal strings (the sample's own banner, variable and function names
 * beside common shell vocabulary), a magic/filesize guard and an "N of them" condition; one
 * rule in ten adds a bounded regular expression. The strings are made up here, so the set
 * costs what such a set costs to run without detecting anything real: it measures speed only.
 */
import { prng } from "../test/prng.ts";

const VOCAB = [
  "eval(", "assert(", "base64_decode(", "gzinflate(", "str_rot13(", "shell_exec(", "passthru(", "system(", "popen(", "proc_open(",
  "$_POST[", "$_GET[", "$_REQUEST[", "$_COOKIE[", "php_uname()", "posix_getpwuid", "disk_free_space", "move_uploaded_file", "fsockopen(",
  "Request.Form(", "Request.QueryString(", "Server.CreateObject(", "WScript.Shell", "Scripting.FileSystemObject", "ADODB.Stream",
  "Process.Start(", "ProcessStartInfo", "Assembly.Load(", "Request.BinaryRead(", "runat=\"server\"",
  "Runtime.getRuntime().exec(", "request.getParameter(", "ProcessBuilder", "defineClass", "getInputStream()", "ClassLoader",
  "<title>", "Safe Mode", "Uname:", "Self Remove", "Back Connect", "Bind Port", "File Manager", "Upload File", "Execute Command",
];
const LANGS = [
  { magic: "uint16(0) == 0x3f3c", ext: "php" },
  { magic: "uint16(0) == 0x253c", ext: "asp" },
  { magic: "uint16(0) == 0x253c", ext: "jsp" },
];

function word(rand: () => number, min: number, max: number): string {
  const n = min + Math.floor(rand() * (max - min + 1));
  let s = "";
  for (let i = 0; i < n; i++) s += "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"[Math.floor(rand() * 63)];
  return /^[0-9]/.test(s) ? `v${s}` : s;
}

const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');

/** `count` rules (default 1500) as one YARA 4 source. */
export function generateLargeRuleSet(count = 1500, seed = 8): string {
  const rand = prng(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const lang = LANGS[i % LANGS.length]!;
    const strings: string[] = [];
    const n = 3 + Math.floor(rand() * 6);
    for (let j = 0; j < n; j++) {
      const k = rand();
      let s: string;
      if (k < 0.3) s = `<title>${word(rand, 4, 10)} ${word(rand, 3, 8)}</title>`;
      else if (k < 0.6) s = `$${word(rand, 4, 10)} = "${word(rand, 6, 16)}"`;
      else if (k < 0.8) s = `function ${word(rand, 5, 12)}(`;
      else s = `${VOCAB[Math.floor(rand() * VOCAB.length)]}${word(rand, 3, 8)}`;
      const mod = rand() < 0.3 ? " nocase" : rand() < 0.15 ? " ascii wide" : "";
      strings.push(`    $s${j} = "${esc(s)}"${mod}`);
    }
    if (rand() < 0.1) strings.push(`    $r0 = /${word(rand, 4, 8)}\\s{0,8}\\(\\s{0,8}\\$_(POST|GET|REQUEST)\\[['"]${word(rand, 2, 6)}['"]\\]/`);
    const need = Math.max(1, Math.min(strings.length, 2 + Math.floor(rand() * 2)));
    out.push(`rule gen_webshell_${lang.ext}_${i} {
  meta:
    description = "generated rule ${i} (speed benchmark only)"
    author = "Hostward bench"
  strings:
${strings.join("\n")}
  condition:
    ${lang.magic} and filesize < ${[100, 200, 500, 1000][Math.floor(rand() * 4)]}KB and ${need} of them
}`);
  }
  return out.join("\n\n") + "\n";
}
