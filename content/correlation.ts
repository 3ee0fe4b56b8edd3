import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import { parseCidr, UserError, ErrorCodes } from "../src/core/index.ts";
import { durationSchema } from "../src/protocol/index.ts";
import type { CorrelationRule } from "../src/alerting/index.ts";

export const CORRELATION_DIR = join(import.meta.dirname, "correlation");

const alertType = z.string().regex(/^[a-z][a-z0-9_]*$/);

/** EVT-1: a correlation rule as data — which entities join alerts, across what scope, within what window. */
export const correlationRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/).describe("Stable rule id; events name it in joinedBy."),
    name: z.string().min(1),
    description: z.string().default(""),
    joins: z.array(z.enum(["ip", "host", "account", "process", "file", "domain", "url"])).min(1).describe("Entity kinds two alerts may share to join."),
    scope: z.enum(["account", "asset"]).describe("account: across assets (one attacker); asset: only alerts of one asset."),
    window: durationSchema.describe("The event must have held the entity this recently, before the alert's first occurrence."),
    maliciousOnly: z.boolean().default(false).describe("Only entities marked malicious (attacker addresses, pools, web shells, miners) join."),
    types: z.array(alertType).min(1).optional().describe("The rule applies only to these alert types: the new alert's, and one of the event's."),
    anchorTypes: z.array(alertType).min(1).optional().describe("…and the new alert or the event is of one of these."),
    ignoreNets: z.array(z.string().refine((c) => parseCidr(c) !== null, "a CIDR such as 10.0.0.0/8")).default([]).describe("Addresses in these networks never join (unless config externalNets declares them)."),
    ignoreProcesses: z.array(z.string().min(1)).default([]).describe("Executable base names too common to join on (shells, init, sshd)."),
  })
  .strict()
  .refine((r) => r.scope === "asset" || !r.joins.some((k) => k === "host" || k === "process" || k === "file" || k === "account"), {
    message: "an account-wide rule joins only on entities that are not bound to one asset (ip, domain, url)",
  });

export function parseCorrelationRule(text: string, source: string): CorrelationRule {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new UserError("invalid", ErrorCodes.RULE_INVALID, `${source}: not valid YAML: ${(e as Error).message}`);
  }
  const p = correlationRuleSchema.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0]!;
    throw new UserError("invalid", ErrorCodes.RULE_INVALID, `${source}: ${i.path.join(".") || "rule"}: ${i.message}`);
  }
  const r = p.data;
  return {
    id: r.id, name: r.name, description: r.description, joins: r.joins, scope: r.scope, window: r.window, maliciousOnly: r.maliciousOnly,
    types: r.types ?? null, anchorTypes: r.anchorTypes ?? null, ignoreNets: r.ignoreNets.map((c) => parseCidr(c)!), ignoreProcesses: new Set(r.ignoreProcesses),
  };
}

/** Loads every correlation rule (*.yml, not *.test.yml); ids are unique. */
export function loadCorrelationRules(dir: string = CORRELATION_DIR): CorrelationRule[] {
  const rules = readdirSync(dir)
    .filter((f) => f.endsWith(".yml") && !f.endsWith(".test.yml"))
    .sort()
    .map((f) => parseCorrelationRule(readFileSync(join(dir, f), "utf8"), f));
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.id)) throw new UserError("invalid", ErrorCodes.RULE_INVALID, `correlation rule id ${r.id} is used twice`);
    seen.add(r.id);
  }
  return rules;
}

/** A correlation rule's tests: alert sequences (fake clock) and the events they must form. */
export const correlationTestSchema = z
  .object({
    rule: z.string(),
    cases: z.array(z.object({
      name: z.string(),
      alerts: z.array(z.object({
        ref: z.string().describe("Names the alert; the same ref again is the alert firing again."),
        at: z.string().describe("ISO time, or +duration after the previous alert."),
        type: alertType.optional().describe("Required the first time a ref appears."),
        asset: z.string().default("asset-1"),
        severity: z.enum(["low", "medium", "high", "critical"]).default("high"),
        status: z.enum(["unhandled", "handled", "blocked"]).default("unhandled"),
        sourceIp: z.string().optional(),
        userName: z.string().optional(),
        attack: z.array(z.string()).default([]),
        evidence: z.record(z.string(), z.unknown()).default({}),
        then: z.enum(["handled", "handling"]).optional().describe("After this alert, its event is set to this status."),
      }).strict()).min(1),
      expect: z.object({
        events: z.array(z.array(z.string()).min(1)).describe("Groups of alert refs, one per event."),
        joinedBy: z.array(z.string()).optional().describe("Rules that must have joined the event of the first group."),
      }).strict(),
    }).strict()).min(1),
  })
  .strict();
export type CorrelationTest = z.infer<typeof correlationTestSchema>;
