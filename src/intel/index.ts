export * from "./geoip.ts";
export * from "./ip-reputation.ts";
export * from "./indicators.ts";
export * from "./feeds.ts";
export * from "./intel-service.ts";
