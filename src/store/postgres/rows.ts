import type {
  Account, Agent, AgentAction, Alert, AllowEntry, ApiToken, AuditEntry, EnrolToken, IpPolicy, PolicyStatus, Session, StoredRecord, User,
  NotificationChannel, OutboxItem, AlertTransition, WhitelistEntry, WhitelistRule, ApprovedLocation, LogonApproval, BaselineRun, BaselineFinding,
  InventorySnapshot, QuarantinedFile, SecurityEvent, EventEntity, EventEdge, EventActivity, EventTask,
} from "../../core/index.ts";
import type { Row } from "./pg-db.ts";

/** Rows (snake_case, as the shared migrations name the columns) to domain objects. JSON columns are text, as in SQLite. */

export const num = (v: unknown): number => Number(v);
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
export const str = (v: unknown): string => String(v);
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const json = <T>(v: unknown): T => JSON.parse(String(v)) as T;

export const toAgent = (r: Row): Agent => ({
  id: str(r.id), accountId: str(r.account_id), hostname: str(r.hostname), version: str(r.version), os: str(r.os),
  enrolledAt: num(r.enrolled_at), lastSeenAt: numOrNull(r.last_seen_at), revokedAt: numOrNull(r.revoked_at),
  credentialHash: str(r.credential_hash), rejectedRecords: num(r.rejected_records), droppedRecords: num(r.dropped_records),
});
export const toToken = (r: Row): EnrolToken => ({
  id: str(r.id), accountId: str(r.account_id), tokenHash: str(r.token_hash), note: str(r.note), createdAt: num(r.created_at),
  expiresAt: num(r.expires_at), usedAt: numOrNull(r.used_at), usedByAgentId: strOrNull(r.used_by_agent_id),
});
export const toRecord = (r: Row): StoredRecord => ({
  agentId: str(r.agent_id), id: str(r.id), kind: str(r.kind), ts: num(r.ts), receivedAt: num(r.received_at), body: json(r.body),
});
export const toAlert = (r: Row): Alert => ({
  id: str(r.id), accountId: str(r.account_id), assetId: str(r.asset_id), type: str(r.type), ruleId: str(r.rule_id), name: str(r.name),
  severity: str(r.severity) as Alert["severity"], status: str(r.status) as Alert["status"], dedupKey: str(r.dedup_key),
  firstSeen: num(r.first_seen), lastSeen: num(r.last_seen), count: num(r.count), sourceIp: strOrNull(r.source_ip), userName: strOrNull(r.user_name),
  attack: json(r.attack), evidence: json(r.evidence), triage: str(r.triage), response: strOrNull(r.response),
  handledHow: strOrNull(r.handled_how), whitelistedBy: strOrNull(r.whitelisted_by), createdAt: num(r.created_at), updatedAt: num(r.updated_at),
});
export const toTransition = (r: Row): AlertTransition => ({
  id: str(r.id), accountId: str(r.account_id), alertId: str(r.alert_id), at: num(r.at), from: str(r.from_status) as AlertTransition["from"],
  to: str(r.to_status) as AlertTransition["to"], actor: str(r.actor), how: str(r.how), remark: str(r.remark),
});
export const toEntry = (r: Row): WhitelistEntry => ({
  id: str(r.id), accountId: str(r.account_id), alertType: str(r.alert_type), fields: json(r.fields), assetId: strOrNull(r.asset_id),
  sourceAlertId: strOrNull(r.source_alert_id), createdBy: str(r.created_by), createdAt: num(r.created_at),
});
export const toRule = (r: Row): WhitelistRule => ({
  id: str(r.id), accountId: str(r.account_id), alertType: str(r.alert_type), field: str(r.field), operator: str(r.operator) as WhitelistRule["operator"],
  value: str(r.value), assetId: strOrNull(r.asset_id), note: str(r.note), createdBy: str(r.created_by), createdAt: num(r.created_at), deletedAt: numOrNull(r.deleted_at),
});
export const toPolicy = (r: Row): IpPolicy => ({
  id: str(r.id), accountId: str(r.account_id), assetId: str(r.asset_id), ip: str(r.ip), status: str(r.status) as PolicyStatus,
  reason: str(r.reason), alertId: strOrNull(r.alert_id), createdBy: str(r.created_by), createdAt: num(r.created_at),
  expiresAt: numOrNull(r.expires_at), updatedAt: num(r.updated_at), lastResult: strOrNull(r.last_result),
});
export const toAction = (r: Row): AgentAction => ({
  id: str(r.id), accountId: str(r.account_id), agentId: str(r.agent_id), type: str(r.type) as AgentAction["type"], params: json(r.params),
  policyId: strOrNull(r.policy_id), status: str(r.status) as AgentAction["status"], createdAt: num(r.created_at),
  sentAt: numOrNull(r.sent_at), finishedAt: numOrNull(r.finished_at), result: strOrNull(r.result),
});
export const toAccount = (r: Row): Account => ({ id: str(r.id), name: str(r.name), parentId: strOrNull(r.parent_id), createdAt: num(r.created_at) });
export const toSession = (r: Row): Session => ({
  idHash: str(r.id_hash), userId: str(r.user_id), csrf: str(r.csrf), ip: str(r.ip), createdAt: num(r.created_at), expiresAt: num(r.expires_at), lastSeenAt: num(r.last_seen_at),
});
export const toAudit = (r: Row): AuditEntry => ({
  id: str(r.id), accountId: str(r.account_id), at: num(r.at), actor: str(r.actor), ip: strOrNull(r.ip), action: str(r.action), target: strOrNull(r.target),
  outcome: str(r.outcome) as AuditEntry["outcome"], details: json(r.details),
});
export const toChannel = (r: Row): NotificationChannel => ({
  id: str(r.id), accountId: str(r.account_id), name: str(r.name), kind: str(r.kind) as NotificationChannel["kind"], config: json(r.config),
  minSeverity: str(r.min_severity) as NotificationChannel["minSeverity"], types: json(r.types), enabled: num(r.enabled) === 1, createdAt: num(r.created_at), updatedAt: num(r.updated_at),
});
export const toOutbox = (r: Row): OutboxItem => ({
  id: str(r.id), accountId: str(r.account_id), channelId: str(r.channel_id), alertId: strOrNull(r.alert_id), payload: json(r.payload),
  status: str(r.status) as OutboxItem["status"], attempts: num(r.attempts), nextAttemptAt: num(r.next_attempt_at), lastError: strOrNull(r.last_error),
  createdAt: num(r.created_at), sentAt: numOrNull(r.sent_at),
});
export const toAllow = (r: Row): AllowEntry => ({
  id: str(r.id), accountId: str(r.account_id), cidr: str(r.cidr), note: str(r.note), createdAt: num(r.created_at), createdBy: str(r.created_by),
});
export const toUser = (r: Row): User => ({
  id: str(r.id), accountId: str(r.account_id), username: str(r.username), passwordHash: str(r.password_hash), role: str(r.role) as User["role"],
  createdAt: num(r.created_at), mustChangePassword: num(r.must_change_password) === 1, disabledAt: numOrNull(r.disabled_at),
});
export const toApiToken = (r: Row): ApiToken => ({
  id: str(r.id), userId: str(r.user_id), name: str(r.name), role: str(r.role) as ApiToken["role"], tokenHash: str(r.token_hash), createdAt: num(r.created_at),
  expiresAt: numOrNull(r.expires_at), revokedAt: numOrNull(r.revoked_at), lastUsedAt: numOrNull(r.last_used_at),
});
export const toLocation = (r: Row): ApprovedLocation => ({
  accountId: str(r.account_id), assetId: str(r.asset_id), key: str(r.loc_key), label: str(r.label),
  how: str(r.how) as ApprovedLocation["how"], ip: str(r.ip), approvedAt: num(r.approved_at),
});
export const toApproval = (r: Row): LogonApproval => ({
  id: str(r.id), accountId: str(r.account_id), factor: str(r.factor) as LogonApproval["factor"], value: str(r.value),
  tz: strOrNull(r.tz), assetIds: r.asset_ids === null ? null : json<string[]>(r.asset_ids),
  source: str(r.source) as LogonApproval["source"], note: str(r.note), createdBy: str(r.created_by), createdAt: num(r.created_at),
});
export const toRun = (r: Row): BaselineRun => ({
  accountId: str(r.account_id), assetId: str(r.asset_id), check: str(r.check_name), ts: num(r.ts), trigger: str(r.trigger),
  checked: num(r.checked), skipped: json(r.skipped), durationMs: num(r.duration_ms), findings: num(r.findings), receivedAt: num(r.received_at),
});
export const toFinding = (r: Row): BaselineFinding => ({
  accountId: str(r.account_id), assetId: str(r.asset_id), check: str(r.check_name), subject: str(r.subject),
  reason: str(r.reason), scheme: str(r.scheme), firstSeen: num(r.first_seen), lastSeen: num(r.last_seen),
});
export const toInventory = (r: Row): InventorySnapshot => ({
  accountId: str(r.account_id), assetId: str(r.asset_id), ts: num(r.ts), uidMin: num(r.uid_min), accounts: json(r.accounts), receivedAt: num(r.received_at),
});
export const toQuarantined = (r: Row): QuarantinedFile => ({
  accountId: str(r.account_id), assetId: str(r.asset_id), entryId: str(r.entry_id), originalPath: str(r.original_path),
  sha256: str(r.sha256), md5: strOrNull(r.md5), size: num(r.size), mode: num(r.mode), uid: num(r.uid), gid: num(r.gid),
  quarantinedAt: num(r.quarantined_at), expiresAt: num(r.expires_at), state: str(r.state) as QuarantinedFile["state"],
  stateTs: num(r.state_ts), updatedAt: num(r.updated_at),
});
export const toEvent = (r: Row): SecurityEvent => ({
  id: str(r.id), accountId: str(r.account_id), title: str(r.title), status: str(r.status) as SecurityEvent["status"],
  severity: str(r.severity) as SecurityEvent["severity"], severityOverride: strOrNull(r.severity_override) as SecurityEvent["severityOverride"],
  ownerUserId: strOrNull(r.owner_user_id), firstSeen: num(r.first_seen), lastSeen: num(r.last_seen), alertCount: num(r.alert_count),
  assetIds: json(r.asset_ids), tactics: json(r.tactics), techniques: json(r.techniques), stage: strOrNull(r.stage),
  alertTypes: json(r.alert_types), joinedBy: json(r.joined_by), handledHow: strOrNull(r.handled_how),
  handledAt: numOrNull(r.handled_at), createdAt: num(r.created_at), updatedAt: num(r.updated_at),
});
export const toEntity = (r: Row): EventEntity => ({
  key: str(r.entity_key), kind: str(r.kind) as EventEntity["kind"], label: str(r.label), assetId: strOrNull(r.asset_id),
  malicious: num(r.malicious) === 1, firstSeen: num(r.first_seen), lastSeen: num(r.last_seen),
});
export const toEdge = (r: Row): EventEdge => ({
  from: str(r.from_key), to: str(r.to_key), relation: str(r.relation) as EventEdge["relation"], alertId: str(r.alert_id), ts: num(r.ts),
});
export const toActivity = (r: Row): EventActivity => ({
  id: str(r.id), eventId: str(r.event_id), accountId: str(r.account_id), at: num(r.at), actor: str(r.actor), action: str(r.action), detail: str(r.detail), remark: str(r.remark),
});
export const toTask = (r: Row): EventTask => ({
  id: str(r.id), resolutionId: str(r.resolution_id), eventId: str(r.event_id), accountId: str(r.account_id), targetAccountId: str(r.target_account_id),
  assetId: str(r.asset_id), entityKey: str(r.entity_key), action: str(r.action) as EventTask["action"], what: str(r.what),
  actionId: strOrNull(r.action_id), policyId: strOrNull(r.policy_id), validityMs: numOrNull(r.validity_ms), status: str(r.status) as EventTask["status"],
  result: strOrNull(r.result), createdBy: str(r.created_by), createdAt: num(r.created_at), finishedAt: numOrNull(r.finished_at),
});

/** LIKE/ILIKE pattern for a substring: attacker text is data (wildcards escaped, bound as a parameter). */
export const likeOf = (text: string): string => `%${text.replace(/[\\%_]/g, (m) => "\\" + m)}%`;
