/**
 * WS-8: ASP.NET heuristics (aspx, ashx, asmx, ascx; C#, VB.NET, JScript.NET). Families (ids
 * `aspx.<family>`): input-to-process, process-exec, input-to-eval, unsafe-eval,
 * assembly-load, input-to-reflection, input-to-compiler, compiler, input-file-write,
 * file-manager, sql-console, input-deserialization, memshell-inject, reverse-shell, xslt-script,
 * obfuscation.
 */
import type { Reason } from "../types.ts";
import { ENCODED, Flow, type FlowLang, INPUT, closeParen as closeParenAt, firstArg, nonConstant, sinks, splitTopRanges } from "./flow.ts";
import { matches } from "./code.ts";
import { lexPage } from "./page.ts";
import { xsltScript } from "./xslt.ts";
import { Findings, chunks, obfuscation } from "./report.ts";

const REQUEST = String.raw`\brequest\s*(?:\[|\(|\.\s*(?:item|form|querystring|params|headers|cookies|inputstream|binaryread|files|servervariables|unvalidated|getbufferlessinputstream|getbufferedinputstream|rawurl|pathinfo|body|query|bodyreader)\b)|\.\s*(?:postedfile|filebytes|filecontent)\b`;

function inputRe(controls: Set<string>): RegExp {
  const ids = [...controls].filter((c) => /^[a-z_]\w*$/.test(c)).slice(0, 300);
  const ctl = ids.length > 0 ? String.raw`|\b(?:${ids.join("|")})\s*\.\s*(?:text|value|selectedvalue|innertext|innerhtml)\b` : "";
  return new RegExp(REQUEST + ctl, "i");
}

const IGNORE = new Set(
  "if for foreach while switch catch using lock fixed return new typeof sizeof nameof base this me true false null nothing var dim set let const string object byte bool int long char void public private protected internal static readonly ref out params in is as and or not request response server context httpcontext current page system convert encoding".split(" "),
);
const CONSTANTS = new Set([...IGNORE, "environment", "newline", "path", "combine", "mappath", "empty", "processwindowstyle", "hidden", "vbcrlf"]);

const CS: Omit<FlowLang, "input"> = {
  ci: true,
  encoded: /\b(?:frombase64string|frombase64chararray|createdecryptor|transformfinalblock|gzipstream|deflatestream|decompress)\b/i,
  blobMin: 100,
  assign: "clike",
  func: "clike",
  param: (p) => /([A-Za-z_]\w*)\s*$/.exec(p.replace(/=.*$/s, "").replace(/<[^<>]*>/g, ""))?.[1] ?? null,
  wrappers: /^\s*(?:server\s*\.\s*mappath|mappath|path\s*\.\s*(?:combine|getfullpath)|httputility\s*\.\s*urldecode|convert\s*\.\s*tostring|string\s*\.\s*concat|trim)\s*\(|^\s*new\s+(?:system\.io\.)?fileinfo\s*\(/i,
  stmtEnd: ";",
  ignore: IGNORE,
  mutators: /\.\s*(?:add|append|appendline|write|setvalue|insert)\s*\(/gi,
  loops: /\bforeach\s*\(\s*[\w.<>[\],? ]{1,120}?\s([A-Za-z_]\w*)\s+in\s+([^;{)]{1,300})\)/gi,
  readInto: /\.\s*read\s*\(\s*([A-Za-z_]\w*)/gi,
};
const VBN: Omit<FlowLang, "input"> = {
  ...CS,
  assign: /(?:^|[\n:])[ \t]*(?:(?:set|let|dim|const|private|public)[ \t]+)?([A-Za-z_][\w.]{0,80}(?:[ \t]*[([][^()[\]\n]{0,80}[)\]])?)(?:[ \t]+as[ \t]+(?:new[ \t]+)?[\w.]{1,80}(?:\(\))?)?[ \t]*=(?!=)[ \t]*([^\n:]{0,400})/gi,
  func: /\b(?:function|sub)[ \t]+([A-Za-z_]\w{0,60})[ \t]*\(([^()\n]{0,300})\)/gi,
  param: (p) => /^\s*(?:(?:byval|byref|optional|paramarray)\s+)*([A-Za-z_]\w*)/i.exec(p)?.[1] ?? null,
  stmtEnd: "\n:",
  loops: /\bfor[ \t]+each[ \t]+([A-Za-z_]\w*)(?:[ \t]+as[ \t]+[\w.]+)?[ \t]+in[ \t]+([^\n:]{1,300})/gi,
};

const HINT = /process|shell|eval|\.\s*(?:load\w*|gettype|getmethod|getconstructor|invokemember|getproperty|getfield|invoke|dynamicinvoke|saveas|delete|transmitfile|writefile|deserialize|connectionstring|commandtext|run|exec|addscript|addcommand)\b|createinstance|compileassembly|csharp|\bfile\s*\.|\b(?:filestream|streamwriter|binarywriter|directory|directoryinfo|driveinfo|environment|sqlconnection|oledbconnection|odbcconnection|mysqlconnection|oracleconnection|npgsqlconnection|registervirtualpathprovider)\b/i;
const WEB_METHOD = /[[<]\s*(?:System\.Web\.Services\.)?WebMethod(?:Attribute)?\b[^\]>]{0,200}[\]>][\s\w<>[\],.]{0,120}?\b\w+\s*\(/gi;
const PROCESS = /\bprocess\s*\.\s*start\b|\bnew\s+(?:system\.diagnostics\.)?processstartinfo\b|\.\s*(?:filename|arguments)\s*(?==(?!=))|\binteraction\s*\.\s*shell\b|(?<![\w.])shell(?=\s*\()|\.\s*(?:addscript|addcommand)\b/gi;
/** Writing to a started shell's standard input is running commands too. */
const STDIN = /\.\s*standardinput\s*\.\s*write(?:line)?\b/gi;
const START_NOARG = /\.\s*start(?=\s*\(\s*\))/gi;
const SHELL_LIT = /\bcmd(?:\.exe)?\b|\/bin\/(?:ba|da|z)?sh\b|\bbash\b|\bpowershell(?:\.exe)?\b/i;
const SHELL_OBJ = /"(?:wscript\.shell|shell\.application)"/i;
const COM_RUN = /\.\s*(?:run|exec|shellexecute|invokemember)\b/gi;
const TCP = /\bnew\s+(?:system\.net\.sockets\.)?tcpclient\b/gi;
const EVAL = /(?<![\w.])eval(?=\s*\()|\bjscriptevaluate\b/gi;
const ASM_LOAD = /\b(?:assembly|appdomain\s*\.\s*currentdomain|currentdomain|thread\s*\.\s*getdomain\s*\(\s*\))\s*\.\s*(?:load|loadfrom|loadfile|unsafeloadfrom)\b/gi;
const REFLECT_TYPE = /\btype\s*\.\s*gettype(?:fromprogid)?\b|\.\s*gettype(?=\s*\(\s*[^)\s])|\bcreateinstance(?:andunwrap|from)?\b/gi;
const REFLECT_MEMBER = /\.\s*(?:getmethod|getconstructor|invokemember|getproperty|getfield)\b/gi;
const PROC_REFLECT = /(?:gettype|getmethod|createinstance|invokemember)\s*\(\s*"(?:system\.diagnostics\.process(?:startinfo)?|start|load|system\.reflection\.assembly)"/i;
const INVOKE = /\.\s*(?:invoke|dynamicinvoke)\b/gi;
const COMPILE = /\b(?:compileassemblyfromsource|compileassemblyfromdom|compileassemblyfromfile)\b|\bcsharpscript\s*\.\s*(?:evaluateasync|runasync|create|evaluate)\b|\bcsharpcompilation\s*\.\s*create\b/gi;
const FILE_W = /\bfile\s*\.\s*(?:writeallbytes|writealltext|writealllines|appendalltext|appendalllines|copy|move|create|createtext|openwrite)\b|\bnew\s+(?:system\.io\.)?(?:filestream|streamwriter|binarywriter)\b|\.\s*saveas\b/gi;
const CONTENT_INPUT = /\brequest\s*\.\s*(?:files|inputstream|binaryread|getbufferlessinputstream)\b|\.\s*(?:postedfile|filebytes|filecontent)\b|\bhttppostedfile\b/i;
const DELETE = /\b(?:file|directory)\s*\.\s*delete\b/gi;
const LIST = /\bdirectory\s*\.\s*(?:getfiles|getdirectories|getfilesystementries|enumeratefiles|enumeratedirectories)\b|\bnew\s+(?:system\.io\.)?directoryinfo\b/gi;
const READ = /\bfile\s*\.\s*(?:readallbytes|readalltext|openread|readalllines)\b|\.\s*(?:transmitfile|writefile)\b/gi;
const DRIVES = /\b(?:driveinfo\s*\.\s*getdrives|directory\s*\.\s*getlogicaldrives|environment\s*\.\s*getlogicaldrives)\b/i;
const CONN = /\bnew\s+(?:system\.data\.\w+\.)?(?:sqlconnection|oledbconnection|odbcconnection|mysqlconnection|oracleconnection|npgsqlconnection)\b|\.\s*connectionstring\s*(?==(?!=))/gi;
const SQL = /\bnew\s+(?:system\.data\.\w+\.)?(?:sqlcommand|oledbcommand|odbccommand|mysqlcommand|sqldataadapter|oledbdataadapter)\b|\.\s*commandtext\s*(?==(?!=))/gi;
const DESER = /\.\s*deserialize\b/gi;
const FORMATTERS = /\b(?:binaryformatter|losformatter|soapformatter|objectstateformatter|netdatacontractserializer)\b/i;

export function analyzeDotnet(text: string): Reason[] {
  const out: Reason[] = [];
  for (const c of chunks(text)) out.push(...analyzeChunk(c.text, c.firstLine));
  return out;
}

function analyzeChunk(text: string, firstLine: number): Reason[] {
  const page = lexPage(text, true, firstLine);
  const v = page.view;
  const found = new Findings(v);
  xsltScript(v.code, found, "aspx");
  obfuscation(v.bare, found, "aspx");
  // Most pages call none of the sinks: skip the flow pass for them.
  if (!HINT.test(v.bare)) return found.reasons();
  const vb = [...page.langs].some((l) => /^(?:vb|vbscript|visualbasic)$/.test(l)) && !/^(?:c#|cs|csharp|jscript|javascript)$/.test([...page.langs][0] ?? "");
  // The parameters of a [WebMethod] (asmx, page methods) are filled from the request.
  const seeds: string[] = [];
  for (const m of matches(WEB_METHOD, v.bare, 200)) {
    for (const [s, e] of splitTopRanges(v.bare, m.index + m[0].length, closeParenAt(v.bare, m.index + m[0].length - 1))) {
      const p = (vb ? VBN : CS).param(v.bare.slice(s, e));
      if (p) seeds.push(p);
    }
    if (seeds.length > 200) break;
  }
  const f = new Flow(v, { ...(vb ? VBN : CS), input: inputRe(page.controls) }, seeds);
  const code = v.code;

  const hasProcess = /\bprocess\b|\bprocessstartinfo\b/i.test(v.bare);
  const procHits = [...sinks(f, PROCESS)];
  if (hasProcess) procHits.push(...sinks(f, START_NOARG), ...[...sinks(f, STDIN)].filter((h) => f.taint(h.argS, h.argE) & INPUT));
  if (SHELL_OBJ.test(code)) procHits.push(...sinks(f, COM_RUN));
  for (const h of procHits) {
    // `psi.Arguments = x`: only the assigned value counts, not the object it lands on.
    if (v.bare[h.argS] === "=") h.t = f.taint(h.argS, h.argE);
    if (h.t & INPUT) found.add("aspx.input-to-process", "malicious", h.at, "Request input reaches a process start (Process.Start/ProcessStartInfo/shell).");
    else if (h.t & ENCODED) found.add("aspx.input-to-process", "malicious", h.at, "An encoded command line is started as a process.");
    else if (nonConstant(f, h.argS, h.argE, CONSTANTS)) {
      // A shell with a variable command counts on its own only in a page that reads request input.
      const shell = (SHELL_LIT.test(code.slice(h.argS, h.argE)) || SHELL_LIT.test(code.slice(h.recS, h.at))) && f.inputAt.length > 0;
      found.add("aspx.process-exec", "suspicious", h.at, shell ? "A shell (cmd/powershell/sh) is started with a variable command line." : "A process is started with a variable command line.", shell ? 5 : 4);
    }
  }
  if (procHits.length > 0 && /redirectstandardinput/i.test(v.bare)) {
    for (const h of sinks(f, TCP, 5)) {
      if (h.t & INPUT) found.add("aspx.reverse-shell", "malicious", h.at, "A TCP connection to a request-chosen host is wired to a started process (reverse shell).");
      else found.add("aspx.reverse-shell", "suspicious", h.at, "A TCP connection is wired to a started process's standard input (reverse shell).", 6);
    }
  }

  for (const h of sinks(f, EVAL)) {
    if (h.t & INPUT) found.add("aspx.input-to-eval", "malicious", h.at, "Request input reaches eval(): the page runs code sent by the client.");
    else if (h.t & ENCODED) found.add("aspx.input-to-eval", "malicious", h.at, "eval() runs code decoded from an encoded literal.");
    else if (/"unsafe"/i.test(code.slice(h.argS, h.argE))) found.add("aspx.unsafe-eval", "suspicious", h.at, 'JScript.NET eval(..., "unsafe") of a variable.', 5);
  }

  for (const h of sinks(f, ASM_LOAD)) {
    if (h.t & INPUT) found.add("aspx.assembly-load", "malicious", h.at, "An assembly is loaded from request bytes (in-memory shell loader).");
    else if (h.t & ENCODED) found.add("aspx.assembly-load", "malicious", h.at, "An assembly is loaded from an encoded or encrypted blob.");
  }
  for (const h of sinks(f, INVOKE)) {
    const rec = code.slice(h.recS, h.at);
    const argT = f.taint(h.argS, h.argE);
    if (/assembly[\s\S]{0,200}"load"/i.test(rec) && argT & (INPUT | ENCODED))
      found.add("aspx.assembly-load", "malicious", h.at, "Assembly.Load is invoked by reflection on request or encoded bytes.");
    else if (argT & INPUT) found.add("aspx.input-to-reflection", "suspicious", h.at, "A reflected method is invoked with request input.", 4);
  }
  for (const h of sinks(f, REFLECT_TYPE)) {
    const [s, e] = firstArg(f, h);
    const t = f.taint(s, e);
    if (t & INPUT) found.add("aspx.input-to-reflection", "malicious", h.at, "The request chooses the type that reflection loads or instantiates.");
    else if (t & ENCODED && !(f.taint(h.recS, h.at) & ENCODED)) found.add("aspx.input-to-reflection", "suspicious", h.at, "Reflection resolves a type from an encoded name.", 5);
  }
  // A method of a known type picked by name (an AJAX dispatcher) is weaker than an arbitrary type.
  for (const h of sinks(f, REFLECT_MEMBER)) {
    const [s, e] = firstArg(f, h);
    if (f.taint(s, e) & INPUT) found.add("aspx.input-to-reflection", "suspicious", h.at, "The request chooses the method that reflection calls.", 3);
  }
  const pr = PROC_REFLECT.exec(code);
  if (pr) {
    if (f.inputAt.length > 0) found.add("aspx.process-reflection", "malicious", pr.index, "Process.Start or Assembly.Load is reached by reflection in a page that reads request input.");
    else found.add("aspx.process-reflection", "suspicious", pr.index, "Process.Start or Assembly.Load is reached by reflection.", 5);
  }

  for (const h of sinks(f, COMPILE)) {
    if (h.t & (INPUT | ENCODED)) found.add("aspx.input-to-compiler", "malicious", h.at, "Source code from the request (or an encoded blob) is compiled and loaded.");
    else found.add("aspx.compiler", "suspicious", h.at, "The page compiles source code at run time.", 3);
  }

  fileRules(f, found);

  let connInput = false;
  for (const h of sinks(f, CONN, 100)) {
    if (f.taint(h.argS, h.argE) & INPUT) {
      found.add("aspx.sql-console", "suspicious", h.at, "A database connection string is taken from the request.", 3);
      connInput = true;
    }
  }
  if (connInput) {
    for (const h of sinks(f, SQL, 100)) {
      if (f.taint(h.argS, h.argE) & INPUT) found.add("aspx.sql-console", "suspicious", h.at, "SQL text from the request runs on a request-chosen database.", 3);
    }
  }
  if (FORMATTERS.test(v.bare)) {
    for (const h of sinks(f, DESER, 50)) {
      if (f.taint(h.argS, h.argE) & INPUT) found.add("aspx.input-deserialization", "malicious", h.at, "Request bytes are deserialized with a type-embedding formatter (code execution gadget).");
    }
  }
  const vpp = /\bregistervirtualpathprovider\b/i.exec(v.bare);
  if (vpp) found.add("aspx.memshell-inject", "suspicious", vpp.index, "The page registers a VirtualPathProvider at run time (in-memory shell).", 5);
  return found.reasons();
}

function fileRules(f: Flow, found: Findings): void {
  const v = f.v;
  const contentInput = CONTENT_INPUT.test(v.bare);
  for (const h of sinks(f, FILE_W)) {
    const parts = splitTopRanges(v.bare, h.argS, h.argE);
    const name = v.code.slice(h.at, h.at + 30).replace(/^\.\s*/, "").replace(/\s+/g, " ").split("(")[0]!.trim();
    const copy = /copy|move/i.test(name);
    const pathParts = copy ? parts.slice(0, 2) : parts.slice(0, 1);
    if (!pathParts.some(([s, e]) => f.leadIsInput(s, e))) continue;
    const dataT = parts.slice(1).some(([s, e]) => f.taint(s, e) & INPUT);
    if (contentInput || dataT || /saveas/i.test(name)) found.add("aspx.input-file-write", "malicious", h.at, `${name} writes request content to a request-chosen path (uploader).`);
    else found.add("aspx.input-file-write", "suspicious", h.at, `${name} writes to a path chosen by the request.`, 5);
  }
  for (const h of sinks(f, DELETE)) {
    const [s, e] = firstArg(f, h);
    if (f.leadIsInput(s, e)) found.add("aspx.file-manager", "suspicious", h.at, "A file or folder at a request-chosen path is deleted.", 3);
  }
  for (const h of sinks(f, LIST)) {
    const [s, e] = firstArg(f, h);
    if (f.leadIsInput(s, e)) found.add("aspx.file-manager", "suspicious", h.at, "A folder chosen by the request is listed.", 2);
  }
  for (const h of sinks(f, READ)) {
    const [s, e] = firstArg(f, h);
    if (f.leadIsInput(s, e)) found.add("aspx.file-manager", "suspicious", h.at, "A file at a request-chosen path is read back to the client.", 2);
  }
  const drives = DRIVES.exec(v.bare);
  if (drives) found.add("aspx.file-manager", "suspicious", drives.index, "The page enumerates the server's drives.", 2);
}
