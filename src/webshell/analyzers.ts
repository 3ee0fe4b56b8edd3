import type { LanguageAnalyzer, WebLang } from "./types.ts";
import { phpAnalyzer } from "./php.ts";
import { aspAnalyzer, aspxAnalyzer } from "./asp.ts";
import { jspAnalyzer } from "./jsp.ts";

/** The heuristic layer per language (WS-8). */
export const ANALYZERS: Record<WebLang, LanguageAnalyzer> = { php: phpAnalyzer, asp: aspAnalyzer, aspx: aspxAnalyzer, jsp: jspAnalyzer };
