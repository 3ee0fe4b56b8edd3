#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI on the Node 24 that ships in node_modules
// (type stripping), whatever node started this file.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const local = join(root, "node_modules", "node", "bin", "node");
const nodeBin = existsSync(local) ? local : process.execPath;
const r = spawnSync(nodeBin, [join(root, "src", "cli", "main.ts"), ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? 1);
