/**
 * BF-5 hashing worker: tests a batch of candidate passwords against one hash and
 * answers with the index of the first match. Runs off the agent's event loop;
 * nothing here logs or forwards the hash or the candidates.
 */
import { parentPort } from "node:worker_threads";
import { verifyPassword } from "./crypt/index.ts";

export interface VerifyJob {
  id: number;
  hash: string;
  candidates: string[];
}

export interface VerifyAnswer {
  id: number;
  /** Index into candidates of the first match, or -1. */
  match: number;
  /** The hash cannot be computed here (scheme or parameters unsupported). */
  unsupported: boolean;
}

export function runJob(job: VerifyJob): VerifyAnswer {
  for (let i = 0; i < job.candidates.length; i++) {
    const ok = verifyPassword(job.candidates[i]!, job.hash);
    if (ok === null) return { id: job.id, match: -1, unsupported: true };
    if (ok) return { id: job.id, match: i, unsupported: false };
  }
  return { id: job.id, match: -1, unsupported: false };
}

const port = parentPort;
if (port) port.on("message", (job: VerifyJob) => port.postMessage(runJob(job)));
