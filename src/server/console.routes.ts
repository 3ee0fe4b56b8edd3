import type { FastifyInstance } from "fastify";

/**
 * Console placeholder until the React console lands (issue 5). Static HTML: no
 * server-side interpolation, and the script writes API data with textContent only,
 * so attacker text in alerts can never become markup.
 */
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hostward</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'">
<style>
 body{font-family:system-ui,sans-serif;margin:0;background:#0f172a;color:#e2e8f0}
 header{padding:16px 24px;background:#111827;border-bottom:1px solid #1f2937;font-weight:600;font-size:18px}
 main{padding:24px;max-width:960px}
 .card{background:#111827;border:1px solid #1f2937;border-radius:8px;padding:16px;margin-bottom:16px}
 code{background:#1f2937;padding:2px 6px;border-radius:4px}
 table{width:100%;border-collapse:collapse} td,th{text-align:left;padding:6px;border-bottom:1px solid #1f2937}
 input,button{font:inherit;padding:6px 10px;border-radius:6px;border:1px solid #334155;background:#0b1220;color:inherit}
</style></head>
<body><header>Hostward</header><main>
<div class="card"><p>The Hostward server is running. The full console is on its way; until then, use the REST API
(<a href="/api/v1/openapi.json" style="color:#93c5fd">OpenAPI document</a>) or the <code>hostward</code> CLI.</p>
<form id="login"><input id="u" placeholder="user" autocomplete="username" value="admin"> <input id="p" type="password" placeholder="password" autocomplete="current-password"> <button>Sign in</button> <span id="msg"></span></form></div>
<div class="card"><h3>Latest alerts</h3><table><thead><tr><th>Last seen</th><th>Type</th><th>Severity</th><th>Source</th><th>Count</th><th>Response</th></tr></thead><tbody id="alerts"></tbody></table></div>
</main><script src="/console.js"></script></body></html>`;

const SCRIPT = `
const msg = document.getElementById("msg");
let csrf = null;
async function me() {
  const r = await fetch("/api/v1/me");
  if (!r.ok) return null;
  const j = await r.json(); csrf = j.csrfToken; return j;
}
document.getElementById("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const r = await fetch("/api/v1/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: document.getElementById("u").value, password: document.getElementById("p").value }) });
  const j = await r.json();
  if (!r.ok) { msg.textContent = j.error ? j.error.message : "sign-in failed"; return; }
  csrf = j.csrfToken;
  msg.textContent = j.user.mustChangePassword ? "Signed in. Change your one-time password first (POST /api/v1/auth/password)." : "";
  load();
});
async function load() {
  const r = await fetch("/api/v1/alerts?limit=20");
  if (!r.ok) return;
  const body = document.getElementById("alerts"); body.replaceChildren();
  for (const a of (await r.json()).items) {
    const tr = document.createElement("tr");
    for (const v of [a.lastSeen, a.type, a.severity, a.source.ip || "", String(a.count), a.response || ""]) { const td = document.createElement("td"); td.textContent = v; tr.append(td); }
    body.append(tr);
  }
}
me().then((u) => { if (u) load(); }); setInterval(load, 5000);
`;

export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  app.get("/", { config: { access: "public" }, schema: { hide: true } }, async (_req, reply) => reply.type("text/html; charset=utf-8").header("x-content-type-options", "nosniff").send(PAGE));
  app.get("/console.js", { config: { access: "public" }, schema: { hide: true } }, async (_req, reply) => reply.type("text/javascript; charset=utf-8").send(SCRIPT));
}
