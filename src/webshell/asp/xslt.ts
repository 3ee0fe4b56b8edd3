/**
 * WS-8: an XSLT stylesheet with an `msxsl:script` block runs JScript/C# inside MSXML or
 * XslCompiledTransform: a way to reach WScript.Shell or Process without any call a scanner
 * looks for. Shared by the classic ASP and ASP.NET heuristics (`<lang>.xslt-script`).
 */
import type { Findings } from "./report.ts";

const SCRIPT = /msxsl:script/i;
const PAYLOAD = /ActiveXObject|wscript\.shell|shell\.application|Process\s*\.\s*Start|System\.Diagnostics|\beval\s*\(/i;

export function xsltScript(code: string, found: Findings, lang: "asp" | "aspx"): void {
  const m = SCRIPT.exec(code);
  if (!m) return;
  const tail = code.slice(m.index, m.index + 4000);
  if (PAYLOAD.test(tail)) found.add(`${lang}.xslt-script`, "malicious", m.index, "An embedded XSLT msxsl:script block runs a shell or eval.");
  else found.add(`${lang}.xslt-script`, "suspicious", m.index, "The page carries an XSLT msxsl:script block (script run by the XSLT engine).", 5);
}
