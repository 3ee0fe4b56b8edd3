import { z } from "zod";
import { parseDuration } from "../core/index.ts";

/** "30s", "10m", "1h30m", "7d" or milliseconds, parsed to milliseconds. */
export const durationSchema = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    return parseDuration(v);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});
