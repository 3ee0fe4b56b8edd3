export * from "./rule.schema.ts";
export * from "./engine.ts";
export * from "./unusual-logon.ts";
export * from "./backdoor.ts";
export * from "./rule-overrides.ts";
