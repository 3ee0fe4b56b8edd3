/**
 * WS-8: classic ASP (VBScript / JScript) heuristics. Families (ids `asp.<family>`):
 * input-to-eval, obfuscated-eval, input-to-shell, shell-exec, input-to-createobject,
 * input-file-write, file-manager, sql-console, encoded-script, xslt-script.
 */
import type { Reason } from "../types.ts";
import { type Flow as FlowT, ENCODED, Flow, type FlowLang, INPUT, firstArg, nonConstant, sinks } from "./flow.ts";
import { lexPage } from "./page.ts";
import { xsltScript } from "./xslt.ts";
import { Findings, chunks } from "./report.ts";

const INPUT_RE = /\brequest\s*(?:\(|\[|\.\s*(?:form|querystring|cookies|servervariables|binaryread|item|totalbytes)\b)/i;

const IGNORE = new Set(
  "set dim let const var new nothing null true false empty me this and or not xor mod is if then else elseif end call request response server function sub byval byref typeof typeof return chr chrw chrb len mid left right trim cstr clng cint lcase ucase replace split join array createobject mappath write eval execute executeglobal".split(" "),
);
const CONSTANTS = new Set([...IGNORE, "vbcrlf", "vblf", "vbcr", "vbtab", "vbnullstring", "vbhide", "vbnormalfocus", "string", "undefined"]);

export const VBS: FlowLang = {
  ci: true,
  input: INPUT_RE,
  // Computed characters, reversed or unescaped strings, long blobs: what an obfuscated payload is built from.
  encoded: /\b(?:strreverse|unescape|decodeuricomponent|frombase64|base64decode|decodebase64)\s*\(|\bchr[bw]?\s*\(\s*(?!\d{1,3}\s*\))|\b(?:replace|split)\s*\(\s*"/i,
  // Chr(34)/Chr(13) pairs are everyday string building; a long chain is a hidden payload.
  encodedCount: [/\bchr[bw]?\s*\(/i, 6],
  blobMin: 40,
  blobAny: 200,
  assign: /(?:^|[\n:;{}]|\bthen\b|\belse\b)[ \t]*(?:(?:set|let|dim|const|var|private|public)[ \t]+)?([A-Za-z_][\w.]{0,80}(?:[ \t]*[([][^()[\]\n]{0,80}[)\]])?)[ \t]*=(?!=)[ \t]*([^\n:;]{0,400})/gi,
  func: /\b(?:function|sub)[ \t]+([A-Za-z_]\w{0,60})[ \t]*\(([^()\n]{0,300})\)/gi,
  param: (p) => /^\s*(?:(?:byval|byref|optional)\s+)*([A-Za-z_]\w*)/i.exec(p)?.[1] ?? null,
  wrappers: /^\s*(?:trim|ltrim|rtrim|cstr|lcase|ucase|replace|unescape|urldecode|server\s*\.\s*mappath|mappath)\s*\(/i,
  stmtEnd: "\n:;",
  ignore: IGNORE,
  loops: /\bfor[ \t]+each[ \t]+([A-Za-z_]\w*)[ \t]+in[ \t]+([^\n:]{1,300})/gi,
};

const HINT = /execute|eval|\bfunction\b|addcode|createobject|\.\s*(?:run|exec|shellexecute|savetofile|createtextfile|opentextfile|copyfile|movefile|copyfolder|movefolder|deletefile|deletefolder|getfolder|namespace|drives|open)\b|\bcmd\b/i;
const EVAL = /(?<![\w.])(?:executeglobal|execute|eval)\b|\bnew\s+function\b|\.\s*(?:addcode|executestatement)\b/gi;
const SHELL_OBJ = /["'](?:wscript\.shell(?:\.1)?|shell\.application|\{?72c24dd5-d70a-438b-8a42-98424b88afb8\}?|\{?13709620-c279-11ce-a49e-444553540000\}?|clsid:72c24dd5-d70a-438b-8a42-98424b88afb8|clsid:13709620-c279-11ce-a49e-444553540000)["']/i;
/** `<object runat="server" progid="WScript.Shell">` creates the object without any code. */
const SHELL_TAG = /<object\b[^>]{0,400}\brunat\s*=\s*["']?server[^>]{0,400}(?:wscript\.shell|shell\.application|72c24dd5-d70a-438b-8a42-98424b88afb8|13709620-c279-11ce-a49e-444553540000)|<object\b[^>]{0,400}(?:wscript\.shell|shell\.application|72c24dd5-d70a-438b-8a42-98424b88afb8|13709620-c279-11ce-a49e-444553540000)[^>]{0,400}\brunat\s*=\s*["']?server/i;
const SHELL_RUN = /\.\s*(?:run|exec|shellexecute)\b/gi;
const CREATE_OBJ = /\bcreateobject\b/gi;
const FILE_WRITE = /\.\s*(?:savetofile|createtextfile|copyfile|movefile|copyfolder|movefolder|opentextfile)\b/gi;
const DELETE = /\.\s*(?:deletefile|deletefolder)\b/gi;
const LISTING = /\.\s*(?:getfolder|namespace)\b/gi;
const CONN_OPEN = /\.\s*open\b/gi;
const SQL_EXEC = /\.\s*execute\b/gi;

export function analyzeClassic(text: string): Reason[] {
  const out: Reason[] = [];
  for (const c of chunks(text)) out.push(...analyzeChunk(c.text, c.firstLine));
  return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Decodes UTF-7 `+...-` runs: IIS reads a page declared `codepage=65000` as UTF-7, which hides its code from a plain reading. */
export function decodeUtf7(text: string): string {
  return text.replace(/\+([A-Za-z0-9+/]{1,65536})-?/g, (all, b: string) => {
    let bits = 0;
    let acc = 0;
    let out = "";
    for (const ch of b) {
      acc = (acc << 6) | B64.indexOf(ch);
      bits += 6;
      if (bits >= 16) {
        bits -= 16;
        out += String.fromCharCode((acc >> bits) & 0xffff);
        acc &= (1 << bits) - 1;
      }
    }
    return out.length > 0 ? out.replace(/\n/g, " ") : all;
  });
}

function analyzeChunk(text: string, firstLine: number): Reason[] {
  if (/<%@[^%]{0,200}\bcodepage\s*=\s*["']?65000\b/i.test(text)) text = decodeUtf7(text);
  const page = lexPage(text, false, firstLine);
  const v = page.view;
  const found = new Findings(v);
  if (page.encodedAt >= 0) {
    const raw = Math.max(0, text.search(/#@~\^|\.encode\b/i));
    const line = firstLine + (text.slice(0, raw).match(/\n/g)?.length ?? 0);
    found.add("asp.encoded-script", "suspicious", 0, "The page is a VBScript.Encode/JScript.Encode script: its code is hidden from review.", 5, text.slice(raw, raw + 40).split("\n")[0], line);
  }
  xsltScript(v.code, found, "asp");
  // Most pages call none of the sinks: skip the flow pass for them.
  if (!HINT.test(v.bare)) return found.reasons();
  const f = new Flow(v, VBS);

  for (const h of sinks(f, EVAL)) {
    const name = v.code.slice(h.at, h.at + 20).split(/[\s(]/)[0];
    if (h.t & INPUT) found.add("asp.input-to-eval", "malicious", h.at, `Request input reaches ${name}: the page runs code sent by the client.`);
    else if (h.t & ENCODED) found.add("asp.obfuscated-eval", "malicious", h.at, `${name} runs code assembled from encoded or computed characters.`);
  }

  const shellObj = SHELL_OBJ.test(v.code) || SHELL_TAG.test(text);
  if (shellObj) {
    for (const h of sinks(f, SHELL_RUN)) {
      if (h.t & INPUT) found.add("asp.input-to-shell", "malicious", h.at, "Request input reaches a WScript.Shell/Shell.Application command.");
      else if (h.t & ENCODED) found.add("asp.input-to-shell", "malicious", h.at, "An encoded command is run through WScript.Shell/Shell.Application.");
      else if (nonConstant(f, h.argS, h.argE, CONSTANTS))
        found.add("asp.shell-exec", "suspicious", h.at, "The page runs a variable command line through WScript.Shell/Shell.Application.", f.inputAt.length > 0 ? 5 : 4);
    }
  }
  for (const h of sinks(f, CREATE_OBJ)) {
    if (h.t & (INPUT | ENCODED) && (f.taint(h.argS, h.argE) & (INPUT | ENCODED)) !== 0)
      found.add("asp.input-to-createobject", "malicious", h.at, "CreateObject instantiates a COM class chosen by the request or by encoded text.");
  }

  fileRules(f, found);

  // A database console: the connection string itself comes from the request.
  let connInput = false;
  for (const h of sinks(f, CONN_OPEN, 100)) {
    if (f.taint(h.argS, h.argE) & INPUT && /adodb\.connection/i.test(v.code)) {
      found.add("asp.sql-console", "suspicious", h.at, "An ADODB connection is opened with a connection string taken from the request.", 3);
      connInput = true;
    }
  }
  if (connInput) {
    for (const h of sinks(f, SQL_EXEC, 100)) {
      if (f.taint(h.argS, h.argE) & INPUT) found.add("asp.sql-console", "suspicious", h.at, "SQL text from the request is executed on a request-chosen database.", 3);
    }
  }
  return found.reasons();
}

function fileRules(f: FlowT, found: Findings): void {
  const v = f.v;
  const binaryBody = /\brequest\s*\.\s*binaryread\b/i.test(v.bare);
  // Content written from the request: BinaryRead, or a .Write of tainted text on a non-Response object.
  let contentInput = binaryBody;
  if (!contentInput) {
    for (const h of sinks(f, /\.\s*write(?:line|text)?\b/gi, 200)) {
      if (/^\s*response\s*\.\s*$/i.test(v.bare.slice(h.recS, h.at + 1))) continue;
      if (f.taint(h.argS, h.argE) & INPUT) {
        contentInput = true;
        break;
      }
    }
  }
  for (const h of sinks(f, FILE_WRITE)) {
    const [ps, pe] = firstArg(f, h);
    const name = v.code.slice(h.at, h.at + 24).replace(/^\.\s*/, "").split(/[\s(]/)[0];
    if (/opentextfile/i.test(name!)) {
      // Mode 2 (write) or 8 (append) only; reading is a file-manager trait.
      const mode = /,\s*(\d)/.exec(v.bare.slice(pe, h.argE))?.[1];
      if (mode !== "2" && mode !== "8") {
        if (f.leadIsInput(ps, pe)) found.add("asp.file-manager", "suspicious", h.at, "A file at a request-chosen path is opened for reading.", 2);
        continue;
      }
    }
    if (!f.leadIsInput(ps, pe)) continue;
    if (contentInput) found.add("asp.input-file-write", "malicious", h.at, `${name} writes request content to a request-chosen path (uploader).`);
    else found.add("asp.input-file-write", "suspicious", h.at, `${name} writes to a path chosen by the request.`, 5);
  }
  for (const h of sinks(f, DELETE)) {
    const [ps, pe] = firstArg(f, h);
    if (f.leadIsInput(ps, pe)) found.add("asp.file-manager", "suspicious", h.at, "A file or folder at a request-chosen path is deleted.", 3);
  }
  for (const h of sinks(f, LISTING)) {
    const [ps, pe] = firstArg(f, h);
    if (f.leadIsInput(ps, pe)) found.add("asp.file-manager", "suspicious", h.at, "A folder chosen by the request is listed.", 2);
  }
  const drives = /\.\s*drives\b/i.exec(v.bare);
  if (drives && /scripting\.filesystemobject/i.test(v.code)) found.add("asp.file-manager", "suspicious", drives.index, "The page enumerates the server's drives.", 2);
  const cmd = /["'][^"'\n]{0,40}\bcmd(?:\.exe)?\s+\/[ck]\b/i.exec(v.code);
  if (cmd) found.add("asp.file-manager", "suspicious", cmd.index, "The page builds a `cmd.exe /c` command line.", 3);
}
