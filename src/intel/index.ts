export * from "./geoip.ts";
export * from "./ip-reputation.ts";
