import type { QuarantinedFile, Store } from "../core/index.ts";
import { UserError, ErrorCodes } from "../core/index.ts";
import { queueAgentAction } from "./agent-actions.ts";

type VaultRecordBody = {
  ts: number;
  entries: Array<{ id: string; originalPath: string; sha256: string; md5?: string; size: number; mode: number; uid: number; gid: number; quarantinedAt: number; expiresAt: number }>;
  change: { action: string; entryIds: string[] };
};

/** RSP-2: an agent's vault record, applied to the server's view of its vault (inside the ingest transaction). */
export function applyVaultRecord(tx: Store, accountId: string, assetId: string, r: VaultRecordBody, now: number): Promise<string[]> {
  return tx.quarantine.sync({
    accountId, assetId, ts: r.ts,
    entries: r.entries.map((e) => ({ entryId: e.id, originalPath: e.originalPath, sha256: e.sha256, md5: e.md5 ?? null, size: e.size, mode: e.mode, uid: e.uid, gid: e.gid, quarantinedAt: e.quarantinedAt, expiresAt: e.expiresAt })),
    restoredIds: r.change.action === "restored" ? r.change.entryIds : [],
  }, now);
}

/**
 * WS-7 / RSP-2: an operator asks to put a quarantined file back. The agent restores it to the
 * path its own vault recorded (the server sends only the entry id and the hash it expects).
 */
export async function requestRestore(tx: Store, accountId: string, assetId: string, entryId: string, now: number): Promise<{ file: QuarantinedFile; actionId: string }> {
  const file = await tx.quarantine.get(accountId, assetId, entryId);
  if (!file) throw new UserError("not_found", ErrorCodes.NOT_FOUND, `no quarantined file ${entryId} on asset ${assetId}`);
  if (file.state !== "quarantined") throw new UserError("conflict", ErrorCodes.ACTION_INVALID, `${entryId} was ${file.state}; only a file still in the vault can be restored`);
  if (file.expiresAt <= now) throw new UserError("conflict", ErrorCodes.ACTION_INVALID, `${entryId} is past its 30 days and is being purged`);
  const action = await queueAgentAction(tx, { accountId, agentId: assetId, type: "restore_file", params: { entryId, sha256: file.sha256 } }, now);
  return { file, actionId: action.id };
}
