/**
 * Runs the whole suite with node's test runner: readable spec output on stdout, TAP in
 * test-results.tap, and a closing "tests: N passed, N failed" line that CI reads.
 * Pass file globs to run a subset.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

const patterns = process.argv.slice(2);
const files = patterns.length ? patterns : ["src/**/*.test.ts", "content/**/*.test.ts", "test/**/*.test.ts", "bench/**/*.test.ts"];
const child = spawn(process.execPath, [
  "--test", "--test-concurrency=1",
  "--test-reporter=spec", "--test-reporter-destination=stdout",
  "--test-reporter=tap", "--test-reporter-destination=test-results.tap",
  ...files,
], { stdio: "inherit" });
child.on("exit", (code) => {
  let passed = 0, failed = 0;
  try {
    const tap = readFileSync("test-results.tap", "utf8");
    passed = Number(/^# pass (\d+)/m.exec(tap)?.[1] ?? 0);
    failed = Number(/^# fail (\d+)/m.exec(tap)?.[1] ?? 0);
  } catch {
    failed = 1;
  }
  process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
  process.exit(code ?? 1);
});
