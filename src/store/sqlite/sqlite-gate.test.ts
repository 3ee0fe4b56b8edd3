import { test } from "node:test";
import assert from "node:assert/strict";
import { SqliteStore } from "./sqlite-store.ts";

test("a statement that waits for an open transaction runs before a transaction queued after it", async () => {
  const store = new SqliteStore({ path: ":memory:" });
  const order: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const t1 = store.transaction(async (tx) => {
    await tx.settings.set("k", 1);
    await held;
    order.push("t1 done");
  });
  await new Promise((r) => setImmediate(r));
  const read = store.settings.get<number>("k").then((v) => order.push(`read ${v}`));
  const t2 = store.transaction(async (tx) => {
    order.push("t2 begins");
    await tx.settings.set("k", 2);
  });
  release();
  await Promise.all([t1, read, t2]);
  assert.deepEqual(order, ["t1 done", "read 1", "t2 begins"]);
  await store.close();
});

test("transactions queued back to back let the event loop turn", async () => {
  const store = new SqliteStore({ path: ":memory:" });
  let turned = 0;
  const tick = setInterval(() => turned++, 1);
  const t0 = performance.now();
  // a chain of transactions with only microtasks between them, like a busy ingest queue
  let chain: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < 400; i++) chain = chain.then(() => store.transaction(async (tx) => { const end = performance.now() + 0.5; while (performance.now() < end); await tx.settings.set("k", i); }));
  await chain;
  clearInterval(tick);
  assert.ok(performance.now() - t0 > 150);
  assert.ok(turned >= 3, `the event loop turned ${turned} times in ${Math.round(performance.now() - t0)} ms`);
  await store.close();
});
