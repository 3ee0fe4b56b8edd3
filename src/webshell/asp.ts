import type { LanguageAnalyzer, Reason } from "./types.ts";
import { analyzeClassic } from "./asp/classic.ts";
import { analyzeDotnet } from "./asp/dotnet.ts";

/** WS-8 heuristics for classic ASP (VBScript/JScript): request input or encoded text reaching Execute/Eval, WScript.Shell, uploaders, file managers. */
export const aspAnalyzer: LanguageAnalyzer = {
  lang: "asp",
  analyze(text: string): Reason[] {
    return analyzeClassic(text);
  },
};

/** WS-8 heuristics for ASP.NET pages and handlers: Process.Start, eval "unsafe", Assembly.Load memory-shell loaders, reflection, compilers, uploaders. */
export const aspxAnalyzer: LanguageAnalyzer = {
  lang: "aspx",
  analyze(text: string): Reason[] {
    return analyzeDotnet(text);
  },
};
