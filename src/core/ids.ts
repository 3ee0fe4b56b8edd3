/**
 * Time-ordered unique ids without node:*: the time, then a per-process sequence (so ids
 * made in the same millisecond still sort in creation order), then randomness.
 */
let seq = 0;

export function newId(prefix: string, now: number = Date.now()): string {
  const rnd = new Uint8Array(7);
  globalThis.crypto.getRandomValues(rnd);
  let r = "";
  for (const b of rnd) r += b.toString(16).padStart(2, "0");
  seq = (seq + 1) % 0x1000000;
  return `${prefix}_${now.toString(16).padStart(12, "0")}${seq.toString(16).padStart(6, "0")}${r}`;
}
