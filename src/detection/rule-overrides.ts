import { z } from "zod";
import { durationSchema } from "../protocol/index.ts";
import type { Rule } from "./rule.schema.ts";

/** BF-1: an account's changes to a shipped rule — switched off, or another threshold/window. */
export const ruleOverride = z
  .object({
    enabled: z.boolean().optional().describe("false switches the rule off for this account."),
    count: z.number().int().min(1).max(100_000).optional().describe("Threshold rules: how many (distinct) matches fire."),
    window: durationSchema.optional().describe("Threshold rules: within how long, e.g. \"10m\", \"6h\"."),
    sustainFor: durationSchema.optional().describe("Sustained rules (MIN-1): how long matching samples must keep coming, e.g. \"5m\"."),
  })
  .strict();
export type RuleOverride = z.infer<typeof ruleOverride>;
export type RuleOverrides = Record<string, RuleOverride>;

export const RULE_OVERRIDES_KEY = "detection.overrides";

/** The rules with an account's overrides applied (unknown rule ids are ignored). */
export function applyRuleOverrides(rules: readonly Rule[], o: RuleOverrides): Rule[] {
  return rules.map((r) => {
    const x = o[r.id];
    if (!x) return r;
    const out: Rule = { ...r, enabled: x.enabled ?? r.enabled };
    if (r.threshold && (x.count !== undefined || x.window !== undefined || x.sustainFor !== undefined)) {
      out.threshold = { ...r.threshold, count: x.count ?? r.threshold.count, window: x.window ?? r.threshold.window };
      if (r.threshold.sustain && x.sustainFor !== undefined) out.threshold.sustain = { ...r.threshold.sustain, for: x.sustainFor };
    }
    return out;
  });
}
