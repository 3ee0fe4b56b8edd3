/**
 * The console's one way to the REST API: same-origin cookie session, the CSRF token on
 * every change, errors as ApiError with the server's code and message.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let csrf: string | null = null;
let onUnauthenticated: () => void = () => {};

export function setCsrf(token: string | null): void {
  csrf = token;
}

export function onSessionLost(fn: () => void): void {
  onUnauthenticated = fn;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; account?: string | null } = {}): Promise<T> {
  const method = init.method ?? "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrf) headers["x-csrf-token"] = csrf;
  const account = init.account ?? currentAccount;
  if (account) headers["x-hostward-account"] = account;
  const res = await fetch(path, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), credentials: "same-origin" });
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string } } | null)?.error;
    const err = new ApiError(res.status, e?.code ?? "HW_ERR_HTTP", e?.message ?? `HTTP ${res.status}`);
    if (res.status === 401 && path !== "/api/v1/auth/login") onUnauthenticated();
    throw err;
  }
  return data as T;
}

/** The member account a master account's user is acting on (null = own). */
let currentAccount: string | null = null;
export function setAccount(id: string | null): void {
  currentAccount = id;
}

export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : "";
}
