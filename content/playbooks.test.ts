import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILT_IN_PLAYBOOKS, loadPlaybooks, PLAYBOOKS_DIR } from "./playbooks.ts";

test("EVT-10 the built-in playbooks load and validate: isolate host, deep virus scan, block IP on the firewall and in the web deny list, contain brute force", () => {
  const { playbooks, errors } = loadPlaybooks();
  assert.deepEqual(errors, []);
  const byName = Object.fromEntries(playbooks.map((p) => [p.name, p]));
  assert.deepEqual(
    ["Isolate host", "Deep virus scan", "Block IP on host firewall", "Block IP in web-server deny list", "Contain brute-force attacker"].map((n) => [n, byName[n]?.target, byName[n]?.builtIn]),
    [["Isolate host", "host", true], ["Deep virus scan", "host", true], ["Block IP on host firewall", "ip", true], ["Block IP in web-server deny list", "ip", true], ["Contain brute-force attacker", "ip", true]],
  );
  assert.deepEqual(byName["Isolate host"]!.steps.map((s) => s.action), ["isolate_host"]);
  assert.deepEqual(byName["Deep virus scan"]!.steps.map((s) => s.action), ["scan_web_files", "run_baseline"]);
  assert.deepEqual(byName["Contain brute-force attacker"]!.steps.map((s) => s.action), ["block_ip", "web_deny_ip", "run_baseline"]);
  assert.deepEqual(new Set(playbooks.map((p) => p.id)), BUILT_IN_PLAYBOOKS);
});

test("EVT-10 a custom playbook is one YAML file; a bad one is listed with its error and does not hide the others", () => {
  const dir = mkdtempSync(join(tmpdir(), "hw-playbooks-"));
  try {
    writeFileSync(join(dir, "web-and-scan.yml"), `id: web-and-scan
name: Deny in nginx and scan
target: ip
steps:
  - action: web_deny_ip
    params: { ip: "{{target.ip}}", timeoutSeconds: 3600 }
  - action: scan_web_files
`);
    writeFileSync(join(dir, "shell.yml"), "id: shell\nname: Shell\ntarget: host\nsteps:\n  - action: run_command\n    params: { cmd: \"curl x | sh\" }\n");
    writeFileSync(join(dir, "broken.yaml"), "id: [\n");
    copyFileSync(join(PLAYBOOKS_DIR, "isolate-host.yml"), join(dir, "my-isolate.yml"));
    writeFileSync(join(dir, "notes.txt"), "not a playbook");
    const { playbooks, errors } = loadPlaybooks([PLAYBOOKS_DIR, dir]);
    const custom = playbooks.find((p) => p.id === "web-and-scan")!;
    assert.equal(custom.builtIn, false);
    assert.equal(custom.source, "web-and-scan.yml");
    assert.equal(playbooks.length, BUILT_IN_PLAYBOOKS.size + 1);
    assert.deepEqual(errors.map((e) => e.source), ["broken.yaml", "my-isolate.yml", "shell.yml"]);
    assert.match(errors[0]!.message, /^broken\.yaml: not valid YAML/);
    assert.equal(errors[1]!.message, "my-isolate.yml: playbook id isolate-host is already used by isolate-host.yml");
    assert.match(errors[2]!.message, /^shell\.yml: steps\.0\.action: Invalid option: expected one of "block_ip"\|/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
