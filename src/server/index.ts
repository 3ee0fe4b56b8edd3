export { createServer, type HostwardServer, type ServerDeps } from "./app.ts";
export { loadServerConfig, serverConfigSchema, type ServerConfig } from "./config.ts";
export { createEnrolToken } from "./api.routes.ts";
export { ensurePki, fingerprintOf, type Pki } from "./pki.ts";
export { newApiTokenSecret, sha256hex } from "./secrets.ts";
