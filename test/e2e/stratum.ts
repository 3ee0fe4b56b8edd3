/**
 * The mining e2e tests' two halves of a stratum session: a fake pool (run with `node -e` on a
 * namespace host) that answers subscribe and authorize and writes down each method it was
 * asked, and the miner's bash job that holds the session and then keeps a core busy.
 */
export const POOL_PORT = 3333;

/** The pool's program; with `notify`, it also sends a job after authorize, as real pools do. */
export function poolScript(log: string, host: string, o: { notify?: boolean } = {}): string {
  return `
const fs = require("fs");
require("net").createServer((s) => {
  let buf = "";
  s.on("error", () => {});
  s.on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\\n")) >= 0) {
      const line = buf.slice(0, i); buf = buf.slice(i + 1);
      let m; try { m = JSON.parse(line); } catch { continue; }
      fs.appendFileSync(${JSON.stringify(log)}, m.method + "\\n");
      if (m.method === "mining.subscribe") s.write(JSON.stringify({ id: m.id, result: [[["mining.notify", "ae6812eb4cd7735a302a8a9dd95cf71f"]], "08000002", 4], error: null }) + "\\n");
      if (m.method === "mining.authorize") {
        s.write(JSON.stringify({ id: m.id, result: true, error: null }) + "\\n");
        ${o.notify ? `s.write(JSON.stringify({ id: null, method: "mining.notify", params: ["bf", "4d16b6f85af6e2198f44ae2a6de67f78487ae5611b77c6c0440b921e00000000", "01000000", "ffffffff", [], "00000002", "1c2ac4af", "504e86b9", false] }) + "\\n");` : ""}
      }
    }
  });
}).listen(${POOL_PORT}, ${JSON.stringify(host)});
`;
}

/** The miner's job for `bash -c`: subscribe and authorize with the pool, then burn a core. */
export function minerJob(pool: string): string {
  return [
    `exec 3<>/dev/tcp/${pool}/${POOL_PORT}`,
    `printf '%s\\n' '{"id":1,"method":"mining.subscribe","params":["hostward-test-miner/1.0"]}' >&3`,
    "read -r -u 3 reply",
    `printf '%s\\n' '{"id":2,"method":"mining.authorize","params":["44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A","x"]}' >&3`,
    "read -r -u 3 reply",
    "while :; do :; done",
    "",
  ].join("\n");
}
