import { z } from "zod";
import { parse as parseYaml } from "yaml";
import { isPublicIp, normalizeIp, ErrorCodes, UserError, type AgentAction, type ActionType, type Agent, type Store } from "../core/index.ts";
import {
  blockIpAction, unblockIpAction, runBaselineAction, killProcessAction, quarantineFileAction, scanWebFilesAction,
  isolateHostAction, releaseHostAction, webDenyIpAction, webAllowIpAction,
} from "../protocol/index.ts";
import { queueAgentAction } from "./agent-actions.ts";
import type { IpPolicyService } from "./ip-policy-service.ts";

/**
 * EVT-10 playbooks as data: a sequence of typed agent actions for one kind of target, with
 * parameters taken only from the target's typed fields (`{{target.ip}}`, the whole value,
 * never spliced into text), conditions on the target and the asset, and continueOnError.
 * Every resolved parameter set is validated by the agent action's own schema, so a value
 * an attacker put into an alert (a "user name" that is a command) can only ever be refused.
 */
export const PLAYBOOK_INVALID = "HW_ERR_PLAYBOOK_INVALID";
export const PLAYBOOK_STEP_INVALID = "HW_ERR_PLAYBOOK_STEP_INVALID";

export type TargetKind = "ip" | "host" | "file" | "process" | "account";

/** The params schema of every action a playbook may queue (restore_file stays an operator's act on the vault). */
const STEP_PARAMS = {
  block_ip: blockIpAction.shape.params,
  unblock_ip: unblockIpAction.shape.params,
  web_deny_ip: webDenyIpAction.shape.params,
  web_allow_ip: webAllowIpAction.shape.params,
  isolate_host: isolateHostAction.shape.params,
  release_host: releaseHostAction.shape.params,
  kill_process: killProcessAction.shape.params,
  quarantine_file: quarantineFileAction.shape.params,
  scan_web_files: scanWebFilesAction.shape.params,
  run_baseline: runBaselineAction.shape.params,
} satisfies Partial<Record<ActionType, z.ZodType>>;
export type StepAction = keyof typeof STEP_PARAMS;
const STEP_ACTIONS = Object.keys(STEP_PARAMS) as [StepAction, ...StepAction[]];

/** The typed fields of each target kind that templates and conditions may name. */
const TARGET_FIELDS: Record<TargetKind, Record<string, "string" | "number" | "boolean">> = {
  ip: { ip: "string", public: "boolean" },
  host: {},
  file: { path: "string", sha256: "string" },
  process: { pid: "number", start: "number", sha256: "string", executable: "string" },
  account: { name: "string" },
};
const ASSET_FIELDS: Record<string, "string" | "boolean"> = { isolated: "boolean", hostname: "string" };
/** A stand-in target of each kind: a playbook file is checked against the action schemas when it is loaded. */
const SAMPLE: Record<TargetKind, Record<string, unknown>> = {
  ip: { ip: "192.0.2.1", public: true },
  host: {},
  file: { path: "/var/www/html/x.php", sha256: "0".repeat(64) },
  process: { pid: 4242, start: 1_700_000_000_000, sha256: "0".repeat(64), executable: "/tmp/x" },
  account: { name: "nobody" },
};

const TEMPLATE_RE = /^\{\{ ?target\.([a-zA-Z][a-zA-Z0-9]{0,31}) ?\}\}$/;
const paramValue = z.union([z.string().max(4096), z.number(), z.boolean(), z.array(z.string().max(64)).max(16)]);
const condValue = z.union([z.string().max(256), z.number(), z.boolean(), z.null(), z.array(z.union([z.string().max(256), z.number()])).max(32)]);

const stepSchema = z.object({
  action: z.enum(STEP_ACTIONS).describe("The agent action this step queues."),
  name: z.string().max(200).optional(),
  params: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]{0,31}$/), paramValue).default({}).describe("The action's parameters; a string value may be a whole template `{{target.<field>}}`."),
  when: z.record(z.string().max(64), condValue).optional().describe("All must hold (a list: one of its values); else the step is skipped."),
  continueOnError: z.boolean().default(false).describe("When this step cannot be queued (refused parameters), go on with the others instead of refusing the whole run."),
}).strict();

export const playbookSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "lower-case letters, digits and dashes"),
  name: z.string().min(1).max(120),
  description: z.string().max(2000).default(""),
  target: z.enum(["ip", "host", "file", "process", "account"]).describe("The entity type the playbook acts on."),
  steps: z.array(stepSchema).min(1).max(20),
}).strict();

export type PlaybookStep = z.infer<typeof stepSchema>;
export type Playbook = z.infer<typeof playbookSchema>;

/** What a playbook is run against; strings are bounded but otherwise unchecked here: the action schemas judge them. */
export const playbookTargetSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("ip"), ip: z.string().max(256) }).strict(),
  z.object({ kind: z.literal("host") }).strict(),
  z.object({ kind: z.literal("file"), path: z.string().max(4096), sha256: z.string().max(128) }).strict(),
  z.object({ kind: z.literal("process"), pid: z.number().int(), start: z.number().int(), sha256: z.string().max(128).optional(), executable: z.string().max(4096).optional() }).strict(),
  z.object({ kind: z.literal("account"), name: z.string().max(256) }).strict(),
]);
export type PlaybookTarget = z.infer<typeof playbookTargetSchema>;

const issueText = (issues: readonly { path: readonly PropertyKey[]; message: string }[], prefix: string) =>
  issues.slice(0, 5).map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join(".")}: ${i.message}`).join("; ");

/** Parameters with templates replaced by the target's values; a field the target lacks leaves the parameter out. */
function resolveParams(params: Record<string, unknown>, fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    const m = typeof v === "string" ? TEMPLATE_RE.exec(v) : null;
    if (!m) out[k] = v;
    else if (fields[m[1]!] !== undefined) out[k] = fields[m[1]!];
  }
  return out;
}

/** Validates a parsed playbook: schema, templates, conditions, and each step's parameters against its action. */
export function validatePlaybook(raw: unknown, source: string): Playbook {
  const p = playbookSchema.safeParse(raw);
  if (!p.success) throw new UserError("invalid", PLAYBOOK_INVALID, `${source}: ${issueText(p.error.issues, "")}`);
  const pb = p.data;
  const fields = TARGET_FIELDS[pb.target];
  pb.steps.forEach((s, i) => {
    const at = `${source}: steps.${i} (${s.action})`;
    for (const [k, v] of Object.entries(s.params)) {
      if (typeof v !== "string" || !v.includes("{{")) continue;
      const m = TEMPLATE_RE.exec(v);
      if (!m) throw new UserError("invalid", PLAYBOOK_INVALID, `${at}: params.${k}: a template must be the whole value, as {{target.<field>}}`);
      if (!fields[m[1]!]) throw new UserError("invalid", PLAYBOOK_INVALID, `${at}: params.${k}: a ${pb.target} target has no field "${m[1]}" (it has: ${Object.keys(fields).join(", ") || "none"})`);
    }
    for (const k of Object.keys(s.when ?? {})) {
      if (!/^(target|asset)\.[a-zA-Z][a-zA-Z0-9]{0,31}$/.test(k)) throw new UserError("invalid", PLAYBOOK_INVALID, `${at}: when.${k}: a condition names target.<field> or asset.<field>`);
      const [scope, f] = k.split(".") as ["target" | "asset", string];
      if (!(scope === "target" ? fields : ASSET_FIELDS)[f]) throw new UserError("invalid", PLAYBOOK_INVALID, `${at}: when.${k}: unknown field (${scope} fields: ${Object.keys(scope === "target" ? fields : ASSET_FIELDS).join(", ") || "none"})`);
    }
    // a templated value is judged when the playbook runs, against the real target
    const templated = new Set(Object.keys(s.params).filter((k) => TEMPLATE_RE.test(String(s.params[k]))));
    const check = STEP_PARAMS[s.action].safeParse(resolveParams(s.params, SAMPLE[pb.target]));
    const issues = check.success ? [] : check.error.issues.filter((i) => !templated.has(String(i.path[0])));
    if (issues.length) throw new UserError("invalid", PLAYBOOK_INVALID, `${at}: ${issueText(issues, "params")}`);
  });
  return pb;
}

/** Parses and validates one playbook file (YAML). */
export function parsePlaybook(text: string, source: string): Playbook {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 50 });
  } catch (e) {
    throw new UserError("invalid", PLAYBOOK_INVALID, `${source}: not valid YAML: ${(e as Error).message.split("\n")[0]!.replace(/:$/, "")}`);
  }
  return validatePlaybook(raw, source);
}

export interface PlannedStep {
  step: number;
  name: string;
  action: StepAction;
  assetId: string;
  hostname: string;
  /** queue: would be (or was) queued; skipped: a condition or a policy says no; invalid: the parameters were refused. */
  status: "queue" | "skipped" | "invalid";
  params: Record<string, unknown> | null;
  reason: string | null;
  continueOnError: boolean;
}

export interface PlaybookPlan {
  playbook: { id: string; name: string; target: TargetKind };
  target: Record<string, unknown>;
  steps: PlannedStep[];
}

export interface PlaybookRunOptions {
  accountId: string;
  assetIds: string[];
  target: PlaybookTarget;
  /** Overrides the validity period (timeoutSeconds) of every step that has one. */
  validitySeconds?: number;
  /** RSP-3: the server's agent channel addresses and port, given to isolate_host when the step names none. */
  channel?: { addresses: string[]; port: number };
  now: number;
}

const HAS_VALIDITY = new Set<StepAction>(["block_ip", "web_deny_ip", "isolate_host"]);

/** The target's typed fields, derived ones included (an IP's `public`). */
export function targetFields(t: PlaybookTarget): Record<string, unknown> {
  const { kind: _kind, ...rest } = t;
  if (t.kind === "ip") {
    const n = normalizeIp(t.ip);
    return { ip: n ?? t.ip, public: n !== null && isPublicIp(n) };
  }
  return rest;
}

/** RSP-3: whether the asset's newest isolate/release task (not failed) leaves it isolated now. */
async function isIsolated(tx: Store, accountId: string, assetId: string, now: number): Promise<boolean> {
  const page = await tx.actions.list(accountId, { agentId: assetId, limit: 200, offset: 0 });
  const last = page.items.find((a) => (a.type === "isolate_host" || a.type === "release_host") && a.status !== "failed");
  if (!last || last.type === "release_host") return false;
  const t = last.params.timeoutSeconds;
  return t === undefined || (last.finishedAt ?? last.createdAt) + t * 1000 > now;
}

function holds(expected: unknown, actual: unknown): boolean {
  return Array.isArray(expected) ? expected.includes(actual as string | number) : expected === (actual ?? null);
}

/**
 * EVT-10 dry run: each step on each asset with its resolved parameters, or why it is skipped
 * or refused. Reads only; nothing is queued. `run` queues exactly the steps this returns as "queue".
 */
export async function planPlaybook(tx: Store, pb: Playbook, o: PlaybookRunOptions, policies?: IpPolicyService): Promise<PlaybookPlan> {
  if (o.target.kind !== pb.target) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, `playbook ${pb.id} acts on ${pb.target} targets, not on ${o.target.kind}`);
  const assetIds = [...new Set(o.assetIds)];
  if (assetIds.length === 0 || assetIds.length > 100) throw new UserError("invalid", ErrorCodes.REQUEST_INVALID, "name 1 to 100 assets");
  const assets: Agent[] = [];
  for (const id of assetIds) {
    const a = await tx.agents.getIn(o.accountId, id);
    if (!a) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no asset ${id}`);
    assets.push(a);
  }
  const fields = targetFields(o.target);
  const steps: PlannedStep[] = [];
  for (const asset of assets) {
    const assetFields: Record<string, unknown> = { hostname: asset.hostname, isolated: await isIsolated(tx, o.accountId, asset.id, o.now) };
    for (const [i, s] of pb.steps.entries()) {
      const base = { step: i, name: s.name ?? s.action, action: s.action, assetId: asset.id, hostname: asset.hostname, continueOnError: s.continueOnError };
      const skip = (status: "skipped" | "invalid", reason: string, params: Record<string, unknown> | null = null) => steps.push({ ...base, status, params, reason });
      if (asset.revokedAt !== null) {
        skip("skipped", "the asset's agent is revoked");
        continue;
      }
      const failed = Object.entries(s.when ?? {}).find(([k, want]) => {
        const [scope, f] = k.split(".") as ["target" | "asset", string];
        return !holds(want, (scope === "target" ? fields : assetFields)[f]);
      });
      if (failed) {
        skip("skipped", `condition ${failed[0]} = ${JSON.stringify(failed[1])} does not hold`);
        continue;
      }
      const raw = resolveParams(s.params, fields);
      if (o.validitySeconds !== undefined && HAS_VALIDITY.has(s.action)) raw.timeoutSeconds = o.validitySeconds;
      if (s.action === "isolate_host" && raw.serverAddresses === undefined && o.channel?.addresses.length) {
        raw.serverAddresses = o.channel.addresses;
        raw.serverPort ??= o.channel.port;
      }
      const v = STEP_PARAMS[s.action].safeParse(raw);
      if (!v.success) {
        skip("invalid", `refused: ${issueText(v.error.issues, "params")}`, raw);
        continue;
      }
      const params = v.data as Record<string, unknown>;
      if (s.action === "block_ip" && policies) {
        const ip = params.ip as string;
        const allowed = await policies.allowedBy(tx, o.accountId, ip);
        if (allowed) {
          skip("skipped", `${ip} is allowlisted (${allowed})`, params);
          continue;
        }
        const live = await tx.policies.findLive(asset.id, ip);
        if (live) {
          skip("skipped", `${ip} is already blocked on this asset by ${live.id}`, params);
          continue;
        }
      }
      steps.push({ ...base, status: "queue", params, reason: null });
    }
  }
  return { playbook: { id: pb.id, name: pb.name, target: pb.target }, target: fields, steps };
}

export interface PlaybookRun {
  plan: PlaybookPlan;
  tasks: { actionId: string; assetId: string; type: ActionType; policyId: string | null; step: number }[];
}

/**
 * EVT-10 run: the plan's steps queued as agent actions, all in the caller's transaction (all
 * or nothing). A refused step refuses the whole run unless it says continueOnError. A block
 * becomes an IP policy (RSP-1: listed, expiring, undone) when the policy service is given.
 * The tasks' status and result are the actions' (GET /api/v1/actions).
 */
export async function runPlaybook(tx: Store, pb: Playbook, o: PlaybookRunOptions, actor: string, policies?: IpPolicyService): Promise<PlaybookRun> {
  const plan = await planPlaybook(tx, pb, o, policies);
  const refused = plan.steps.filter((s) => s.status === "invalid" && !s.continueOnError);
  if (refused.length) {
    throw new UserError("invalid", PLAYBOOK_STEP_INVALID, `playbook ${pb.id} not run, nothing queued: ${refused.map((s) => `step ${s.step} (${s.action}) on ${s.hostname}: ${s.reason}`).join("; ").slice(0, 1500)}`, { plan });
  }
  const tasks: PlaybookRun["tasks"] = [];
  for (const s of plan.steps) {
    if (s.status !== "queue") continue;
    const params = s.params as AgentAction["params"];
    if (s.action === "block_ip" && policies) {
      const out = await policies.block(tx, { accountId: o.accountId, assetId: s.assetId, ip: params.ip!, reason: `playbook ${pb.name}`, alertId: null, createdBy: actor, duration: params.timeoutSeconds === undefined ? null : params.timeoutSeconds * 1000 }, o.now);
      if (out.kind === "blocked") tasks.push({ actionId: out.action.id, assetId: s.assetId, type: "block_ip", policyId: out.policy.id, step: s.step });
      continue;
    }
    const a = await queueAgentAction(tx, { accountId: o.accountId, agentId: s.assetId, type: s.action, params }, o.now);
    tasks.push({ actionId: a.id, assetId: s.assetId, type: s.action, policyId: null, step: s.step });
  }
  return { plan, tasks };
}
