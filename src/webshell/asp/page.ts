/**
 * WS-8: splits a classic ASP or ASP.NET page into its server-side code: `<% %>`, `<%= %>`
 * (and `<%: %> <%# %>`), `<script runat="server">`, and for .ashx/.asmx handlers everything
 * after the `<%@ WebHandler %>` directive. Each region is lexed in its language (VBScript /
 * VB.NET, JScript, C#); template text and `<%-- --%>` comments become blank lines.
 */
import { CodeBuilder, type CodeView, lexCLike, lexVB, matches } from "./code.ts";

export interface PageCode {
  view: CodeView;
  /** Languages seen (lowercased): the page's default and any `<script runat=server language=...>`. */
  langs: Set<string>;
  /** Ids of server controls (`<asp:TextBox id="x" runat="server">`): their `.Text` is request input. */
  controls: Set<string>;
  /** Raw text of the `<%@ ... %>` directives (imports, languages). */
  directives: string;
  /** Offset in the view of a VBScript.Encode / JScript.Encode block, or -1. */
  encodedAt: number;
}

type Lexer = "vb" | "js" | "cs";

function lexerOf(lang: string, dotnet: boolean): Lexer {
  const l = lang.toLowerCase();
  if (/^(?:vb|vbs|vbscript|visualbasic|vb\.net|vbscript\.encode)$/.test(l)) return "vb";
  if (/^(?:js|jscript|javascript|jscript\.encode|ecmascript)$/.test(l)) return "js";
  if (/^(?:c#|cs|csharp)$/.test(l)) return "cs";
  return dotnet ? "cs" : "vb";
}

function lex(src: string, s: number, e: number, out: CodeBuilder, lx: Lexer): void {
  if (lx === "vb") lexVB(src, s, e, out);
  else lexCLike(src, s, e, out, lx === "cs" ? { verbatim: true } : { singleQuoteStrings: true });
  out.code(lx === "vb" ? " :" : " ;");
  out.newlines(out.owed);
  out.owed = 0;
}

const LANG_ATTR = /\blanguage\s*=\s*["']?([\w#.]{1,20})/i;
const OPEN = /<%|<script\b[^>]{0,600}>/gi;
const SCRIPT_END = /<\/script\s*>/gi;
const CONTROL = /<(?:[\w-]{1,20}:[\w-]{1,40}|input|textarea|select)\b[^>]{0,800}>/gi;
const ENCODE_MARK = /#@~\^[\w+/]{6}==/;

export function lexPage(text: string, dotnet: boolean, firstLine = 1): PageCode {
  const out = new CodeBuilder();
  const langs = new Set<string>();
  const controls = new Set<string>();
  let directives = "";
  let encodedAt = -1;
  const firstDirective = /<%@([^%]{0,2000})%>/.exec(text);
  const pageLang = (firstDirective && LANG_ATTR.exec(firstDirective[1]!)?.[1]) || (dotnet ? "c#" : "vbscript");
  langs.add(pageLang.toLowerCase());
  const pageLx = lexerOf(pageLang, dotnet);
  if (/\.encode\b/i.test(pageLang)) encodedAt = 0;
  // .ashx / .asmx: the directive is followed by plain code.
  const handler = dotnet && firstDirective && /^\s*(?:WebHandler|WebService)\b/i.test(firstDirective[1]!);
  let pos = 0;
  if (handler) {
    const d = firstDirective!;
    out.blank(text, 0, d.index);
    directives += d[1]! + "\n";
    out.blank(text, d.index, d.index + d[0].length);
    pos = d.index + d[0].length;
    lex(text, pos, text.length, out, pageLx);
    return { view: out.build(firstLine), langs, controls, directives, encodedAt };
  }
  if (dotnet) {
    for (const m of matches(CONTROL, text, 5000)) {
      if (controls.size > 500) break;
      if (!/\brunat\s*=\s*["']?server/i.test(m[0])) continue;
      const id = /\bid\s*=\s*["']?([A-Za-z_]\w{0,60})/i.exec(m[0]);
      if (id) controls.add(id[1]!.toLowerCase());
    }
  }
  OPEN.lastIndex = 0;
  for (;;) {
    OPEN.lastIndex = pos;
    const m = OPEN.exec(text);
    if (!m) break;
    out.blank(text, pos, m.index);
    if (m[0] === "<%") {
      const start = m.index;
      if (text.startsWith("<%--", start)) {
        const e = text.indexOf("--%>", start + 4);
        const end = e < 0 ? text.length : e + 4;
        out.blank(text, start, end);
        pos = end;
        continue;
      }
      const e = text.indexOf("%>", start + 2);
      const end = e < 0 ? text.length : e;
      let s = start + 2;
      const kind = text[s];
      if (kind === "@") {
        directives += text.slice(s + 1, end) + "\n";
        out.blank(text, start, Math.min(text.length, end + 2));
        pos = Math.min(text.length, end + 2);
        continue;
      }
      if (encodedAt < 0 && ENCODE_MARK.test(text.slice(s, Math.min(end, s + 40)))) encodedAt = out.length;
      if (kind === "=" || kind === ":" || kind === "#" || kind === "$") s++;
      lex(text, s, end, out, pageLx);
      pos = Math.min(text.length, end + 2);
      continue;
    }
    // <script ...>: server-side only with runat=server.
    const tag = m[0];
    SCRIPT_END.lastIndex = m.index + tag.length;
    const close = SCRIPT_END.exec(text);
    const cEnd = close ? close.index : text.length;
    const after = close ? close.index + close[0].length : text.length;
    if (!/\brunat\s*=\s*["']?server/i.test(tag)) {
      out.blank(text, m.index, after);
      pos = after;
      continue;
    }
    const lang = LANG_ATTR.exec(tag)?.[1] ?? pageLang;
    langs.add(lang.toLowerCase());
    if (/\.encode\b/i.test(lang) && encodedAt < 0) encodedAt = 0;
    out.blank(tag);
    lex(text, m.index + tag.length, cEnd, out, lexerOf(lang, dotnet));
    out.blank(text, cEnd, after);
    pos = after;
  }
  out.blank(text, pos, text.length);
  return { view: out.build(firstLine), langs, controls, directives, encodedAt };
}
