/**
 * WS-8: JSP/JSPX heuristics. Families (ids `jsp.<family>`): input-to-exec, process-exec,
 * input-to-script, script-engine, input-to-classloader, custom-classloader, bcel-loader,
 * input-to-reflection, runtime-reflection, input-to-compiler, embedded-class, input-deserialization, jndi-lookup,
 * input-file-write, file-manager, memshell-inject, el-abuse, unicode-escape, reverse-shell, obfuscation,
 * sql-console.
 */
import type { Reason } from "../types.ts";
import { matches } from "../asp/code.ts";
import { ENCODED, Flow, type FlowLang, INPUT, firstArg, nonConstant, sinks, splitTopRanges } from "../asp/flow.ts";
import { Findings, chunks, obfuscation } from "../asp/report.ts";
import { lexJsp } from "./lex.ts";

const INPUT_RE =
  /\.\s*get(?:Parameter|ParameterValues|ParameterMap|ParameterNames|Header|Headers|QueryString|Cookies|Part|Parts)\s*\(|[Rr]eq[\w$]*\s*\)?\s*\.\s*get(?:InputStream|Reader)\s*\(|\bgetRequest\s*\(\s*\)\s*\.\s*get(?:InputStream|Reader)\s*\(/;

const IGNORE = new Set(
  "if for while switch catch synchronized return new this super true false null final static public private protected void int long short byte char boolean double float String Object Class class extends implements try throw throws else do instanceof import package request response out application pageContext config page var".split(" "),
);
const CONSTANTS = new Set([...IGNORE, "File", "separator", "Runtime", "getRuntime", "exec", "ProcessBuilder", "System", "getProperty", "lineSeparator"]);

const JAVA: FlowLang = {
  ci: false,
  input: INPUT_RE,
  encoded: /[Bb]ase64|BASE64|decodeBuffer|\bCipher\b|\bdoFinal\b|GZIPInputStream|InflaterInputStream|[Dd]ecrypt|\bnew\s+String\s*\(\s*new\s+(?:byte|char)\s*\[\s*\]\s*\{/,
  encodedCode: /yv66vg|\$\$BCEL\$\$/,
  blobMin: 100,
  assign: "clike",
  func: "clike",
  param: (p) => /([A-Za-z_$][\w$]*)\s*$/.exec(p.replace(/@\w+/g, "").replace(/<[^<>]*>/g, ""))?.[1] ?? null,
  wrappers:
    /^\s*(?:new\s+(?:java\.io\.)?File(?:InputStream|OutputStream|Writer|Reader)?\s*\(|URLDecoder\s*\.\s*decode\s*\(|String\s*\.\s*valueOf\s*\(|Paths\s*\.\s*get\s*\(|new\s+String\s*\(|[\w$.]*getRealPath\s*\()/,
  stmtEnd: ";",
  ignore: IGNORE,
  mutators: /\.\s*(?:setAttribute|putValue|put|add|addAll|append|setValue|write)\s*\(/g,
  loops: /\bfor\s*\(\s*(?:final\s+)?[\w$.<>[\],? ]{1,120}?\s([A-Za-z_$][\w$]*)\s*:\s*([^;{)]{1,300})\)/g,
  readInto: /\.\s*read(?:Fully|NBytes)?\s*\(\s*([A-Za-z_$][\w$]*)/g,
};

const HINT = /\b(?:JavaCompiler|getSystemJavaCompiler|Expression|Statement)\b|\.\s*(?:exec|command|eval|evaluate|parseExpression|create\w*Expression|getValue|loadClass|invoke|newInstance|lookup|write|renameTo|delete\w*|listFiles|list|setLastModified|getMethod|getDeclared\w+|getConstructor|getField)\s*\(|\b(?:ProcessBuilder|defineClass|define\w+Class|URLClassLoader|ClassLoader|forName|ObjectInputStream|XMLDecoder|File\w*|Files|RandomAccessFile|PrintWriter|PrintStream|DriverManager|TemplatesImpl|forkAndExec|Socket)\b/;
const RUNTIME_VAR = /\b([A-Za-z_$][\w$]*)\s*=\s*(?:\(\s*(?:java\.lang\.)?Runtime\s*\)\s*)?[\w$.]*getRuntime\s*\(\s*\)/g;
const RUNTIME_EXEC = /\.\s*exec(?=\s*\()/g;
const PROCESS_BUILDER = /\bnew\s+(?:java\.lang\.)?ProcessBuilder\b|\.\s*command(?=\s*\()/g;
const SOCKET = /\bnew\s+(?:java\.net\.)?Socket(?=\s*\()/g;
const SHELL_LIT = /\bcmd(?:\.exe)?\b|\/bin\/(?:ba|da|z)?sh\b|\bbash\b|\bpowershell(?:\.exe)?\b/;
const SCRIPT = /\.\s*(?:eval|evaluate|parseExpression|createValueExpression|createMethodExpression)(?=\s*\()|\bOgnl\s*\.\s*getValue\b|\bMVEL\s*\.\s*eval\b/g;
const SCRIPT_PAYLOAD = /java\.lang\.Runtime|getRuntime|ProcessBuilder|\.exec\s*\(|defineClass|request\.getParameter|getInputStream/;
const SCRIPT_HOST = /\b(?:ScriptEngine\w*|getEngineBy\w+|javax\.script|ELProcessor|ExpressionFactory|javax\.el|GroovyShell|bsh\.Interpreter|Interpreter|Ognl|SpelExpressionParser|MVEL|JShell|Nashorn\w*)\b/;
const CLASSLOAD = /\bdefineClass(?=\s*\()|\bnew\s+(?:java\.net\.)?URLClassLoader\b|\.\s*loadClass(?=\s*\()|\bdefine(?:Anonymous|Hidden)Class(?=\s*\()/g;
const REFLECT_NAME = /\bClass\s*\.\s*forName(?=\s*\()|\.\s*(?:getMethod|getDeclaredMethod|getConstructor|getDeclaredConstructor|getField|getDeclaredField)(?=\s*\()/g;
const INVOKE = /\.\s*(?:invoke|newInstance)(?=\s*\()/g;
const RUNTIME_REFLECT =
  /(?:forName|getMethod|getDeclaredMethod|loadClass)\s*\(\s*"(?:java\.lang\.(?:Runtime|ProcessBuilder|ProcessImpl|UNIXProcess)|getRuntime|exec|forkAndExec|start)"/;
const BEANS_EXPR = /\bnew\s+(?:java\.beans\.)?(?:Expression|Statement)(?=\s*\()/g;
const DESER = /\bnew\s+(?:java\.io\.)?ObjectInputStream\b|\bnew\s+(?:java\.beans\.)?XMLDecoder\b/g;
const JNDI = /\.\s*lookup(?=\s*\()/g;
const FILE_W =
  /\bnew\s+(?:java\.io\.)?(?:FileOutputStream|FileWriter|RandomAccessFile|PrintWriter|PrintStream)\b|\bFiles\s*\.\s*(?:write|writeString|copy|move|newOutputStream|newBufferedWriter)(?=\s*\()|\.\s*write(?=\s*\(\s*new\s+(?:java\.io\.)?File\s*\()|\.\s*renameTo(?=\s*\()/g;
const CONTENT_INPUT = /[Rr]eq[\w$]*\s*\)?\s*\.\s*(?:getInputStream|getPart|getParts|getReader)\s*\(|\b(?:FileItem|ServletFileUpload|DiskFileItemFactory|MultipartRequest|Part)\b/;
const DELETE = /\.\s*delete(?:OnExit)?(?=\s*\(\s*\))|\bFiles\s*\.\s*delete(?:IfExists)?(?=\s*\()/g;
const LIST = /\.\s*(?:listFiles|list)(?=\s*\(\s*\))/g;
const READ = /\bnew\s+(?:java\.io\.)?(?:FileInputStream|FileReader)\b|\bFiles\s*\.\s*(?:readAllBytes|readAllLines|newInputStream|lines)(?=\s*\()/g;
const TIMESTOMP = /\.\s*setLastModified(?=\s*\()/g;
const SQL_CONN = /\bDriverManager\s*\.\s*getConnection(?=\s*\()/g;
const SQL_EXEC = /\.\s*(?:executeQuery|executeUpdate|execute|prepareStatement|addBatch)(?=\s*\()/g;

/** Container internals a page needs only to plant a filter/servlet/listener/valve in memory. */
const MEMSHELL_APIS: Array<[string, RegExp]> = [
  ["StandardContext", /\bStandardContext\b/],
  ["ApplicationFilterConfig", /\bApplicationFilterConfig\b/],
  ["FilterDef", /\bFilterDef\b/],
  ["FilterMap", /\bFilterMap\b/],
  ["addFilterMapBefore", /\baddFilterMap(?:Before)?\b/],
  ["filterConfigs", /\bfilterConfigs\b/],
  ["addServletMappingDecoded", /\baddServletMapping(?:Decoded)?\b/],
  ["createWrapper", /\bcreateWrapper\b/],
  ["addApplicationEventListener", /\baddApplicationEventListener\b/],
  ["addValve", /\bgetPipeline\s*\(\s*\)\s*\.\s*addValve\b/],
  ["ServerEndpointConfig", /\bServerEndpointConfig\b/],
  ["registerMapping", /\bregisterMapping\b/],
  ["RequestMappingHandlerMapping", /\bRequestMappingHandlerMapping\b/],
  ["ApplicationContextFacade", /\bApplicationContextFacade\b/],
  ["addFilterWithMapping", /\baddFilterWithMapping\b/],
  ["StandardWrapper", /\bStandardWrapper\b/],
];

const EL_STRONG = /\b(?:getRuntime|exec\s*\(|ScriptEngineManager|getEngineByName|ProcessBuilder|defineClass|forName|newInstance|JavaWrapper|URLClassLoader|ClassLoader)\b/;
// `${exception.getClass().name}` is common in error pages; reflection beyond it is not.
const EL_WEAK = /\b(?:getMethod|getDeclaredMethod|getDeclaredField|setAccessible|invoke\s*\()/;

export function analyzeJsp(text: string): Reason[] {
  const out: Reason[] = [];
  for (const c of chunks(text)) out.push(...analyzeChunk(c.text, c.firstLine));
  return out;
}

function analyzeChunk(text: string, firstLine: number): Reason[] {
  const page = lexJsp(text, firstLine);
  const v = page.view;
  const found = new Findings(v);
  elRules(page.el, found);
  if (page.asciiEscapes >= 10) found.add("jsp.unicode-escape", "suspicious", page.escapeAt, `The code hides ${page.asciiEscapes} plain ASCII characters behind \\u escapes.`, 5);
  const code = v.code;
  const bare = v.bare;
  memshell(code, bare, found);
  obfuscation(bare, found, "jsp");
  // Most pages call none of the sinks: skip the flow pass for them.
  if (!HINT.test(bare) && !/"define\w*Class"|\$\$BCEL\$\$|"java\.lang\.|"(?:yv66vg|UEsDB)/.test(code)) return found.reasons();
  const f = new Flow(v, JAVA);
  const fileInput = INPUT_RE.test(bare);

  // `.exec(` counts only on a Runtime: a receiver naming it, or a variable holding getRuntime().
  const runtimeVars = new Set(matches(RUNTIME_VAR, bare, 100).map((m) => m[1]!));
  const onRuntime = (h: { recS: number; at: number }): boolean => {
    const rec = bare.slice(h.recS, h.at);
    return /Runtime/.test(rec) || runtimeVars.has((/^\s*\(*\s*([A-Za-z_$][\w$]*)/.exec(rec) ?? [])[1] ?? "");
  };
  const execHits = /\b(?:Runtime|getRuntime)\b/.test(code) ? [...sinks(f, RUNTIME_EXEC)].filter(onRuntime) : [];
  execHits.push(...sinks(f, PROCESS_BUILDER));
  for (const h of execHits) {
    if (h.t & INPUT) found.add("jsp.input-to-exec", "malicious", h.at, "Request input reaches Runtime.exec/ProcessBuilder: the page runs commands sent by the client.");
    else if (h.t & ENCODED) found.add("jsp.input-to-exec", "malicious", h.at, "A command decoded from an encoded literal is executed.");
    else if (nonConstant(f, h.argS, h.argE, CONSTANTS)) {
      // A shell with a variable command counts on its own only in a page that reads request input.
      const shell = SHELL_LIT.test(code.slice(h.argS, h.argE)) && fileInput;
      found.add("jsp.process-exec", "suspicious", h.at, shell ? "A shell (sh/cmd) is run with a variable command line." : "A process is run with a variable command line.", shell ? 5 : 4);
    }
  }
  if (execHits.length > 0 && /getOutputStream/.test(bare)) {
    for (const h of sinks(f, SOCKET, 5)) {
      if (h.t & INPUT) found.add("jsp.reverse-shell", "malicious", h.at, "A socket to a request-chosen host is wired to a started process (reverse shell).");
      else found.add("jsp.reverse-shell", "suspicious", h.at, "A socket is wired to a started process's streams (reverse shell).", 6);
    }
  }

  if (SCRIPT_HOST.test(code)) {
    for (const h of sinks(f, SCRIPT)) {
      if (h.t & INPUT) found.add("jsp.input-to-script", "malicious", h.at, "Request input is evaluated by a script/expression engine (JavaScript, EL, Groovy, OGNL...).");
      else if (h.t & ENCODED) found.add("jsp.input-to-script", "malicious", h.at, "An encoded script is evaluated by a script engine.");
      else if (SCRIPT_PAYLOAD.test(code.slice(h.argS, h.argE))) found.add("jsp.input-to-script", "malicious", h.at, "A script engine runs embedded code that reaches Runtime/ProcessBuilder or the request.");
      else if (nonConstant(f, h.argS, h.argE, CONSTANTS)) found.add("jsp.script-engine", "suspicious", h.at, "A script engine evaluates variable code.", 3);
    }
  }

  let classLoaderHits = 0;
  for (const h of sinks(f, CLASSLOAD)) {
    classLoaderHits++;
    if (h.t & INPUT) found.add("jsp.input-to-classloader", "malicious", h.at, "Class bytes or a class path from the request are loaded (memory-shell loader).");
    else if (h.t & ENCODED) found.add("jsp.input-to-classloader", "malicious", h.at, "A class is defined from encoded or encrypted bytes.");
  }
  const subclass = /\bextends\s+(?:java\.lang\.|java\.security\.Secure)?ClassLoader\b/.exec(bare);
  if (subclass && !found.has("jsp.input-to-classloader")) found.add("jsp.custom-classloader", "suspicious", subclass.index, "The page declares its own ClassLoader (a class-bytes loader).", 5);
  const reflectiveDefine = /"define(?:Class|AnonymousClass|HiddenClass)"/.exec(code);
  if (reflectiveDefine) {
    if (fileInput || /yv66vg|\$\$BCEL\$\$/.test(code)) found.add("jsp.input-to-classloader", "malicious", reflectiveDefine.index, "ClassLoader.defineClass is reached by reflection in a page that reads request input.");
    else found.add("jsp.custom-classloader", "suspicious", reflectiveDefine.index, "ClassLoader.defineClass is reached by reflection.", 5);
  }
  const bcel = /\$\$BCEL\$\$|\bbcel\.internal\.util\.ClassLoader\b/.exec(code);
  if (bcel) found.add("jsp.bcel-loader", "malicious", bcel.index, "The page loads a class through the BCEL ClassLoader ($$BCEL$$ bytecode in a name).");
  const templates = /\bTemplatesImpl\b/.exec(bare);
  if (templates && /_bytecodes/.test(code)) found.add("jsp.bcel-loader", "malicious", templates.index, "TemplatesImpl is fed _bytecodes (class definition gadget).");

  // forName(input) with an invocation is arbitrary code; a method of a known class picked by name is weaker.
  const invokes = /\.\s*(?:invoke|newInstance)\s*\(/.test(bare);
  for (const h of sinks(f, REFLECT_NAME)) {
    const [s, e] = firstArg(f, h);
    const t = f.taint(s, e);
    const forName = /forName/.test(code.slice(h.at, h.at + 20));
    if (t & INPUT && forName && invokes) found.add("jsp.input-to-reflection", "malicious", h.at, "The request chooses the class that reflection loads and invokes.");
    else if (t & INPUT) found.add("jsp.input-to-reflection", "suspicious", h.at, "The request chooses the class or method that reflection resolves.", forName ? 4 : 3);
    else if (t & ENCODED && forName) found.add("jsp.input-to-reflection", "malicious", h.at, "Reflection resolves a class from an encoded name.");
    else if (t & ENCODED) found.add("jsp.input-to-reflection", "suspicious", h.at, "Reflection resolves a method or field from an encoded name.", 5);
  }
  for (const h of sinks(f, INVOKE)) {
    // In a page that defines or loads classes itself, instantiating one with request input is the loader's payoff.
    if (h.t & INPUT && classLoaderHits > 0) found.add("jsp.input-to-classloader", "malicious", h.at, "A class the page loads itself is instantiated or invoked with request input.");
    else if (f.taint(h.argS, h.argE) & INPUT) found.add("jsp.input-to-reflection", "suspicious", h.at, "A reflected method or constructor is invoked with request input.", 4);
  }
  // A class file (0xCAFEBABE = "yv66vg") or a jar (PK = "UEsDB") carried in the page's own text.
  const blob = /"(?:yv66vg|UEsDB)[A-Za-z0-9+/=]{200}/.exec(code);
  if (blob) {
    if (classLoaderHits > 0 || /\bClassLoader\b|\bforName\b/.test(bare)) found.add("jsp.embedded-class", "malicious", blob.index, "The page carries an encoded class/jar and loads classes at run time.");
    else found.add("jsp.embedded-class", "suspicious", blob.index, "The page carries an encoded Java class or jar.", 5);
  }
  // java.beans.Expression/Statement call a method by name on a target: Method.invoke without the word.
  for (const h of sinks(f, BEANS_EXPR, 50)) {
    if (!(f.taint(h.argS, h.argE) & (INPUT | ENCODED))) continue;
    if (/\b(?:Runtime|ProcessBuilder)\b/.test(code)) found.add("jsp.input-to-reflection", "malicious", h.at, "java.beans.Expression/Statement calls a method with request input on Runtime/ProcessBuilder.");
    else found.add("jsp.input-to-reflection", "suspicious", h.at, "java.beans.Expression/Statement calls a method with request input.", 4);
  }
  const javac = /\b(?:getSystemJavaCompiler|JavaCompiler|javax\.tools\.ToolProvider)\b/.exec(bare);
  if (javac && /\.\s*(?:getTask|run)\s*\(/.test(bare)) {
    if (fileInput) found.add("jsp.input-to-compiler", "malicious", javac.index, "The page compiles Java source at run time in a page that reads request input.");
    else found.add("jsp.input-to-compiler", "suspicious", javac.index, "The page compiles Java source at run time.", 5);
  }
  const rr = RUNTIME_REFLECT.exec(code);
  if (rr) {
    if (fileInput) found.add("jsp.runtime-reflection", "malicious", rr.index, "Runtime/ProcessBuilder is reached by reflection in a page that reads request input.");
    else found.add("jsp.runtime-reflection", "suspicious", rr.index, "Runtime/ProcessBuilder is reached by reflection.", 5);
  }
  const native = /\bforkAndExec\b|"java\.lang\.(?:ProcessImpl|UNIXProcess)"|\bProcessImpl\s*\.\s*start\b/.exec(code);
  if (native && !rr) found.add("jsp.runtime-reflection", "suspicious", native.index, "The page calls the JDK's internal process launcher directly.", 5);

  for (const h of sinks(f, DESER, 50)) {
    if (h.t & INPUT) found.add("jsp.input-deserialization", "malicious", h.at, "Request bytes are deserialized (ObjectInputStream/XMLDecoder): a code-execution gadget.");
    else if (h.t & ENCODED && /rO0AB/.test(code)) found.add("jsp.input-deserialization", "malicious", h.at, "An embedded serialized Java object is deserialized (gadget chain carried in the page).");
  }
  if (/\b(?:InitialContext|Context)\b/.test(bare)) {
    for (const h of sinks(f, JNDI, 50)) {
      if (f.taint(h.argS, h.argE) & INPUT) found.add("jsp.jndi-lookup", "suspicious", h.at, "A JNDI name chosen by the request is looked up (remote class loading).", 5);
    }
  }

  fileRules(f, found);

  let connInput = false;
  for (const h of sinks(f, SQL_CONN, 50)) {
    if (f.taint(h.argS, h.argE) & INPUT) {
      found.add("jsp.sql-console", "suspicious", h.at, "A JDBC connection is opened to a request-chosen URL/account.", 3);
      connInput = true;
    }
  }
  if (connInput) {
    for (const h of sinks(f, SQL_EXEC, 100)) {
      if (f.taint(h.argS, h.argE) & INPUT) found.add("jsp.sql-console", "suspicious", h.at, "SQL text from the request runs on a request-chosen database.", 3);
    }
  }
  return found.reasons();
}

function elExcerpt(t: string): string {
  return `\${${t.replace(/\s+/g, " ").slice(0, 115)}}`;
}

function elRules(el: Array<{ text: string; at: number }>, found: Findings): void {
  for (const e of el) {
    if (EL_STRONG.test(e.text)) found.add("jsp.el-abuse", "malicious", e.at, "An EL expression reaches Runtime, class loading or a script engine.", 0, elExcerpt(e.text));
    else if (EL_WEAK.test(e.text)) found.add("jsp.el-abuse", "suspicious", e.at, "An EL expression uses reflection (getMethod/invoke/setAccessible).", 5, elExcerpt(e.text));
  }
}

/** Request text written to some stream other than the page's own output (`fos.write(data.getBytes())`). */
function writesInput(f: Flow, re: RegExp, pageOut: RegExp): boolean {
  for (const h of sinks(f, re, 200)) {
    if (pageOut.test(f.v.bare.slice(h.recS, h.at))) continue;
    if (f.taint(h.argS, h.argE) & INPUT) return true;
  }
  return false;
}

function fileRules(f: Flow, found: Findings): void {
  const v = f.v;
  const contentInput = CONTENT_INPUT.test(v.bare) || writesInput(f, /\.\s*(?:write|writeBytes|print|println|append)(?=\s*\()/g, /^\s*(?:out|response\b.*|pageContext\b.*|System\s*\.\s*(?:out|err))\s*$/);
  for (const h of sinks(f, FILE_W)) {
    const parts = splitTopRanges(v.bare, h.argS, h.argE);
    const name = v.code.slice(h.at, h.at + 40).replace(/^\.\s*/, "").replace(/\s+/g, " ").split("(")[0]!.trim();
    const multi = /copy|move|renameTo/.test(name);
    const pathParts = multi ? parts.slice(0, 2) : parts.slice(0, 1);
    const recv = /renameTo/.test(name) ? [[h.recS, h.at] as [number, number]] : [];
    if (![...pathParts, ...recv].some(([s, e]) => f.leadIsInput(s, e))) continue;
    const dataT = parts.slice(1).some(([s, e]) => f.taint(s, e) & INPUT);
    if (/renameTo/.test(name)) found.add("jsp.file-manager", "suspicious", h.at, "A file at a request-chosen path is renamed/moved.", 2);
    else if (contentInput || dataT) found.add("jsp.input-file-write", "malicious", h.at, `${name} writes request content to a request-chosen path (uploader).`);
    else found.add("jsp.input-file-write", "suspicious", h.at, `${name} writes to a path chosen by the request.`, 5);
  }
  // A later write of request text to an output opened on a request path (fos.write(request.getParameter(...))).
  for (const h of sinks(f, DELETE)) {
    const [s, e] = /Files/.test(v.code.slice(h.at, h.at + 8)) ? firstArg(f, h) : [h.recS, h.at];
    if (f.leadIsInput(s, e)) found.add("jsp.file-manager", "suspicious", h.at, "A file at a request-chosen path is deleted.", 3);
  }
  for (const h of sinks(f, LIST)) {
    if (f.leadIsInput(h.recS, h.at)) found.add("jsp.file-manager", "suspicious", h.at, "A folder chosen by the request is listed.", 2);
  }
  for (const h of sinks(f, READ)) {
    const [s, e] = firstArg(f, h);
    if (f.leadIsInput(s, e)) found.add("jsp.file-manager", "suspicious", h.at, "A file at a request-chosen path is read.", 2);
  }
  for (const h of sinks(f, TIMESTOMP)) found.add("jsp.file-manager", "suspicious", h.at, "A file's modification time is rewritten (time-stomping).", 3);
  const roots = /\bFile\s*\.\s*listRoots\s*\(/.exec(v.bare);
  if (roots) found.add("jsp.file-manager", "suspicious", roots.index, "The page enumerates the file-system roots.", 2);
}

function memshell(code: string, bare: string, found: Findings): void {
  const seen: string[] = [];
  let first = -1;
  for (const [name, re] of MEMSHELL_APIS) {
    const m = re.exec(bare) ?? re.exec(code);
    if (!m) continue;
    seen.push(name);
    if (first < 0 || m.index < first) first = m.index;
  }
  if (seen.length >= 3) found.add("jsp.memshell-inject", "malicious", first, `The page plants a filter/servlet/listener/valve in the running container (${seen.slice(0, 4).join(", ")}).`);
  else if (seen.length === 2) found.add("jsp.memshell-inject", "suspicious", first, `The page touches container internals used to plant in-memory shells (${seen.join(", ")}).`, 5);
}
