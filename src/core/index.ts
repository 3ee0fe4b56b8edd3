export * from "./clock.ts";
export * from "./errors.ts";
export * from "./ip.ts";
export * from "./model.ts";
export type * from "./ports.ts";
export * from "./ids.ts";
export * from "./owner.ts";
