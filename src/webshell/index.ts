export type { WebLang, Reason, ReasonSeverity, Verdict, VerdictKind, LanguageAnalyzer } from "./types.ts";
export { WebshellScanner, webLangOf, sniffLang, composeVerdict, SUSPICIOUS_THRESHOLD, HEURISTIC_MAX_BYTES, SIGNATURE_MAX_BYTES, MAX_REASONS, type ScanResult, type ScanOptions } from "./scanner.ts";
export { SignatureSet, shippedSignatures, loadSignatureFiles, SIGNATURES_DIR, type SignatureRule, type SignatureFile } from "./signatures.ts";
export { warmUp } from "./warmup.ts";
