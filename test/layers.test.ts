import { test } from "node:test";
import assert from "node:assert/strict";
import { violations } from "../scripts/check-layers.ts";

test("layers: every src/ folder imports only what STYLE.md's table allows; core, protocol and detection use no node:*", () => {
  assert.deepEqual(violations(), []);
});
