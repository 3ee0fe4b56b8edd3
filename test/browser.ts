import { chromium, type Browser, type Page } from "playwright-core";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOTS = join(import.meta.dirname, "..", "docs", "screenshots");

/** Why browser tests cannot run here, or null. */
export function browserSkip(): string | null {
  return existsSync(CHROMIUM) ? null : "Debian's chromium is not installed (.ci/run installs it)";
}

/** Makes sure console/dist exists (npm install builds it; a test run straight from a checkout may not have). */
export function ensureConsoleBuilt(): void {
  if (existsSync(join(import.meta.dirname, "..", "console", "dist", "index.html"))) return;
  const r = spawnSync(process.execPath, [join(import.meta.dirname, "..", "scripts", "build-console.ts"), "--force"], { stdio: "inherit" });
  if (r.status !== 0) throw new Error("console build failed");
}

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** Collects dialogs (an XSS would open one) and page errors. */
export function watch(page: Page): { dialogs: string[]; errors: string[] } {
  const seen = { dialogs: [] as string[], errors: [] as string[] };
  page.on("dialog", (d) => {
    seen.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on("pageerror", (e) => seen.errors.push(e.message));
  return seen;
}
