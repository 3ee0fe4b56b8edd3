export { createServer, type HostwardServer, type ServerDeps } from "./app.ts";
export { loadServerConfig, serverConfigSchema, type ServerConfig } from "./config.ts";
export { createEnrolToken } from "./routes/index.ts";
export { hashPassword, passwordProblem, DEFAULT_LOCKOUT, type LockoutPolicy } from "./login-service.ts";
export { ensurePki, fingerprintOf, type Pki } from "./pki.ts";
export { newApiTokenSecret, newPassword, sha256hex } from "./secrets.ts";
