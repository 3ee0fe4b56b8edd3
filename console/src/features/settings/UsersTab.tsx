import { useState, type FormEvent } from "react";
import { api } from "../../app/api.ts";
import { useSession } from "../../app/session.tsx";
import type { Role } from "../../app/types.ts";
import { Button, Card, Modal, Time, useLoad } from "../../app/ui.tsx";
import { ErrorBox, ROLES, ROLE_NOTE, SecretField, useAction } from "./common.tsx";

interface User { id: string; username: string; role: Role; accountId: string; createdAt: string; mustChangePassword: boolean; disabledAt: string | null }

/** Admins: the account's users, their roles, disable/enable, and new users with a one-time password. */
export function UsersTab() {
  const { me } = useSession();
  const users = useLoad(() => api<{ items: User[] }>("/api/v1/users"), []);
  const { busy, run } = useAction();
  const [adding, setAdding] = useState(false);

  const patch = (u: User, body: { role?: Role; disabled?: boolean }, ok: string) =>
    void run(() => api(`/api/v1/users/${encodeURIComponent(u.id)}`, { method: "PATCH", body }), ok).then(users.reload);

  const items = users.data?.items ?? [];
  return (
    <>
      <Card title="Users" actions={<Button kind="primary" onClick={() => setAdding(true)} data-testid="add-user">+ Add user</Button>}>
        <p className="muted set-lead">
          <b>viewer</b> {ROLE_NOTE.viewer} · <b>analyst</b> {ROLE_NOTE.analyst} · <b>admin</b> {ROLE_NOTE.admin}. A disabled user's sessions and API tokens stop working at once.
        </p>
        <ErrorBox error={users.error} />
        <table data-testid="users">
          <thead><tr><th>User</th><th>Role</th><th>Status</th><th>Created</th><th /></tr></thead>
          <tbody>
            {items.map((u) => {
              const self = u.id === me?.id;
              return (
                <tr key={u.id} data-testid={`user-${u.username}`} className={u.disabledAt ? "set-dim" : ""}>
                  <td><strong>{u.username}</strong>{self && <span className="badge set-you">you</span>}</td>
                  <td>
                    {self ? <span className={`badge set-role-${u.role}`}>{u.role}</span> : (
                      <select aria-label={`Role of ${u.username}`} value={u.role} disabled={busy} onChange={(e) => patch(u, { role: e.target.value as Role }, `${u.username} is now ${e.target.value}`)}>
                        {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                      </select>
                    )}
                  </td>
                  <td>
                    {u.disabledAt ? <span className="badge st-disabled">Disabled</span> : u.mustChangePassword ? <span className="badge st-pending" title="Signs in with a one-time password and must choose a new one">Invited</span> : <span className="badge st-active">Active</span>}
                  </td>
                  <td><Time iso={u.createdAt} /></td>
                  <td className="set-actions">
                    {!self && (u.disabledAt
                      ? <Button onClick={() => patch(u, { disabled: false }, `${u.username} enabled`)} disabled={busy}>Enable</Button>
                      : <Button kind="danger" onClick={() => patch(u, { disabled: true }, `${u.username} disabled`)} disabled={busy}>Disable</Button>)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </Card>
      {adding && <AddUser onClose={() => { setAdding(false); users.reload(); }} />}
    </>
  );
}

function AddUser({ onClose }: { onClose: () => void }) {
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<Role>("analyst");
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ username: string; role: Role; password: string } | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await api<{ user: User; oneTimePassword: string | null }>("/api/v1/users", { method: "POST", body: { username: username.trim(), role } });
      setCreated({ username: r.user.username, role: r.user.role, password: r.oneTimePassword ?? "" });
    } catch (err) {
      setError((err as Error).message);
    }
  };
  if (created) {
    return (
      <Modal title={`${created.username} added`} onClose={onClose}>
        <div className="set-form">
          <div className="alert-box warn">This one-time password is shown only now. Give it to {created.username} over a trusted channel; they must choose their own at first sign-in.</div>
          <dl className="kv"><dt>User</dt><dd>{created.username}</dd><dt>Role</dt><dd>{created.role}</dd></dl>
          <SecretField value={created.password} testId="one-time-password" />
          <div className="set-foot"><Button kind="primary" onClick={onClose}>Done</Button></div>
        </div>
      </Modal>
    );
  }
  return (
    <Modal title="Add a user" onClose={onClose}>
      <form className="set-form" onSubmit={submit} aria-label="Add a user">
        <div className="set-grid">
          <label>User name<input name="username" value={username} onChange={(e) => setUsername(e.target.value)} required maxLength={64} pattern="[A-Za-z0-9][A-Za-z0-9._@\-]*" title="letters, digits and . _ @ - only" autoFocus /></label>
          <label>Role
            <select name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => <option key={r} value={r}>{r} — {ROLE_NOTE[r]}</option>)}
            </select>
          </label>
        </div>
        <p className="muted">A one-time password is made for the user and shown once.</p>
        <ErrorBox error={error} />
        <div className="set-foot"><Button onClick={onClose}>Cancel</Button><Button type="submit" kind="primary">Add user</Button></div>
      </form>
    </Modal>
  );
}
