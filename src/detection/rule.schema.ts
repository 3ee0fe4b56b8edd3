import { z } from "zod";
import { durationSchema as duration } from "../protocol/index.ts";
import { parse as parseYaml } from "yaml";
import { parseDuration, SEVERITIES, UserError, ErrorCodes } from "../core/index.ts";


const fieldPath = z.string().regex(/^[a-z][a-zA-Z0-9_]*(\.[a-z][a-zA-Z0-9_]*)*$/, "a dotted field path such as source.ip");
const scalar = z.union([z.string(), z.number(), z.boolean()]);
const oneOrMany = z.union([z.string(), z.array(z.string()).min(1)]);
/**
 * Operators for a `where` entry, each optional, all must hold: `re` (RE2: linear time, never
 * backtracks on attacker text; `ignoreCase` for /i), `contains`/`startsWith`/`endsWith`
 * (any of the strings), `gte`/`lte` (numbers), `exists`, `not` (none of the values).
 */
const operators = z
  .object({
    re: z.string().optional(),
    ignoreCase: z.boolean().optional(),
    contains: oneOrMany.optional(),
    startsWith: oneOrMany.optional(),
    endsWith: oneOrMany.optional(),
    gte: z.number().optional(),
    lte: z.number().optional(),
    exists: z.boolean().optional(),
    not: z.union([scalar, z.array(scalar).min(1)]).optional(),
  })
  .strict()
  .refine((o) => Object.keys(o).some((k) => k !== "ignoreCase"), { message: "an operator object needs at least one operator" });
export type WhereOperators = z.infer<typeof operators>;

/**
 * A detection rule, Sigma-shaped (STYLE item 4). `where` holds field → value (or list of
 * values, any of which matches); every entry must hold. Then exactly one of:
 * - nothing: each matching record is a detection;
 * - `threshold`: `count` matching records within `window` per group;
 * - `after`: a matching record whose `join` fields equal those of a group that fired
 *   rule `after.rule` within `after.within`.
 */
export const ruleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/).describe("Stable rule id."),
    type: z.string().regex(/^[a-z][a-z0-9_]*$/).describe("Stable alert type name, e.g. ssh_brute_force."),
    name: z.string().min(1),
    description: z.string().default(""),
    severity: z.enum(SEVERITIES as [string, ...string[]]),
    record: z.string().describe("Telemetry kind the rule reads."),
    where: z.record(fieldPath, z.union([scalar, z.array(scalar).min(1), operators])).default({}),
    threshold: z
      .object({
        count: z.number().int().min(1),
        window: duration,
        groupBy: z.array(fieldPath).min(1),
        distinct: fieldPath.optional().describe("Count distinct values of this field instead of records (e.g. user.name for enumeration, source.ip for distributed campaigns, asset.id for one source probing many hosts)."),
        sustain: z
          .object({ for: duration, maxGap: duration })
          .strict()
          .optional()
          .describe("Instead of a count: fire when matching records of the group kept coming for `for`, never more than `maxGap` apart (e.g. high CPU samples for 5 minutes, MIN-1). `count` is then the least number of records."),
      })
      .strict()
      .optional(),
    suppressedBy: z.array(z.string()).default([]).describe("Threshold rules with the same groupBy: while one of them fires (or fired within this rule's window) for the group, this rule stays quiet — one attack, one alert in its most specific form."),
    scope: z.enum(["asset", "account"]).default("asset").describe("asset: state per asset; account: groups span every asset of the account (one source probing many hosts)."),
    after: z
      .object({ rule: z.union([z.string(), z.array(z.string()).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])), within: duration, join: z.array(fieldPath).min(1) })
      .strict()
      .optional(),
    evidence: z.array(fieldPath).default([]).describe("Record fields copied into the alert's evidence (e.g. source.geo)."),
    dedupKey: z.array(fieldPath).min(1).describe("Fields that, with the asset, make two detections the same alert (ALR-2)."),
    response: z.enum(["none", "block_source", "kill_process"]).default("none").describe("block_source: block the source IP (BF-3, with defence on); kill_process: PRC-4 precision defence kills the process when the switch is on for the asset."),
    whitelist: z
      .object({ fields: z.array(fieldPath).min(1).describe("What whitelisting one of these alerts stores (ALR-4): only these fields, only those present.") })
      .strict()
      .optional(),
    notify: z.enum(["every", "first", "never"]).default("every").describe("every: each time the rule fires; first: only the first alert ever for its dedup key (LOG-3); never: console only."),
    attack: z.array(z.string().regex(/^T\d{4}(\.\d{3})?$/)).default([]),
    triage: z.string().default(""),
    enabled: z.boolean().default(true),
  })
  .strict()
  .refine((r) => !(r.threshold && r.after), { message: "a rule has either threshold or after, not both" });

export type Rule = z.infer<typeof ruleSchema> & { severity: "low" | "medium" | "high" | "critical" };

export function parseRule(text: string, source: string): Rule {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new UserError("invalid", ErrorCodes.RULE_INVALID, `${source}: not valid YAML: ${(e as Error).message}`);
  }
  const r = ruleSchema.safeParse(raw);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join(".") || "(rule)"}: ${i.message}`).join("; ");
    throw new UserError("invalid", ErrorCodes.RULE_INVALID, `${source}: ${msg}`);
  }
  return r.data as Rule;
}

/** Checks references between rules (after.rule must exist). */
export function validateRuleSet(rules: Rule[]): void {
  const ids = new Set<string>();
  for (const r of rules) {
    if (ids.has(r.id)) throw new UserError("invalid", ErrorCodes.RULE_INVALID, `duplicate rule id ${r.id}`);
    ids.add(r.id);
  }
  for (const r of rules) {
    for (const a of r.after?.rule ?? []) {
      if (!ids.has(a)) throw new UserError("invalid", ErrorCodes.RULE_INVALID, `${r.id}: after.rule names unknown rule ${a}`);
    }
    for (const a of r.suppressedBy) {
      const o = rules.find((x) => x.id === a);
      if (!o) throw new UserError("invalid", ErrorCodes.RULE_INVALID, `${r.id}: suppressedBy names unknown rule ${a}`);
      if (!o.threshold || !r.threshold || o.threshold.groupBy.join() !== r.threshold.groupBy.join() || o.scope !== r.scope) {
        throw new UserError("invalid", ErrorCodes.RULE_INVALID, `${r.id}: suppressedBy ${a} needs both rules to be threshold rules with the same groupBy and scope`);
      }
    }
  }
}

/** A rule's .test.yml: cases run through the real engine with a fake clock. */
export const ruleTestSchema = z.object({
  rule: z.string(),
  cases: z
    .array(
      z.object({
        name: z.string(),
        /** Records; `ts` may be an ISO time or "+<duration>" after the previous record. */
        /** A record may name its `asset` (default asset-1) for account-scoped rules. */
        records: z.array(z.record(z.string(), z.unknown())).min(1),
        expect: z.array(z.object({ type: z.string(), count: z.number().int().optional(), severity: z.string().optional(), dedup: z.string().optional() }).strict()),
      }),
    )
    .min(2),
});
