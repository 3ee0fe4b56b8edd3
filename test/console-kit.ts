import assert from "node:assert/strict";
import type { Browser, BrowserContext, ConsoleMessage, Page } from "playwright-core";
import { enrolToken } from "./helpers.ts";
import { watch } from "./browser.ts";
import { hashPassword, type HostwardServer } from "../src/server/index.ts";
import type { Role } from "../src/core/index.ts";

/** What the console browser tests share: users, an agent's side of the channel, sign-in, and the "attacker text stayed text" check. */
export const CONSOLE_PASSWORD = "amber kestrel harbour 7731";

export async function addConsoleUser(server: HostwardServer, username: string, role: Role, password = CONSOLE_PASSWORD): Promise<void> {
  await server.store.users.insert({ id: `usr_${username}`, accountId: "default", username, passwordHash: await hashPassword(password), role, createdAt: Date.now(), mustChangePassword: false, disabledAt: null });
}

export type AgentCred = { agentId: string; secret: string };

/** Enrols simulated agents and sends their records through the real agent channel (records get stable ids). */
export function agentSide(server: HostwardServer): { enrol(hostname: string): Promise<AgentCred>; send(as: AgentCred, records: object[]): Promise<void> } {
  let seq = 0;
  return {
    async enrol(hostname) {
      const r = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/enrol", payload: { token: await enrolToken(server), hostname, version: "1", os: "linux" } });
      assert.equal(r.statusCode, 200, r.body);
      return r.json();
    },
    async send(as, records) {
      const r = await server.agentChannel.inject({ method: "POST", url: "/agent/v1/telemetry", headers: { authorization: `Bearer ${as.agentId}.${as.secret}` }, payload: { records: records.map((x) => ({ id: `rec-${String(seq++).padStart(8, "0")}`, ...x })) } });
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json().rejected, []);
    },
  };
}

export interface Signed { ctx: BrowserContext; page: Page; seen: ReturnType<typeof watch>; consoleErrors: string[] }

/** `ignoreConsole`: console errors a test expects (e.g. a refused request's 400), left out of the check. */
export async function signIn(browser: Browser, base: string, username: string, o: { password?: string; acceptDownloads?: boolean; ignoreConsole?: RegExp } = {}): Promise<Signed> {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, ...(o.acceptDownloads ? { acceptDownloads: true } : {}) });
  const page = await ctx.newPage();
  const seen = watch(page);
  await page.goto(base + "/");
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(o.password ?? CONSOLE_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("whoami").waitFor();
  const consoleErrors: string[] = [];
  // from here on: before sign-in the signed-out /api/v1/me answers 401 by design
  page.on("console", (m: ConsoleMessage) => { if (m.type() === "error" && !o.ignoreConsole?.test(m.text())) consoleErrors.push(m.text()); });
  return { ctx, page, seen, consoleErrors };
}

export const nav = (page: Page, name: string) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();

/** Attacker text stayed text: no markup, no script, no dialog, no page or console error. */
export async function assertClean(s: Signed): Promise<void> {
  assert.equal(await s.page.locator('img[src="x"]').count(), 0, "no attacker markup in the page");
  assert.equal(await s.page.locator("#root script, body > script:not([src])").count(), 0, "no injected script element");
  assert.equal(await s.page.evaluate("window.__pwned"), undefined, "no attacker script ran");
  assert.deepEqual(s.seen.dialogs, [], "no dialog opened (attacker text stays text)");
  assert.deepEqual(s.seen.errors, []);
  assert.deepEqual(s.consoleErrors, []);
}
