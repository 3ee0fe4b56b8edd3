/**
 * WS-8: splits a JSP/JSPX page into its Java code: `<% %>`, `<%! %>`, `<%= %>`, directives,
 * `<jsp:scriptlet|declaration|expression>` (XML-unescaped, CDATA unwrapped). Inside code,
 * `\uXXXX` escapes are decoded first, as javac does (`\u0052untime` is `Runtime`; an escaped
 * newline ends a `//` comment). Expression Language `${...}`/`#{...}` in the template is kept
 * aside for its own checks. Template text and `<%-- --%>` comments become blank lines.
 */
import { CodeBuilder, type CodeView, lexCLike } from "../asp/code.ts";

export interface JspCode {
  view: CodeView;
  /** EL expressions of the template with their offset in the view. */
  el: Array<{ text: string; at: number }>;
  /** `\uXXXX` escapes in code that stand for ASCII letters or digits: hiding, not i18n. */
  asciiEscapes: number;
  escapeAt: number;
}

const OPEN = /<%|<[\w-]{1,20}:(?:scriptlet|declaration|expression|directive\.page|directive\.include)\b[^>]{0,600}>|[$#]\{/g;
const MAX_EL = 2000;

/** Decodes Java unicode escapes (odd number of backslashes, any number of u's). */
export function decodeUnicode(src: string): { text: string; ascii: number } {
  let ascii = 0;
  if (!src.includes("\\u")) return { text: src, ascii };
  const text = src.replace(/(\\+)u+([0-9a-fA-F]{4})/g, (all, bs: string, hex: string) => {
    if (bs.length % 2 === 0) return all;
    const c = parseInt(hex, 16);
    // Letters and digits: what hides identifiers (`\u0052untime`); legitimate code escapes punctuation or non-ASCII text.
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) ascii++;
    const ch = c === 10 || c === 13 ? "\r" : String.fromCharCode(c);
    return bs.slice(1) + ch;
  });
  return { text, ascii };
}

function xmlUnescape(s: string): string {
  return s
    .replace(/<!\[CDATA\[|\]\]>/g, "")
    .replace(/&(?:lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (e) => {
      switch (e) {
        case "&lt;": return "<";
        case "&gt;": return ">";
        case "&amp;": return "&";
        case "&quot;": return '"';
        case "&apos;": return "'";
        default: {
          const n = e[2] === "x" ? parseInt(e.slice(3, -1), 16) : parseInt(e.slice(2, -1), 10);
          return n === 10 || n === 13 ? "\r" : String.fromCharCode(n > 0xffff ? 0xfffd : n);
        }
      }
    });
}

export function lexJsp(text: string, firstLine = 1): JspCode {
  const out = new CodeBuilder();
  const el: JspCode["el"] = [];
  let asciiEscapes = 0;
  let escapeAt = -1;
  const java = (src: string): void => {
    const d = decodeUnicode(src);
    if (d.ascii > 0) {
      if (escapeAt < 0) escapeAt = out.length;
      asciiEscapes += d.ascii;
    }
    lexCLike(d.text, 0, d.text.length, out);
    out.code(" ;");
  };
  let pos = 0;
  for (;;) {
    OPEN.lastIndex = pos;
    const m = OPEN.exec(text);
    if (!m) break;
    out.blank(text, pos, m.index);
    const tok = m[0];
    if (tok === "${" || tok === "#{") {
      // EL: up to the matching brace, bounded.
      let depth = 0;
      let e = m.index + 1;
      const stop = Math.min(text.length, m.index + MAX_EL);
      for (; e < stop; e++) {
        const ch = text[e];
        if (ch === "{") depth++;
        else if (ch === "}" && --depth === 0) break;
      }
      const end = Math.min(e + 1, text.length);
      if (el.length < 500) el.push({ text: xmlUnescape(text.slice(m.index + 2, Math.max(m.index + 2, end - 1))), at: out.length });
      out.blank(text, m.index, end);
      pos = end;
      continue;
    }
    if (tok === "<%") {
      if (text.startsWith("<%--", m.index)) {
        const e = text.indexOf("--%>", m.index + 4);
        const end = e < 0 ? text.length : e + 4;
        out.blank(text, m.index, end);
        pos = end;
        continue;
      }
      const e = text.indexOf("%>", m.index + 2);
      const end = e < 0 ? text.length : e;
      let s = m.index + 2;
      if (text[s] === "!" || text[s] === "=" || text[s] === "@") s++;
      java(text.slice(s, end));
      pos = Math.min(text.length, end + 2);
      continue;
    }
    // <jsp:scriptlet> & co, or a <jsp:directive.page .../> whose attributes matter (imports).
    const kind = /:([\w.]+)/.exec(tok)![1]!;
    if (kind.startsWith("directive") || tok.endsWith("/>")) {
      java(xmlUnescape(tok.replace(/^<[\w-]+:[\w.]+|\/?>$/g, "")));
      pos = m.index + tok.length;
      continue;
    }
    const prefix = /^<([\w-]+):/.exec(tok)![1]!;
    const closeTag = `</${prefix}:${kind}>`;
    const c = text.indexOf(closeTag, m.index + tok.length);
    const cEnd = c < 0 ? text.length : c;
    const body = text.slice(m.index + tok.length, cEnd);
    out.blank(tok);
    java(xmlUnescape(body));
    pos = c < 0 ? text.length : c + closeTag.length;
  }
  out.blank(text, pos, text.length);
  return { view: out.build(firstLine), el, asciiEscapes, escapeAt };
}
