/**
 * Errors say who must act and carry a stable code (HW_ERR_<AREA>_<WHAT>).
 * UserError → 4xx (the caller must fix the request), OperationalError → retry/warn
 * (503), BugError → 500. The HTTP mapping lives in one place: src/server/errors.ts.
 */
export class HostwardError extends Error {
  readonly code: string;
  readonly details: unknown;
  constructor(code: string, message: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

export type UserErrorKind = "invalid" | "unauthenticated" | "forbidden" | "not_found" | "conflict" | "too_large" | "rate_limited";

export class UserError extends HostwardError {
  readonly kind: UserErrorKind;
  constructor(kind: UserErrorKind, code: string, message: string, details?: unknown) {
    super(code, message, details);
    this.kind = kind;
  }
}

export class OperationalError extends HostwardError {}
export class BugError extends HostwardError {}

export const ErrorCodes = {
  AUTH_MISSING: "HW_ERR_AUTH_MISSING",
  AUTH_INVALID: "HW_ERR_AUTH_INVALID",
  AUTH_LOCKED: "HW_ERR_AUTH_LOCKED",
  AUTH_FORBIDDEN: "HW_ERR_AUTH_FORBIDDEN",
  AUTH_CSRF: "HW_ERR_AUTH_CSRF",
  AUTH_PASSWORD_CHANGE_REQUIRED: "HW_ERR_AUTH_PASSWORD_CHANGE_REQUIRED",
  PASSWORD_WEAK: "HW_ERR_PASSWORD_WEAK",
  ACCOUNT_FORBIDDEN: "HW_ERR_ACCOUNT_FORBIDDEN",
  OWNER_NOT_PERMITTED: "HW_ERR_OWNER_NOT_PERMITTED",
  AGENT_REVOKED: "HW_ERR_AGENT_REVOKED",
  ENROL_TOKEN_INVALID: "HW_ERR_ENROL_TOKEN_INVALID",
  REQUEST_INVALID: "HW_ERR_REQUEST_INVALID",
  REQUEST_TOO_LARGE: "HW_ERR_REQUEST_TOO_LARGE",
  NOT_FOUND: "HW_ERR_NOT_FOUND",
  POLICY_NOT_FOUND: "HW_ERR_POLICY_NOT_FOUND",
  ACTION_INVALID: "HW_ERR_ACTION_INVALID",
  RULE_INVALID: "HW_ERR_RULE_INVALID",
  CONFIG_INVALID: "HW_ERR_CONFIG_INVALID",
  STORE_UNAVAILABLE: "HW_ERR_STORE_UNAVAILABLE",
  INTERNAL: "HW_ERR_INTERNAL",
  SPOOL_CLOSED: "HW_ERR_SPOOL_CLOSED",
  SPOOL_WRITE: "HW_ERR_SPOOL_WRITE",
  ACTION_FAILED: "HW_ERR_ACTION_FAILED",
  AGENT_NOT_ENROLLED: "HW_ERR_AGENT_NOT_ENROLLED",
  AGENT_CA_MISMATCH: "HW_ERR_AGENT_CA_MISMATCH",
  AGENT_CA_FETCH: "HW_ERR_AGENT_CA_FETCH",
} as const;
