export type Role = "viewer" | "analyst" | "admin";
export type Severity = "low" | "medium" | "high" | "critical";

export interface Me {
  id: string;
  username: string;
  role: Role;
  accountId: string;
  actingAccountId: string;
  mustChangePassword: boolean;
  via: "session" | "token";
  csrfToken: string | null;
}

export interface Alert {
  id: string;
  assetId: string;
  type: string;
  ruleId: string;
  name: string;
  severity: Severity;
  status: string;
  dedupKey: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  /** When Hostward created the alert; firstSeen is when it happened (PRC-3). */
  detectedAt: string;
  source: { ip: string | null };
  user: { name: string | null };
  attack: string[];
  evidence: Record<string, unknown>;
  triage: string;
  response: string | null;
  handledHow: string | null;
  whitelistedBy: string | null;
  /** EVT-1: the security event it belongs to (GET /alerts/{id} only). */
  eventId?: string | null;
}

export interface Agent {
  id: string;
  hostname: string;
  version: string;
  os: string;
  enrolledAt: string;
  lastSeenAt: string | null;
  revokedAt: string | null;
  rejectedRecords: number;
  droppedRecords: number;
}

export interface Policy {
  id: string;
  assetId: string;
  ip: string;
  status: string;
  reason: string;
  alertId: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  updatedAt: string;
  lastResult: string | null;
}

export const canAct = (role: Role | undefined, need: Role): boolean => {
  const rank = { viewer: 0, analyst: 1, admin: 2 } as const;
  return role !== undefined && rank[role] >= rank[need];
};
