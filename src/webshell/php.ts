import type { LanguageAnalyzer, Reason } from "./types.ts";
import { analyzePhp } from "./php/rules.ts";

/**
 * WS-8 / WS-6 heuristics for PHP: a lexer-lite and a light intra-file data flow find request
 * input reaching code or command execution, decoder chains into eval, obfuscated function
 * names, encoded blobs, file-manager / spy-shell traits, uploaders, back-connect shells,
 * mass mailers, and phpinfo() exposure (info).
 */
export const phpAnalyzer: LanguageAnalyzer = {
  lang: "php",
  analyze(text: string): Reason[] {
    return analyzePhp(text);
  },
};
