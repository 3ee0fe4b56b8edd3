import { test } from "node:test";
import assert from "node:assert/strict";
import { agentAction } from "../protocol/index.ts";
import { HostwardAgent } from "./agent.ts";
import { RecordingFirewall, quietLog } from "../../test/helpers.ts";

test("AGT-10 only typed actions exist: a free command, an unknown type, an injected address or an extra field are refused", () => {
  const refused = [
    { id: "a1", type: "exec", params: { cmd: "touch /tmp/pwned" } },
    { id: "a2", type: "run_shell", params: { script: "curl x | sh" } },
    { id: "a3", type: "block_ip", params: { ip: "1.2.3.4; rm -rf /" } },
    { id: "a4", type: "block_ip", params: { ip: "$(reboot)" } },
    { id: "a5", type: "block_ip", params: { ip: "203.0.113.1", timeoutSeconds: 60, cmd: "id" } },
    { id: "a6", type: "unblock_ip", params: { ip: "203.0.113.1 } ; flush ruleset ; {" } },
    { id: "a7", type: "block_ip", params: { ip: "203.0.113.1", timeoutSeconds: -5 } },
  ];
  for (const a of refused) assert.equal(agentAction.safeParse(a).success, false, JSON.stringify(a));
  const ok = agentAction.parse({ id: "a8", type: "block_ip", params: { ip: "2001:DB8::0:1", timeoutSeconds: 60 } });
  assert.deepEqual(ok.params, { ip: "2001:db8::1", timeoutSeconds: 60 }, "addresses are canonicalised before reaching nft");
});

test("AGT-10 the agent carries out a typed block/unblock and reports failure when it has no firewall", async () => {
  const fw = new RecordingFirewall();
  const agent = new HostwardAgent({ server: "https://127.0.0.1:1", stateDir: "/nonexistent", firewall: fw, log: quietLog });
  assert.deepEqual(await agent.execute({ id: "x", type: "block_ip", params: { ip: "203.0.113.9", timeoutSeconds: 30 } }), { ok: true, message: "blocked 203.0.113.9" });
  assert.deepEqual(await agent.execute({ id: "y", type: "unblock_ip", params: { ip: "203.0.113.9" } }), { ok: true, message: "unblocked 203.0.113.9" });
  assert.deepEqual(fw.calls, [{ op: "block", ip: "203.0.113.9", timeout: 30 }, { op: "unblock", ip: "203.0.113.9" }]);
  const blind = new HostwardAgent({ server: "https://127.0.0.1:1", stateDir: "/nonexistent", firewall: null, log: quietLog });
  const r = await blind.execute({ id: "z", type: "block_ip", params: { ip: "203.0.113.9" } });
  assert.equal(r.ok, false);
  assert.match(r.message, /without firewall control/);
});
