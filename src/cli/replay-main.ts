/** Stand-alone entry of `hostward replay` (used by bench/ so it does not depend on the main CLI). */
import { replayCommand } from "./replay.ts";

process.exitCode = await replayCommand(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
