/**
 * Builds the console (console/ → console/dist) with Vite. Runs on `npm install`
 * (prepare) and before `npm start`; skips the build when dist is newer than every source.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "console");
const dist = join(root, "dist", "index.html");

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "dist" || e.name === "node_modules") continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const force = process.argv.includes("--force");
if (!force && existsSync(dist) && statSync(dist).mtimeMs >= newest(root)) {
  console.log("console: up to date");
} else {
  let vite: typeof import("vite");
  try {
    vite = await import("vite");
  } catch {
    console.error("console: vite is not installed (npm install without --omit=dev builds the console); the server will show a placeholder page");
    process.exit(0);
  }
  const t = Date.now();
  await vite.build({ configFile: join(root, "vite.config.ts"), logLevel: "warn" });
  console.log(`console: built in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
