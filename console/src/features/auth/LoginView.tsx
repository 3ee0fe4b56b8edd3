import { useState, type FormEvent } from "react";
import { useSession } from "../../app/session.tsx";
import { ApiError } from "../../app/api.ts";

export function LoginView() {
  const { signIn } = useSession();
  const [username, setUsername] = useState("admin");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<{ text: string; locked: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(username, password);
    } catch (err) {
      setError({ text: (err as Error).message, locked: err instanceof ApiError && err.status === 429 });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="login-page">
      <form className="login-card" onSubmit={submit} aria-label="Sign in">
        <div className="brand big"><Shield /> Hostward</div>
        <p className="muted">Detect intrusions, see each attack whole, stop it.</p>
        <label>User name<input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required /></label>
        <label>Password<input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required autoFocus /></label>
        {error && <div className={`alert-box ${error.locked ? "warn" : "error"}`} role="alert" data-testid="login-error">{error.locked ? "Locked out: " : ""}{error.text}</div>}
        <button className="btn primary wide" type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
    </div>
  );
}

export function Shield() {
  return (
    <svg width="22" height="22" viewBox="0 0 32 32" aria-hidden="true"><path d="M16 2 4 7v9c0 7 5 12 12 14 7-2 12-7 12-14V7z" fill="currentColor" /></svg>
  );
}
