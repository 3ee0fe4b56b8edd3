import { useState, type FormEvent } from "react";
import { api } from "../../app/api.ts";
import { useSession } from "../../app/session.tsx";
import { canAct, type Role } from "../../app/types.ts";
import { Button, Card, Empty, Modal, Time, ago, useLoad } from "../../app/ui.tsx";
import { ConfirmButton, ErrorBox, ROLES, SecretField, useAction } from "./common.tsx";

interface Token { id: string; name: string; role: Role; userId: string; createdAt: string; expiresAt: string | null; revokedAt: string | null; lastUsedAt: string | null }

const TTLS = [["30d", "30 days"], ["90d", "90 days"], ["365d", "1 year"], ["", "No expiry"]] as const;

function tokenState(t: Token): "active" | "revoked" | "expired" {
  if (t.revokedAt) return "revoked";
  if (t.expiresAt && Date.parse(t.expiresAt) <= Date.now()) return "expired";
  return "active";
}

/** Your API tokens: create (the secret is shown once), see when each was last used, revoke. */
export function TokensTab() {
  const { me } = useSession();
  const tokens = useLoad(() => api<{ items: Token[] }>("/api/v1/tokens"), []);
  const { run } = useAction();
  const [creating, setCreating] = useState(false);
  const revoke = (t: Token) => void run(() => api(`/api/v1/tokens/${encodeURIComponent(t.id)}`, { method: "DELETE" }), `${t.name} revoked`).then(tokens.reload);
  const items = [...(tokens.data?.items ?? [])].sort((a, b) => Number(tokenState(a) !== "active") - Number(tokenState(b) !== "active") || b.createdAt.localeCompare(a.createdAt));
  return (
    <>
      <Card title="Your API tokens" actions={<Button kind="primary" onClick={() => setCreating(true)} data-testid="create-token">+ Create token</Button>}>
        <p className="muted set-lead">For scripts and integrations: send <code>Authorization: Bearer hwk_…</code>. A token's role is at most yours ({me?.role}); revoking it takes effect on the next request. Writes made with a token are in the audit log.</p>
        <ErrorBox error={tokens.error} />
        {tokens.data && items.length === 0 ? <Empty>You have no API tokens.</Empty> : (
          <table data-testid="tokens">
            <thead><tr><th>Name</th><th>Role</th><th>Status</th><th>Created</th><th>Expires</th><th>Last used</th><th /></tr></thead>
            <tbody>
              {items.map((t) => {
                const st = tokenState(t);
                return (
                  <tr key={t.id} data-testid={`token-${t.name}`} className={st === "active" ? "" : "set-dim"}>
                    <td><strong>{t.name}</strong><div className="mono muted set-small">{t.id}</div></td>
                    <td><span className={`badge set-role-${t.role}`}>{t.role}</span></td>
                    <td><span className={`badge ${st === "active" ? "st-active" : st === "revoked" ? "st-failed" : "st-expired"}`}>{st === "active" ? "Active" : st === "revoked" ? "Revoked" : "Expired"}</span></td>
                    <td><Time iso={t.createdAt} /></td>
                    <td>{t.expiresAt ? <Time iso={t.expiresAt} /> : <span className="muted">never</span>}</td>
                    <td>{t.lastUsedAt ? <span title={t.lastUsedAt}>{ago(t.lastUsedAt)}</span> : <span className="muted">never</span>}</td>
                    <td className="set-actions">{st === "active" && <ConfirmButton confirm="Revoke now" onConfirm={() => revoke(t)} testId="revoke-token">Revoke</ConfirmButton>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Card>
      {creating && <CreateToken myRole={me?.role} onClose={() => { setCreating(false); tokens.reload(); }} />}
    </>
  );
}

function CreateToken({ myRole, onClose }: { myRole: Role | undefined; onClose: () => void }) {
  const roles = ROLES.filter((r) => canAct(myRole, r));
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>(roles.includes("viewer") ? "viewer" : roles[0]!);
  const [ttl, setTtl] = useState("90d");
  const [error, setError] = useState<string | null>(null);
  const [made, setMade] = useState<{ token: string; role: Role; expiresAt: string | null } | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      setMade(await api<{ token: string; role: Role; expiresAt: string | null }>("/api/v1/tokens", { method: "POST", body: { name: name.trim(), role, ...(ttl ? { ttl } : {}) } }));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  if (made) {
    return (
      <Modal title={`Token “${name.trim()}” created`} onClose={onClose}>
        <div className="set-form">
          <div className="alert-box warn">Copy the token now: it is shown only once and cannot be recovered. Keep it in a secret store.</div>
          <SecretField value={made.token} testId="token-secret" />
          <dl className="kv"><dt>Role</dt><dd>{made.role}</dd><dt>Expires</dt><dd>{made.expiresAt ? <Time iso={made.expiresAt} /> : "never"}</dd></dl>
          <p className="muted">Example:</p>
          <pre className="set-pre">curl -H "Authorization: Bearer {made.token.slice(0, 8)}…" {location.origin}/api/v1/alerts</pre>
          <div className="set-foot"><Button kind="primary" onClick={onClose}>Done</Button></div>
        </div>
      </Modal>
    );
  }
  return (
    <Modal title="Create an API token" onClose={onClose}>
      <form className="set-form" onSubmit={submit} aria-label="Create an API token">
        <div className="set-grid">
          <label className="span2">Name<input name="tokenName" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} placeholder="e.g. SIEM export, CI" autoFocus /></label>
          <label>Role
            <select name="tokenRole" value={role} onChange={(e) => setRole(e.target.value as Role)}>{roles.map((r) => <option key={r} value={r}>{r}</option>)}</select>
          </label>
          <label>Expires after
            <select name="ttl" value={ttl} onChange={(e) => setTtl(e.target.value)}>{TTLS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}</select>
          </label>
        </div>
        <ErrorBox error={error} />
        <div className="set-foot"><Button onClick={onClose}>Cancel</Button><Button type="submit" kind="primary">Create token</Button></div>
      </form>
    </Modal>
  );
}
