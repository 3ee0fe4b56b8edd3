import https from "node:https";
import { X509Certificate } from "node:crypto";
import { UserError, OperationalError, ErrorCodes } from "../core/index.ts";

export class HttpStatusError extends OperationalError {
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(code, message);
    this.status = status;
  }
}

export interface Response<T> { status: number; body: T }

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256.replaceAll(":", "").toLowerCase();

function request(agent: https.Agent, base: string, method: string, path: string, opts: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number; rejectUnauthorized?: boolean } = {}): Promise<Response<unknown>> {
  const url = new URL(path, base);
  const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  return new Promise((resolve, reject) => {
    const req = https.request(url, {
      method, agent,
      headers: { accept: "application/json", ...(payload ? { "content-type": "application/json", "content-length": String(payload.length) } : {}), ...opts.headers },
      timeout: opts.timeoutMs ?? 30_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        if ((res.headers["content-type"] ?? "").includes("json")) {
          try { body = JSON.parse(text); } catch { /* keep text */ }
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new OperationalError("HW_ERR_AGENT_TIMEOUT", `${method} ${url.pathname} timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/**
 * Fetches the server's CA and checks it against the fingerprint from the enrolment token.
 * The CA is trusted only if it matches; every later request verifies the server's
 * certificate against it, so a man in the middle that echoed the real CA still fails.
 */
export async function fetchPinnedCa(server: string, expectedFingerprint: string): Promise<string> {
  const probe = new https.Agent({ rejectUnauthorized: false, keepAlive: false });
  let res: Response<unknown>;
  try {
    res = await request(probe, server, "GET", "/agent/v1/ca", { timeoutMs: 10_000 });
  } finally {
    probe.destroy();
  }
  if (res.status !== 200 || typeof res.body !== "string" || !res.body.includes("BEGIN CERTIFICATE")) {
    throw new OperationalError("HW_ERR_AGENT_CA_FETCH", `${server} did not return its CA certificate (HTTP ${res.status}); is it a Hostward server's agent port?`);
  }
  const got = fingerprint(res.body);
  if (got !== expectedFingerprint.toLowerCase()) {
    throw new UserError("unauthenticated", "HW_ERR_AGENT_CA_MISMATCH", `refusing to connect: the server's CA fingerprint ${got} does not match the enrolment token's ${expectedFingerprint}. The token was made for another server, or something is intercepting the connection.`);
  }
  return res.body;
}

/** The agent's channel to its server: TLS verified against the pinned CA, keep-alive. */
export class ServerChannel {
  readonly server: string;
  #agent: https.Agent;
  #auth: string | null = null;

  constructor(server: string, caPem: string) {
    this.server = server;
    // The CA is private to one server and pinned by fingerprint, so any certificate it
    // signed is that server: the host name check adds nothing and would break agents that
    // reach the server by an address missing from its certificate.
    this.#agent = new https.Agent({ ca: caPem, rejectUnauthorized: true, keepAlive: true, maxSockets: 4, checkServerIdentity: () => undefined });
  }

  setCredential(agentId: string, secret: string): void {
    this.#auth = `Bearer ${agentId}.${secret}`;
  }

  async call<T>(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<T> {
    const res = await request(this.#agent, this.server, method, path, { body, timeoutMs, headers: this.#auth ? { authorization: this.#auth } : {} });
    if (res.status >= 200 && res.status < 300) return res.body as T;
    const err = (res.body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new HttpStatusError(res.status, err?.code ?? "HW_ERR_AGENT_HTTP", `${method} ${path}: HTTP ${res.status}${err?.message ? `: ${err.message}` : ""}`);
  }

  close(): void {
    this.#agent.destroy();
  }
}

export { ErrorCodes };
