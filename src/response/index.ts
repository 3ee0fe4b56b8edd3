export * from "./ip-policy-service.ts";
