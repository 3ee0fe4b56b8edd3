import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseRule, validateRuleSet, type Rule } from "../src/detection/index.ts";

export const RULES_DIR = join(import.meta.dirname, "rules");

/** Loads every rule file (*.yml, not *.test.yml) of a directory, validated. */
export function loadRules(dir: string = RULES_DIR): Rule[] {
  const rules = readdirSync(dir)
    .filter((f) => f.endsWith(".yml") && !f.endsWith(".test.yml"))
    .sort()
    .map((f) => parseRule(readFileSync(join(dir, f), "utf8"), f));
  validateRuleSet(rules);
  return rules;
}
