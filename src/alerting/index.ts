export * from "./alert-service.ts";
export * from "./lifecycle.ts";
export * from "./whitelist.ts";
export * from "./logon-intel.ts";
export * from "./host-intel.ts";
export * from "./entities.ts";
export * from "./correlation.ts";
export * from "./events.ts";
