import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from "node:http";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { tempDir, startServer, waitFor } from "../helpers.ts";
import { browserSkip, ensureConsoleBuilt, launch, shot, watch } from "../browser.ts";
import { hashPassword, newApiTokenSecret, sha256hex, type HostwardServer } from "../../src/server/index.ts";
import { runDemo } from "../../src/cli/demo.ts";

/** Settings in a real browser: defence, allowlist, notifications, users, API tokens, audit log — and what a viewer may not do. */
const skip = browserSkip();
const tmp = tempDir("hw-console-settings-");
let server: HostwardServer;
let base = "";
let agentUrl = "";
let adminToken = "";
let browser: Browser;
let hook: Server;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
const ADMIN_PW = "amber quarry lighthouse 17";
const VIEWER_PW = "copper meadow whistle 58";

before(async () => {
  if (skip) return;
  ensureConsoleBuilt();
  ({ server, apiUrl: base, agentUrl, adminToken } = await startServer({ dataDir: join(tmp.dir, "s") }));
  const now = Date.now();
  await server.store.users.insert({ id: "usr_settings_admin", accountId: "default", username: "olivia", passwordHash: await hashPassword(ADMIN_PW), role: "admin", createdAt: now, mustChangePassword: false, disabledAt: null });
  await server.store.users.insert({ id: "usr_settings_viewer", accountId: "default", username: "victor", passwordHash: await hashPassword(VIEWER_PW), role: "viewer", createdAt: now, mustChangePassword: false, disabledAt: null });
  hook = createHttpServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", () => r()));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
  await new Promise((r) => (hook ? hook.close(r) : r(null)));
  tmp.cleanup();
});

async function apiAs<T = unknown>(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : null) as T };
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto(base + "/settings");
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("whoami").waitFor();
}

const tab = (page: Page, name: string) => page.getByRole("tab", { name, exact: true });

test("settings as an admin: defence, allowlist, a webhook with a test, users, API tokens, the audit log", { skip: skip ?? false }, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  const seen = watch(page);
  await signIn(page, "olivia", ADMIN_PW);
  await page.getByRole("tab", { name: "Defence", selected: true }).waitFor();

  // --- defence switch: off, then on again; the API agrees each time ---
  const sw = page.getByRole("switch", { name: "Automatic blocking" });
  await sw.waitFor();
  assert.equal(await sw.getAttribute("aria-checked"), "true");
  await sw.click();
  await waitFor("defence off", async () => (await sw.getAttribute("aria-checked")) === "false");
  assert.match(await page.getByTestId("defence-state").innerText(), /^Off/);
  assert.equal((await apiAs<{ enabled: boolean }>(adminToken, "GET", "/api/v1/settings/defence")).body.enabled, false);
  await sw.click();
  await waitFor("defence on", async () => (await sw.getAttribute("aria-checked")) === "true");
  assert.equal((await apiAs<{ enabled: boolean }>(adminToken, "GET", "/api/v1/settings/defence")).body.enabled, true);

  // --- allowlist ---
  await page.getByLabel("Address or network").fill("198.51.100.0/24");
  await page.getByLabel("Note").fill("office VPN egress");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await page.getByTestId("allowlist").getByText("198.51.100.0/24").waitFor();
  const allow = await apiAs<{ items: { cidr: string; note: string; createdBy: string }[] }>(adminToken, "GET", "/api/v1/allowlist");
  assert.ok(allow.body.items.some((e) => e.cidr === "198.51.100.0/24" && e.note === "office VPN egress" && e.createdBy === "user:olivia"), JSON.stringify(allow.body));
  await page.getByLabel("Address or network").fill("not-an-address");
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await page.getByRole("alert").filter({ hasText: "not an IP address or CIDR" }).waitFor();
  await page.getByLabel("Address or network").fill("");
  assert.equal(await page.getByRole("alert").count(), 0, "typing clears the error");
  await page.reload(); // a clean screenshot, without the toasts
  await page.getByTestId("allowlist").getByText("198.51.100.0/24").waitFor();
  await shot(page, "settings-defence");

  // --- notifications: a webhook to a local receiver, "Send test" reaches it ---
  await tab(page, "Notifications").click();
  await page.getByTestId("add-channel").click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("SOC webhook");
  await dialog.getByLabel("Kind").selectOption("webhook");
  await dialog.getByLabel("URL").fill(`http://127.0.0.1:${(hook.address() as { port: number }).port}/hooks/hostward`);
  await dialog.getByRole("button", { name: "Generate" }).click();
  await dialog.getByRole("button", { name: "Add channel", exact: true }).click();
  const row = page.getByTestId("channel-SOC webhook");
  await row.waitFor();
  assert.match(await row.innerText(), /Webhook[\s\S]*127\.0\.0\.1[\s\S]*high[\s\S]*all types[\s\S]*Active/);
  await row.getByTestId("send-test").click();
  const result = page.getByTestId("test-result");
  await result.waitFor();
  assert.match(await result.innerText(), /test notification delivered over webhook/);
  assert.equal(received.length, 1);
  assert.match(String(received[0]!.headers["x-hostward-signature"]), /^t=\d+,v1=[0-9a-f]{64}$/);
  // the secret is never shown again; editing without touching it keeps it
  const channels = await apiAs<{ items: { id: string; config: { secret: string } }[] }>(adminToken, "GET", "/api/v1/notification-channels");
  assert.equal(channels.body.items[0]!.config.secret, "[redacted]");
  await row.getByRole("button", { name: "Edit" }).click();
  await dialog.getByLabel("Signing secret").waitFor();
  assert.equal(await dialog.getByLabel("Signing secret").inputValue(), "");
  await dialog.getByLabel("Minimum severity").selectOption("medium");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await dialog.waitFor({ state: "detached" });
  await row.getByTestId("send-test").click();
  await waitFor("second test", () => received.length === 2);
  // a real attack fills the outbox (the demo's simulated agent)
  await runDemo({ apiUrl: base, apiToken: adminToken, agentUrl: `https://127.0.0.1:${new URL(agentUrl).port}` });
  await waitFor("deliveries sent", async () => (await apiAs<{ items: { status: string }[] }>(adminToken, "GET", "/api/v1/notifications?status=sent")).body.items.length >= 3, 15_000);
  await page.getByRole("button", { name: "Refresh" }).click();
  await waitFor("outbox rows", async () => (await page.getByTestId("outbox").locator("tbody tr").count()) >= 3);
  await shot(page, "settings-notifications");

  // --- users: add one (one-time password shown once), change its role, disable it ---
  await tab(page, "Users").click();
  await page.getByTestId("add-user").click();
  await dialog.getByLabel("User name").fill("grace");
  await dialog.getByLabel("Role").selectOption("analyst");
  await dialog.getByRole("button", { name: "Add user" }).click();
  const otp = await page.getByTestId("one-time-password").innerText();
  assert.match(otp.trim(), /^\w{5}-\w{5}-\w{5}-\w{5}$/);
  await dialog.getByRole("button", { name: "Done" }).click();
  const grace = page.getByTestId("user-grace");
  await grace.waitFor();
  assert.match(await grace.innerText(), /Invited/);
  await page.getByLabel("Role of grace").selectOption("viewer");
  await waitFor("role changed", async () => (await server.store.users.findByName("grace"))?.role === "viewer");
  await grace.getByRole("button", { name: "Disable" }).click();
  await grace.getByText("Disabled").waitFor();
  assert.ok((await server.store.users.findByName("grace"))?.disabledAt);
  // you cannot demote or disable yourself: no controls on your own row
  assert.equal(await page.getByTestId("user-olivia").getByRole("button").count(), 0);
  await shot(page, "settings-users");

  // --- API tokens: the secret is shown once and works against the API ---
  await tab(page, "API tokens").click();
  await page.getByTestId("create-token").click();
  await dialog.getByLabel("Name").fill("siem-export");
  await dialog.getByLabel("Role").selectOption("viewer");
  await dialog.getByLabel("Expires after").selectOption("30d");
  await dialog.getByRole("button", { name: "Create token" }).click();
  const secret = (await page.getByTestId("token-secret").innerText()).trim();
  assert.match(secret, /^hwk_/);
  const used = await apiAs<{ items: unknown[] }>(secret, "GET", "/api/v1/alerts");
  assert.equal(used.status, 200);
  assert.ok(used.body.items.length > 0);
  assert.equal((await apiAs(secret, "PUT", "/api/v1/settings/defence", { enabled: false })).status, 403, "a viewer token cannot change settings");
  await dialog.getByRole("button", { name: "Done" }).click();
  const tokenRow = page.getByTestId("token-siem-export");
  await tokenRow.waitFor();
  assert.match(await tokenRow.innerText(), /viewer[\s\S]*Active/);
  assert.equal(await page.getByText(secret).count(), 0, "the secret is not shown again");
  await tokenRow.getByTestId("revoke-token").click();
  await tokenRow.getByTestId("revoke-token-confirm").click();
  await tokenRow.getByText("Revoked").waitFor();
  assert.equal((await apiAs(secret, "GET", "/api/v1/alerts")).status, 401);

  // --- audit log: everything above, filterable by action ---
  await tab(page, "Audit log").click();
  await page.reload();
  const audit = page.getByTestId("audit");
  await audit.getByText("login.success").first().waitFor();
  const text = await audit.innerText();
  for (const a of ["settings.change", "allowlist.add", "notification_channel.create", "notification_channel.test", "user.add", "user.change", "token.create", "token.revoke", "login.success"]) assert.match(text, new RegExp(a.replace(".", "\\.")), a);
  await shot(page, "settings-audit");
  await page.getByTestId("audit-action").selectOption("allowlist.add");
  await waitFor("filtered", async () => {
    const actions = await audit.locator("tbody tr td:nth-child(4)").allInnerTexts();
    return actions.length === 1 && actions[0] === "allowlist.add";
  });
  assert.match(await audit.innerText(), /olivia[\s\S]*198\.51\.100\.0\/24/);

  assert.deepEqual(seen.dialogs, []);
  assert.deepEqual(seen.errors, []);
  await ctx.close();
});

test("settings as a viewer: no admin tabs or buttons, and the API refuses anyway", { skip: skip ?? false }, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  const seen = watch(page);
  await signIn(page, "victor", VIEWER_PW);
  await page.getByTestId("read-only-note").waitFor();
  const tabs = await page.getByRole("tab").allInnerTexts();
  assert.deepEqual(tabs, ["Defence", "Notifications", "API tokens"]);
  await page.getByTestId("defence-state").getByText(/^On/).waitFor();
  assert.equal(await page.getByRole("switch").count(), 0);
  await page.getByText("Only admins can change this").waitFor();
  assert.equal(await page.getByLabel("Address or network").count(), 0);
  await page.getByTestId("allowlist").waitFor();
  assert.equal(await page.getByTestId("allowlist").getByRole("button").count(), 0);
  await tab(page, "Notifications").click();
  await page.getByRole("heading", { name: "Recent deliveries" }).waitFor();
  assert.equal(await page.getByTestId("add-channel").count(), 0);
  assert.equal(await page.getByTestId("send-test").count(), 0);
  // a hand-typed admin tab falls back to the first tab
  await page.goto(base + "/settings?tab=audit");
  await page.getByRole("tab", { name: "Defence", selected: true }).waitFor();
  assert.equal(await page.getByTestId("audit").count(), 0);
  // a viewer may make a viewer token for itself, never more
  await tab(page, "API tokens").click();
  await page.getByTestId("create-token").click();
  const roles = await page.getByRole("dialog").getByLabel("Role").locator("option").allInnerTexts();
  assert.deepEqual(roles, ["viewer"]);
  await page.keyboard.press("Escape");

  // the API refuses what the console hides
  const token = newApiTokenSecret();
  await server.store.apiTokens.insert({ id: "tok_settings_viewer", userId: "usr_settings_viewer", name: "viewer", role: "viewer", tokenHash: sha256hex(token), createdAt: Date.now(), expiresAt: null, revokedAt: null, lastUsedAt: null });
  for (const [method, path, body] of [["PUT", "/api/v1/settings/defence", { enabled: false }], ["POST", "/api/v1/allowlist", { cidr: "192.0.2.1" }], ["GET", "/api/v1/users"], ["POST", "/api/v1/users", { username: "mallory", role: "admin" }], ["GET", "/api/v1/audit"], ["GET", "/api/v1/notification-channels"], ["POST", "/api/v1/tokens", { name: "up", role: "admin" }]] as const) {
    assert.equal((await apiAs(token, method, path, body)).status, 403, `${method} ${path}`);
  }
  assert.equal((await apiAs<{ enabled: boolean }>(adminToken, "GET", "/api/v1/settings/defence")).body.enabled, true);
  assert.deepEqual(seen.dialogs, []);
  assert.deepEqual(seen.errors, []);
  await ctx.close();
});
