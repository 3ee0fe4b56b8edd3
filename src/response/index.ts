export * from "./ip-policy-service.ts";
export * from "./agent-actions.ts";
export * from "./quarantine.ts";
export * from "./playbooks.ts";
export * from "./risk.ts";
export * from "./recommend.ts";
