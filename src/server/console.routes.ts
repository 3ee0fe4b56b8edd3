import type { FastifyInstance, FastifyReply } from "fastify";
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, extname } from "node:path";

const DIST = join(import.meta.dirname, "..", "..", "console", "dist");

/** The console's client-side pages: each serves the same index.html. */
export const CONSOLE_PAGES = ["/", "/security-events", "/alerts", "/entities", "/assets", "/ip-policies", "/file-quarantine", "/attack-analysis", "/whitelist", "/threat-intel", "/logon-settings", "/settings", "/password"];

const TYPES: Record<string, string> = { ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png", ".woff2": "font/woff2", ".json": "application/json" };

/**
 * Strict headers: scripts only from this origin, no framing. Attacker text reaches the
 * page only as JSON rendered by React as text, so even a rendering bug cannot load script.
 */
function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header("content-security-policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .header("x-frame-options", "DENY");
}

const PLACEHOLDER = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hostward</title></head>
<body style="font-family:system-ui;background:#0b1020;color:#e6ecff;padding:40px"><h1>Hostward</h1>
<p>The server is running, but the console is not built. Run <code>npm run build:console</code> (it needs the dev dependencies: <code>npm install</code>).</p>
<p>The REST API is at <a style="color:#22d3ee" href="/api/v1/openapi.json">/api/v1</a>.</p></body></html>`;

export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  const index = () => (existsSync(join(DIST, "index.html")) ? readFileSync(join(DIST, "index.html"), "utf8") : PLACEHOLDER);
  for (const path of CONSOLE_PAGES) {
    app.get(path, { config: { access: "public" }, schema: { hide: true } }, async (_req, reply) => secure(reply).type("text/html; charset=utf-8").header("cache-control", "no-cache").send(index()));
  }
  app.get("/assets/:file", { config: { access: "public" }, schema: { hide: true } }, async (req, reply) => {
    const file = (req.params as { file: string }).file;
    // Vite's hashed file names only: no path can leave the assets folder
    if (!/^[A-Za-z0-9_.-]+$/.test(file) || file.startsWith(".")) return reply.status(404).send({ error: { code: "HW_ERR_NOT_FOUND", message: "no such asset" } });
    try {
      const body = await readFile(join(DIST, "assets", file));
      return secure(reply).type(TYPES[extname(file)] ?? "application/octet-stream").header("cache-control", "public, max-age=31536000, immutable").send(body);
    } catch {
      return reply.status(404).send({ error: { code: "HW_ERR_NOT_FOUND", message: "no such asset" } });
    }
  });
}
