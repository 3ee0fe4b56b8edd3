import { useState, type FormEvent } from "react";
import { api } from "../../app/api.ts";
import { useSession } from "../../app/session.tsx";
import { useToast } from "../../app/ui.tsx";

/** Shown on first sign-in (one-time password) and from the user menu. */
export function PasswordChangeView({ forced }: { forced?: boolean }) {
  const { refresh } = useSession();
  const toast = useToast();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (next !== again) return setError("the two new passwords differ");
    try {
      await api("/api/v1/auth/password", { method: "POST", body: { currentPassword: current, newPassword: next } });
      toast("Password changed");
      setCurrent(""); setNext(""); setAgain(""); setError(null);
      await refresh();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <div className={forced ? "login-page" : ""}>
      <form className={forced ? "login-card" : "card narrow"} onSubmit={submit} aria-label="Change password">
        <h2>{forced ? "Choose your password" : "Change password"}</h2>
        {forced && <p className="muted">You signed in with a one-time password. Choose your own (at least 12 characters, not containing your user name).</p>}
        <label>Current password<input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required /></label>
        <label>New password<input name="new-password" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} required minLength={12} /></label>
        <label>New password again<input name="new-password-again" type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} required /></label>
        {error && <div className="alert-box error" role="alert">{error}</div>}
        <button className="btn primary wide" type="submit">Change password</button>
      </form>
    </div>
  );
}
