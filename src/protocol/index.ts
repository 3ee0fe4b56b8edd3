export * from "./telemetry.schema.ts";
export * from "./agent.schema.ts";
export * from "./common.schema.ts";
