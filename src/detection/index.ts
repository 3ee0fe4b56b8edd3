export * from "./rule.schema.ts";
export * from "./engine.ts";
