/** Time-ordered unique ids (UUIDv7-like text) without node:*; uses the global Web Crypto. */
export function newId(prefix: string, now: number = Date.now()): string {
  const rnd = new Uint8Array(10);
  globalThis.crypto.getRandomValues(rnd);
  let r = "";
  for (const b of rnd) r += b.toString(16).padStart(2, "0");
  return `${prefix}_${now.toString(16).padStart(12, "0")}${r}`;
}
