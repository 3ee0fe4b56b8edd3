import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { FakeClock, ROLE_RANK, newId, type Role } from "../core/index.ts";
import { tempDir, startServer } from "../../test/helpers.ts";
import { hashPassword, newApiTokenSecret, sha256hex, type HostwardServer } from "./index.ts";

/**
 * ACC-1 ACC-2 The authorization matrix: every console/API route, asked by each role of
 * account A and of account B, and with no credential. The table below is the contract;
 * a route the server has and the table lacks (or the other way round) fails the test.
 *
 * scope: "list"  B may call it but must see none of A's rows;
 *        "id"    the route names one of A's rows: B gets 404;
 *        "own"   acts on the caller's own account or self: B is allowed like A.
 */
type Scope = "list" | "id" | "own";
interface Fixture { disabledPolicyId: string; agentId: string; alertId: string; policyId: string; allowId: string; userId: string; tokenId: string; whitelistedAlertId: string; ruleId: string; entryId: string; channelId: string; outboxId: string; approvalId: string; vaultEntryId: string; eventId: string; entityKey: string; n: number }
interface Row { access: "public" | Role; scope: Scope; req: (fx: Fixture) => { url: string; payload?: object } }

const MATRIX: Record<string, Row> = {
  "GET /": { access: "public", scope: "own", req: () => ({ url: "/" }) },
  ...Object.fromEntries(["/security-events", "/alerts", "/entities", "/assets", "/ip-policies", "/file-quarantine", "/attack-analysis", "/whitelist", "/threat-intel", "/logon-settings", "/settings", "/password"].map((p) => [`GET ${p}`, { access: "public", scope: "own", req: () => ({ url: p }) } as Row])),
  "GET /assets/:file": { access: "public", scope: "own", req: () => ({ url: "/assets/none.js" }) },
  "GET /metrics": { access: "public", scope: "own", req: () => ({ url: "/metrics" }) },
  "GET /healthz": { access: "public", scope: "own", req: () => ({ url: "/healthz" }) },
  "GET /readyz": { access: "public", scope: "own", req: () => ({ url: "/readyz" }) },
  "GET /api/v1/health": { access: "public", scope: "own", req: () => ({ url: "/api/v1/health" }) },
  "GET /api/v1/openapi.json": { access: "public", scope: "own", req: () => ({ url: "/api/v1/openapi.json" }) },
  "POST /api/v1/auth/login": { access: "public", scope: "own", req: () => ({ url: "/api/v1/auth/login", payload: { username: "matrix-login", password: "matrix login passphrase" } }) },
  "POST /api/v1/auth/logout": { access: "viewer", scope: "own", req: () => ({ url: "/api/v1/auth/logout", payload: {} }) },
  "GET /api/v1/me": { access: "viewer", scope: "own", req: () => ({ url: "/api/v1/me" }) },
  "POST /api/v1/auth/password": { access: "viewer", scope: "own", req: () => ({ url: "/api/v1/auth/password", payload: { currentPassword: "not it", newPassword: "another long passphrase" } }) },
  "GET /api/v1/agents": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/agents" }) },
  "POST /api/v1/agents/:id/revoke": { access: "admin", scope: "id", req: (f) => ({ url: `/api/v1/agents/${f.agentId}/revoke`, payload: {} }) },
  "GET /api/v1/enrolment-tokens": { access: "admin", scope: "list", req: () => ({ url: "/api/v1/enrolment-tokens" }) },
  "POST /api/v1/enrolment-tokens": { access: "admin", scope: "own", req: () => ({ url: "/api/v1/enrolment-tokens", payload: { ttl: "1h" } }) },
  "GET /api/v1/alerts": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/alerts" }) },
  "GET /api/v1/alerts/:id": { access: "viewer", scope: "id", req: (f) => ({ url: `/api/v1/alerts/${f.alertId}` }) },
  "POST /api/v1/alerts/:id/handle": { access: "analyst", scope: "id", req: (f) => ({ url: `/api/v1/alerts/${f.alertId}/handle`, payload: { action: "mark_handled" } }) },
  "GET /api/v1/ip-policies": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/ip-policies" }) },
  "POST /api/v1/ip-policies": { access: "analyst", scope: "id", req: (f) => ({ url: "/api/v1/ip-policies", payload: { assetId: f.agentId, ip: `203.0.113.${f.n % 250}`, duration: "6h" } }) },
  "POST /api/v1/ip-policies/:id/disable": { access: "analyst", scope: "id", req: (f) => ({ url: `/api/v1/ip-policies/${f.policyId}/disable`, payload: {} }) },
  "POST /api/v1/ip-policies/:id/enable": { access: "analyst", scope: "id", req: (f) => ({ url: `/api/v1/ip-policies/${f.disabledPolicyId}/enable`, payload: {} }) },
  "GET /api/v1/actions": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/actions" }) },
  "GET /api/v1/playbooks": { access: "viewer", scope: "own", req: () => ({ url: "/api/v1/playbooks" }) },
  "POST /api/v1/playbooks/:id/dry-run": { access: "viewer", scope: "id", req: (f) => ({ url: "/api/v1/playbooks/block-ip-firewall/dry-run", payload: { target: { kind: "ip", ip: "185.220.101.7" }, assetIds: [f.agentId] } }) },
  "POST /api/v1/playbooks/:id/run": { access: "analyst", scope: "id", req: (f) => ({ url: "/api/v1/playbooks/deep-virus-scan/run", payload: { target: { kind: "host" }, assetIds: [f.agentId] } }) },
  "GET /api/v1/allowlist": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/allowlist" }) },
  "POST /api/v1/allowlist": { access: "admin", scope: "own", req: (f) => ({ url: "/api/v1/allowlist", payload: { cidr: `198.51.100.${f.n % 250}/32` } }) },
  "DELETE /api/v1/allowlist/:id": { access: "admin", scope: "id", req: (f) => ({ url: `/api/v1/allowlist/${f.allowId}` }) },
  "GET /api/v1/settings/defence": { access: "viewer", scope: "own", req: () => ({ url: "/api/v1/settings/defence" }) },
  "PUT /api/v1/settings/defence": { access: "admin", scope: "own", req: () => ({ url: "/api/v1/settings/defence", payload: { enabled: true } }) },
  "GET /api/v1/assets/:id/processes": { access: "viewer", scope: "id", req: (f) => ({ url: `/api/v1/assets/${f.agentId}/processes` }) },
  "GET /api/v1/assets/:id/connections": { access: "viewer", scope: "id", req: (f) => ({ url: `/api/v1/assets/${f.agentId}/connections` }) },
  "GET /api/v1/intel/lookup": { access: "viewer", scope: "own", req: () => ({ url: "/api/v1/intel/lookup?value=pool.supportxmr.com" }) },
  "GET /api/v1/intel/sources": { access: "viewer", scope: "own", req: () => ({ url: "/api/v1/intel/sources" }) },
  "POST /api/v1/intel/reload": { access: "admin", scope: "own", req: () => ({ url: "/api/v1/intel/reload", payload: {} }) },
  "GET /api/v1/settings/proactive-defence": { access: "viewer", scope: "own", req: () => ({ url: "/api/v1/settings/proactive-defence" }) },
  "PUT /api/v1/settings/proactive-defence": { access: "admin", scope: "own", req: () => ({ url: "/api/v1/settings/proactive-defence", payload: { enabled: false, assets: {} } }) },
  "GET /api/v1/users": { access: "admin", scope: "list", req: () => ({ url: "/api/v1/users" }) },
  "POST /api/v1/users": { access: "admin", scope: "own", req: (f) => ({ url: "/api/v1/users", payload: { username: `new-user-${f.n}`, role: "viewer" } }) },
  "PATCH /api/v1/users/:id": { access: "admin", scope: "id", req: (f) => ({ url: `/api/v1/users/${f.userId}`, payload: { role: "analyst" } }) },
  "GET /api/v1/tokens": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/tokens" }) },
  "POST /api/v1/tokens": { access: "viewer", scope: "own", req: () => ({ url: "/api/v1/tokens", payload: { name: "matrix" } }) },
  // the fixture token belongs to the caller when the caller is in A, else to a user of A
  "DELETE /api/v1/tokens/:id": { access: "viewer", scope: "id", req: (f) => ({ url: `/api/v1/tokens/${f.tokenId}` }) },
  "GET /api/v1/accounts": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/accounts" }) },
  "POST /api/v1/accounts": { access: "admin", scope: "own", req: (f) => ({ url: "/api/v1/accounts", payload: { name: `member ${f.n}` } }) },
  "GET /api/v1/audit": { access: "admin", scope: "list", req: () => ({ url: "/api/v1/audit" }) },
  "GET /api/v1/alerts/counts": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/alerts/counts" }) },
  "GET /api/v1/stats/overview": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/stats/overview?days=7" }) },
  "GET /api/v1/stats/attacks": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/stats/attacks?days=30" }) },
  "GET /api/v1/alerts/:id/history": { access: "viewer", scope: "id", req: (f) => ({ url: `/api/v1/alerts/${f.alertId}/history` }) },
  "POST /api/v1/alerts/handle": { access: "analyst", scope: "list", req: (f) => ({ url: "/api/v1/alerts/handle", payload: { ids: [f.alertId], action: "ignore" } }) },
  "POST /api/v1/alerts/unwhitelist": { access: "analyst", scope: "list", req: (f) => ({ url: "/api/v1/alerts/unwhitelist", payload: { ids: [f.whitelistedAlertId] } }) },
  "GET /api/v1/alert-types": { access: "viewer", scope: "own", req: () => ({ url: "/api/v1/alert-types" }) },
  "GET /api/v1/whitelist-rules": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/whitelist-rules" }) },
  "POST /api/v1/whitelist-rules": { access: "analyst", scope: "own", req: () => ({ url: "/api/v1/whitelist-rules", payload: { alertType: "ssh_brute_force", field: "source.ip", operator: "equals", value: "192.0.2.77" } }) },
  "DELETE /api/v1/whitelist-rules/:id": { access: "analyst", scope: "id", req: (f) => ({ url: `/api/v1/whitelist-rules/${f.ruleId}` }) },
  "POST /api/v1/whitelist-rules/preview": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/whitelist-rules/preview", payload: { alertType: "*", field: "source.ip", operator: "contains", value: "203.0.113" } }) },
  "GET /api/v1/whitelist-entries": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/whitelist-entries" }) },
  "DELETE /api/v1/whitelist-entries/:id": { access: "analyst", scope: "id", req: (f) => ({ url: `/api/v1/whitelist-entries/${f.entryId}` }) },
  "GET /api/v1/notification-channels": { access: "admin", scope: "list", req: () => ({ url: "/api/v1/notification-channels" }) },
  "POST /api/v1/notification-channels": { access: "admin", scope: "own", req: (f) => ({ url: "/api/v1/notification-channels", payload: { name: `matrix ${f.n}`, kind: "syslog", config: { host: "127.0.0.1", port: 514, transport: "udp" } } }) },
  "PATCH /api/v1/notification-channels/:id": { access: "admin", scope: "id", req: (f) => ({ url: `/api/v1/notification-channels/${f.channelId}`, payload: { enabled: false } }) },
  "DELETE /api/v1/notification-channels/:id": { access: "admin", scope: "id", req: (f) => ({ url: `/api/v1/notification-channels/${f.channelId}` }) },
  // the fixture channel points at a closed loopback port: the test is answered (ok: false) at once
  "POST /api/v1/notification-channels/:id/test": { access: "admin", scope: "id", req: (f) => ({ url: `/api/v1/notification-channels/${f.channelId}/test`, payload: {} }) },
  "GET /api/v1/notifications": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/notifications" }) },
  "GET /api/v1/logon/approvals": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/logon/approvals" }) },
  "POST /api/v1/logon/approvals": { access: "analyst", scope: "own", req: () => ({ url: "/api/v1/logon/approvals", payload: { factor: "time", value: "Mon-Fri 08:00-19:00", tz: "Europe/Berlin" } }) },
  "DELETE /api/v1/logon/approvals/:id": { access: "analyst", scope: "id", req: (f) => ({ url: `/api/v1/logon/approvals/${f.approvalId}` }) },
  "PUT /api/v1/logon/auto-update": { access: "admin", scope: "own", req: () => ({ url: "/api/v1/logon/auto-update", payload: { location: false, ip: false, account: false } }) },
  "GET /api/v1/logon/locations": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/logon/locations" }) },
  "POST /api/v1/logon/locations": { access: "analyst", scope: "id", req: (f) => ({ url: "/api/v1/logon/locations", payload: { assetId: f.agentId, country: "FR", region: "Île-de-France", city: "Paris" } }) },
  "DELETE /api/v1/logon/locations": { access: "analyst", scope: "id", req: (f) => ({ url: `/api/v1/logon/locations?assetId=${f.agentId}&key=${encodeURIComponent("DE/Berlin/Berlin")}` }) },
  "GET /api/v1/baseline/findings": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/baseline/findings" }) },
  "GET /api/v1/baseline/runs": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/baseline/runs" }) },
  "GET /api/v1/quarantine": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/quarantine" }) },
  "POST /api/v1/quarantine/:assetId/:entryId/restore": { access: "analyst", scope: "id", req: (f) => ({ url: `/api/v1/quarantine/${f.agentId}/${f.vaultEntryId}/restore`, payload: {} }) },
  "POST /api/v1/assets/:id/web-scan": { access: "analyst", scope: "id", req: (f) => ({ url: `/api/v1/assets/${f.agentId}/web-scan`, payload: {} }) },
  "POST /api/v1/baseline/run": { access: "analyst", scope: "id", req: (f) => ({ url: "/api/v1/baseline/run", payload: { assetIds: [f.agentId] } }) },
  "GET /api/v1/assets/:id/accounts": { access: "viewer", scope: "id", req: (f) => ({ url: `/api/v1/assets/${f.agentId}/accounts` }) },
  "GET /api/v1/detection/rules": { access: "viewer", scope: "own", req: () => ({ url: "/api/v1/detection/rules" }) },
  "PATCH /api/v1/detection/rules/:id": { access: "admin", scope: "own", req: () => ({ url: "/api/v1/detection/rules/hw-slow-brute-force", payload: { count: 15 } }) },
  "GET /api/v1/events": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/events" }) },
  "GET /api/v1/events/affected-assets": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/events/affected-assets" }) },
  "GET /api/v1/events/export.xlsx": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/events/export.xlsx?limit=10" }) },
  "GET /api/v1/events/:id": { access: "viewer", scope: "id", req: (f) => ({ url: `/api/v1/events/${f.eventId}` }) },
  ...Object.fromEntries(["alerts", "timeline", "graph", "entities", "activity"].map((x) => [`GET /api/v1/events/:id/${x}`, { access: "viewer", scope: "id", req: (f) => ({ url: `/api/v1/events/${f.eventId}/${x}` }) } as Row])),
  "POST /api/v1/events/:id/owner": { access: "analyst", scope: "id", req: (f) => ({ url: `/api/v1/events/${f.eventId}/owner`, payload: { userId: null, remark: "matrix" } }) },
  "POST /api/v1/events/:id/severity": { access: "analyst", scope: "id", req: (f) => ({ url: `/api/v1/events/${f.eventId}/severity`, payload: { severity: "critical", remark: "matrix" } }) },
  "POST /api/v1/events/:id/status": { access: "analyst", scope: "id", req: (f) => ({ url: `/api/v1/events/${f.eventId}/status`, payload: { status: "handled", remark: "matrix" } }) },
  "GET /api/v1/events/:id/recommendations": { access: "viewer", scope: "id", req: (f) => ({ url: `/api/v1/events/${f.eventId}/recommendations` }) },
  "GET /api/v1/events/:id/tasks": { access: "viewer", scope: "id", req: (f) => ({ url: `/api/v1/events/${f.eventId}/tasks` }) },
  "POST /api/v1/events/:id/resolve": { access: "analyst", scope: "id", req: (f) => ({ url: `/api/v1/events/${f.eventId}/resolve`, payload: { items: [{ entityKey: "ip:203.0.113.1", action: "block", validity: "6h" }], remark: "matrix" } }) },
  "POST /api/v1/events/:id/whitelist": { access: "analyst", scope: "id", req: (f) => ({ url: `/api/v1/events/${f.eventId}/whitelist`, payload: { remark: "matrix" } }) },
  "GET /api/v1/entities": { access: "viewer", scope: "list", req: () => ({ url: "/api/v1/entities" }) },
  "GET /api/v1/entities/:key/events": { access: "viewer", scope: "id", req: (f) => ({ url: `/api/v1/entities/${encodeURIComponent(f.entityKey)}/events` }) },
};

const ROLES: Role[] = ["admin", "analyst", "viewer"];
const tmp = tempDir();
let server: HostwardServer;
const creds: Record<string, { token: string; userId: string }> = {};
const A = "default", B = "acc_matrix_b";
let n = 0;

async function addUser(account: string, role: Role, name: string, password = "unused password 1234"): Promise<{ token: string; userId: string }> {
  const now = Date.now();
  const userId = newId("usr", now);
  await server.store.users.insert({ id: userId, accountId: account, username: name, passwordHash: await hashPassword(password), role, createdAt: now, mustChangePassword: false, disabledAt: null });
  const token = newApiTokenSecret();
  await server.store.apiTokens.insert({ id: newId("tok", now), userId, name: "matrix", role, tokenHash: sha256hex(token), createdAt: now, expiresAt: null, revokedAt: null, lastUsedAt: null });
  return { token, userId };
}

/** Fresh rows of account A for one request (a request may change or delete them). */
async function fixture(callerUserId: string | null): Promise<Fixture> {
  const s = server.store;
  const now = Date.now();
  const i = ++n;
  const agentId = newId("ag", now);
  await s.agents.insert({ id: agentId, accountId: A, hostname: `a-${i}`, version: "1", os: "linux", enrolledAt: now, lastSeenAt: now, revokedAt: null, credentialHash: "x", rejectedRecords: 0, droppedRecords: 0 });
  const alertId = newId("al", now);
  await s.alerts.insert({ id: alertId, accountId: A, assetId: agentId, type: "ssh_brute_force", ruleId: "r", name: "SSH brute force", severity: "high", status: "unhandled", dedupKey: `k${i}`, firstSeen: now, lastSeen: now, count: 5, sourceIp: "203.0.113.1", userName: null, attack: [], evidence: {}, triage: "", response: null, handledHow: null, whitelistedBy: null, createdAt: now, updatedAt: now });
  const policyId = newId("pol", now);
  await s.policies.insert({ id: policyId, accountId: A, assetId: agentId, ip: "203.0.113.2", status: "active", reason: "r", alertId, createdBy: "defence", createdAt: now, expiresAt: now + 3_600_000, updatedAt: now, lastResult: null });
  const disabledPolicyId = newId("pol", now);
  await s.policies.insert({ id: disabledPolicyId, accountId: A, assetId: agentId, ip: "203.0.113.9", status: "disabled", reason: "r", alertId, createdBy: "defence", createdAt: now, expiresAt: now + 3_600_000, updatedAt: now, lastResult: null });
  const allowId = newId("alw", now);
  await s.allowlist.insert({ id: allowId, accountId: A, cidr: "192.0.2.0/24", note: "", createdAt: now, createdBy: "x" });
  const userId = newId("usr", now);
  await s.users.insert({ id: userId, accountId: A, username: `fixture-${i}`, passwordHash: "x", role: "viewer", createdAt: now, mustChangePassword: false, disabledAt: null });
  const tokenId = newId("tok", now);
  await s.apiTokens.insert({ id: tokenId, userId: callerUserId ?? userId, name: "fx", role: "viewer", tokenHash: sha256hex(newApiTokenSecret()), createdAt: now, expiresAt: null, revokedAt: null, lastUsedAt: null });
  const whitelistedAlertId = newId("al", now);
  await s.alerts.insert({ id: whitelistedAlertId, accountId: A, assetId: agentId, type: "ssh_brute_force", ruleId: "r", name: "SSH brute force", severity: "high", status: "whitelisted_manual", dedupKey: `w${i}`, firstSeen: now, lastSeen: now, count: 5, sourceIp: "203.0.113.3", userName: null, attack: [], evidence: {}, triage: "", response: null, handledHow: null, whitelistedBy: null, createdAt: now, updatedAt: now });
  const ruleId = newId("wlr", now);
  await s.whitelist.insertRule({ id: ruleId, accountId: A, alertType: "ssh_brute_force", field: "source.ip", operator: "equals", value: "203.0.113.4", assetId: null, note: "", createdBy: "x", createdAt: now, deletedAt: null });
  const entryId = newId("wle", now);
  await s.whitelist.insertEntry({ id: entryId, accountId: A, alertType: "ssh_brute_force", fields: { "source.ip": "203.0.113.5" }, assetId: null, sourceAlertId: whitelistedAlertId, createdBy: "x", createdAt: now });
  const channelId = newId("nch", now);
  await s.notifications.insertChannel({ id: channelId, accountId: A, name: `fixture ${i}`, kind: "webhook", config: { url: "http://127.0.0.1:1/hook", secret: "fixture secret 0123456789" }, minSeverity: "low", types: [], enabled: true, createdAt: now, updatedAt: now });
  const outboxId = newId("ntf", now);
  await s.notifications.enqueue([{ id: outboxId, accountId: A, channelId, alertId, payload: {}, status: "dead", attempts: 1, nextAttemptAt: now, lastError: "fixture", createdAt: now, sentAt: null }]);
  const approvalId = newId("la", now);
  await s.logon.insertApproval({ id: approvalId, accountId: A, factor: "ip", value: "192.0.2.0/24", tz: null, assetIds: [agentId], source: "operator", note: "", createdBy: "x", createdAt: now });
  await s.logon.approveLocation({ accountId: A, assetId: agentId, key: "DE/Berlin/Berlin", label: "Berlin, Berlin, DE", how: "learning", ip: "81.2.69.1", approvedAt: now });
  await s.baseline.replace({ accountId: A, assetId: agentId, check: "weak_password", ts: now, trigger: "scheduled", checked: 1, skipped: [], durationMs: 1, findings: 0, receivedAt: now }, [{ subject: `weak-${i}`, reason: "dictionary", scheme: "yescrypt" }]);
  await s.inventory.put({ accountId: A, assetId: agentId, ts: now, uidMin: 1000, accounts: [{ name: "root", uid: 0, gid: 0, home: "/root", shell: "/bin/bash", interactiveShell: true, password: "set", systemAccount: false, keys: [] }], receivedAt: now });
  const vaultEntryId = `q-${now}-${"0123456789ab"}`;
  await s.quarantine.sync({ accountId: A, assetId: agentId, ts: now, entries: [{ entryId: vaultEntryId, originalPath: `/var/www/html/shell-${i}.php`, sha256: "c".repeat(64), md5: null, size: 30, mode: 0o644, uid: 33, gid: 33, quarantinedAt: now, expiresAt: now + 30 * 86_400_000 }], restoredIds: [] }, now);
  const eventId = newId("evt", now), entityKey = `host:${agentId}`;
  await s.events.insert({ id: eventId, accountId: A, title: `SSH brute force from 203.0.113.1 (${i})`, status: "unhandled", severity: "high", severityOverride: null, ownerUserId: null, firstSeen: now, lastSeen: now, alertCount: 1, assetIds: [agentId], tactics: ["TA0006"], techniques: ["T1110.001"], stage: "TA0006", alertTypes: ["ssh_brute_force"], joinedBy: [], handledHow: null, handledAt: null, createdAt: now, updatedAt: now });
  await s.events.addAlert(eventId, alertId, now);
  await s.events.upsertEntities(eventId, A, [{ key: entityKey, kind: "host", label: `a-${i}`, assetId: agentId, malicious: false, firstSeen: now, lastSeen: now }, { key: "ip:203.0.113.1", kind: "ip", label: "203.0.113.1", assetId: null, malicious: true, firstSeen: now, lastSeen: now }], [{ from: "ip:203.0.113.1", to: entityKey, relation: "attacked", alertId, ts: now }]);
  await s.events.addActivity({ id: newId("eva", now), eventId, accountId: A, at: now, actor: "system", action: "created", detail: `opened by alert ${alertId}`, remark: "" });
  return { disabledPolicyId, agentId, alertId, policyId, allowId, userId, tokenId, whitelistedAlertId, ruleId, entryId, channelId, outboxId, approvalId, vaultEntryId, eventId, entityKey, n: i };
}

before(async () => {
  ({ server } = await startServer({ dataDir: join(tmp.dir, "s"), clock: new FakeClock(Date.now()), listen: false }));
  await server.store.accounts.insert({ id: B, name: "Account B", parentId: null, createdAt: 0 });
  for (const acc of [A, B]) for (const r of ROLES) creds[`${acc === A ? "A" : "B"}-${r}`] = await addUser(acc, r, `matrix-${acc}-${r}`);
  await addUser(A, "viewer", "matrix-login", "matrix login passphrase");
});
after(async () => {
  await server.close();
  tmp.cleanup();
});

test("ACC-1 every route is in the authorization matrix, and every matrix row is a route", () => {
  const have = new Set(server.routes.map((r) => `${r.method} ${r.url}`));
  const missing = [...have].filter((k) => !MATRIX[k]);
  assert.deepEqual(missing, [], `routes not in the authorization matrix: ${missing.join(", ")} — add them to MATRIX`);
  assert.deepEqual(Object.keys(MATRIX).filter((k) => !have.has(k)), [], "matrix rows without a route");
  for (const r of server.routes) assert.equal(r.access, MATRIX[`${r.method} ${r.url}`]!.access, `${r.method} ${r.url} declares ${r.access}`);
});

for (const [key, row] of Object.entries(MATRIX)) {
  test(`ACC-1 ACC-2 ${key}: ${row.access}${row.scope === "id" ? ", A's rows only" : row.scope === "list" ? ", lists only the caller's account" : ""}`, async () => {
    const [method] = key.split(" ") as [string];
    for (const who of ["none", ...ROLES.map((r) => `A-${r}`), ...ROLES.map((r) => `B-${r}`)]) {
      const c = creds[who];
      const fx = await fixture(who.startsWith("A-") ? c!.userId : null);
      const { url, payload } = row.req(fx);
      const res = await server.api.inject({ method: method as "GET", url, payload, headers: c ? { authorization: `Bearer ${c.token}` } : {} });
      const what = `${who} → ${method} ${url}: ${res.statusCode} ${res.body.slice(0, 200)}`;
      assert.ok(res.statusCode < 500, what);
      if (row.access === "public") {
        assert.ok(![401, 403].includes(res.statusCode), what);
        continue;
      }
      if (!c) {
        assert.equal(res.statusCode, 401, what);
        continue;
      }
      const role = who.slice(2) as Role;
      if (ROLE_RANK[role] < ROLE_RANK[row.access]) {
        assert.equal(res.statusCode, 403, what);
        continue;
      }
      if (who.startsWith("A-") || row.scope === "own") {
        assert.ok(res.statusCode < 400 || (key === "POST /api/v1/auth/password" && res.statusCode === 400), what);
      } else if (row.scope === "id") {
        assert.equal(res.statusCode, 404, what);
      } else {
        assert.equal(res.statusCode, 200, what);
        for (const id of [fx.agentId, fx.policyId, fx.disabledPolicyId, fx.allowId, fx.userId, fx.tokenId, fx.ruleId, fx.entryId, fx.channelId, fx.outboxId, fx.approvalId, fx.vaultEntryId, fx.eventId, `weak-${fx.n}`, A]) assert.ok(!res.body.includes(id), `${what} leaks ${id}`);
        // bulk routes name A's alerts: each must fail as not found, never be changed
        if (method === "POST" && url.startsWith("/api/v1/alerts/")) assert.ok(res.json().results.every((r: { ok: boolean; error: string }) => !r.ok && /^no alert/.test(r.error)), what);
        else for (const id of [fx.alertId, fx.whitelistedAlertId]) assert.ok(!res.body.includes(id), `${what} leaks ${id}`);
      }
    }
  });
}

test("ACC-1 a user cannot act on an account it does not manage; a master account's admin can act on its member", async () => {
  const b = creds["B-admin"]!;
  const denied = await server.api.inject({ url: "/api/v1/alerts", headers: { authorization: `Bearer ${b.token}`, "x-hostward-account": A } });
  assert.equal(denied.statusCode, 403);
  const a = creds["A-admin"]!;
  const created = await server.api.inject({ method: "POST", url: "/api/v1/accounts", payload: { name: "Shop" }, headers: { authorization: `Bearer ${a.token}` } });
  assert.equal(created.statusCode, 200);
  const member = created.json().id as string;
  const asMember = { authorization: `Bearer ${a.token}`, "x-hostward-account": member };
  const add = await server.api.inject({ method: "POST", url: "/api/v1/allowlist", payload: { cidr: "10.99.0.0/16", note: "shop office" }, headers: asMember });
  assert.equal(add.statusCode, 200);
  assert.deepEqual((await server.api.inject({ url: "/api/v1/allowlist", headers: asMember })).json().items.map((e: { cidr: string }) => e.cidr), ["10.99.0.0/16"]);
  assert.ok(!(await server.api.inject({ url: "/api/v1/allowlist", headers: { authorization: `Bearer ${a.token}` } })).body.includes("10.99.0.0/16"), "the member's rows stay in the member account");
  // the member's own users cannot climb up to the master
  const mUser = await addUser(member, "admin", "matrix-member-admin");
  assert.equal((await server.api.inject({ url: "/api/v1/alerts", headers: { authorization: `Bearer ${mUser.token}`, "x-hostward-account": A } })).statusCode, 403);
  assert.equal((await server.api.inject({ method: "POST", url: "/api/v1/accounts", payload: { name: "nested" }, headers: { authorization: `Bearer ${mUser.token}` } })).statusCode, 403, "a member account cannot make members");
});
