import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { tempDir, startServer } from "../helpers.ts";
import { browserSkip, ensureConsoleBuilt, launch, shot, watch } from "../browser.ts";
import type { HostwardServer } from "../../src/server/index.ts";

/** The console in a real browser (Debian's chromium driven by playwright-core). */
const skip = browserSkip();
const tmp = tempDir("hw-console-");
let server: HostwardServer;
let base = "";
let browser: Browser;

before(async () => {
  if (skip) return;
  ensureConsoleBuilt();
  let apiUrl: string;
  ({ server, apiUrl } = await startServer({ dataDir: join(tmp.dir, "s") }));
  base = apiUrl;
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
  tmp.cleanup();
});

test("ACC-2 first sign-in: the one-time password must be replaced; a wrong password says so; sign out", { skip: skip ?? false }, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  const page = await ctx.newPage();
  const seen = watch(page);
  await page.goto(base + "/");
  await page.getByLabel("User name").fill("admin");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("login-error").waitFor();
  assert.match(await page.getByTestId("login-error").innerText(), /wrong user name or password/);
  await shot(page, "login");
  await page.getByLabel("Password").fill(server.firstAdminPassword!);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Choose your password" }).waitFor();
  await page.getByLabel("Current password").fill(server.firstAdminPassword!);
  await page.getByLabel("New password", { exact: true }).fill("violet horizon lantern 42");
  await page.getByLabel("New password again").fill("violet horizon lantern 42");
  await page.getByRole("button", { name: "Change password" }).click();
  await page.getByTestId("whoami").waitFor();
  assert.match(await page.getByTestId("whoami").innerText(), /admin · admin/);
  await page.getByTestId("logout").click();
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  assert.deepEqual(seen.errors, []);
  await ctx.close();
});
