#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI on the Node 24 that ships in node_modules
// (type stripping), whatever node started this file.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const local = join(root, "node_modules", "node", "bin", "node");
const nodeBin = existsSync(local) ? local : process.execPath;
// The agent lives beside the workloads it protects: a 1 MB young generation keeps its RSS
// down (bench/agent-process.ts measures it). The same flags are in deploy/hostward-agent.service.
const flags = process.argv[2] === "agent" ? ["--max-semi-space-size=1"] : [];
// Compiled-code cache: after the first run the TypeScript is not stripped again (faster start,
// and the type stripper's ~30 MB are never loaded).
const env = { ...process.env, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), "hostward-node-cache") };
const r = spawnSync(nodeBin, [...flags, join(root, "src", "cli", "main.ts"), ...process.argv.slice(2)], { stdio: "inherit", env });
process.exit(r.status ?? 1);
