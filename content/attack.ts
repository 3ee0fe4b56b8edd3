import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import type { AttackMatrix } from "../src/alerting/index.ts";

export const ATTACK_FILE = join(import.meta.dirname, "attack", "techniques.yml");

const tacticId = z.string().regex(/^TA\d{4}$/);

/** EVT-2: the ATT&CK table — tactics in kill-chain order, the techniques Hostward's rules name. */
export const attackSchema = z
  .object({
    tactics: z.record(tacticId, z.object({ name: z.string().min(1), order: z.number().int().min(1) }).strict()),
    techniques: z.record(z.string().regex(/^T\d{4}(\.\d{3})?$/), z.object({ name: z.string().min(1), tactics: z.array(tacticId).min(1), stage: tacticId }).strict()),
  })
  .strict()
  .superRefine((m, ctx) => {
    const orders = new Set<number>();
    for (const [id, t] of Object.entries(m.tactics)) {
      if (orders.has(t.order)) ctx.addIssue({ code: "custom", path: ["tactics", id], message: `kill-chain order ${t.order} is used twice` });
      orders.add(t.order);
    }
    for (const [id, t] of Object.entries(m.techniques)) {
      for (const ta of [...t.tactics, t.stage]) if (!m.tactics[ta]) ctx.addIssue({ code: "custom", path: ["techniques", id], message: `unknown tactic ${ta}` });
      if (!t.tactics.includes(t.stage)) ctx.addIssue({ code: "custom", path: ["techniques", id], message: `stage ${t.stage} is not one of its tactics` });
    }
  });

export function loadAttack(file: string = ATTACK_FILE): AttackMatrix {
  return attackSchema.parse(parseYaml(readFileSync(file, "utf8")));
}
