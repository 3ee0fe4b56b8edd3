import type { LanguageAnalyzer, Reason } from "./types.ts";
import { analyzeJsp } from "./jsp/rules.ts";

/** WS-8 heuristics for JSP/JSPX: request input reaching Runtime.exec/ProcessBuilder, script engines, class loading (memory-shell loaders), reflection, uploaders, container injection, EL abuse. */
export const jspAnalyzer: LanguageAnalyzer = {
  lang: "jsp",
  analyze(text: string): Reason[] {
    return analyzeJsp(text);
  },
};
