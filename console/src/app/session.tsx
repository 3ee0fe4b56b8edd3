import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { api, onSessionLost, setCsrf, setAccount, ApiError } from "./api.ts";
import type { Me } from "./types.ts";

interface Session {
  me: Me | null;
  loading: boolean;
  refresh: () => Promise<void>;
  signIn: (username: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  /** A master account's user acting on a member account. */
  actAs: (accountId: string | null) => void;
}

const SessionContext = createContext<Session>(null as never);
export const useSession = () => useContext(SessionContext);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);
  const refresh = async () => {
    try {
      const m = await api<Me>("/api/v1/me");
      setCsrf(m.csrfToken);
      setMe(m);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status === 401) setMe(null);
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => {
    onSessionLost(() => setMe(null));
    void refresh();
  }, []);
  const signIn = async (username: string, password: string) => {
    const r = await api<{ csrfToken: string; user: Me }>("/api/v1/auth/login", { method: "POST", body: { username, password } });
    setCsrf(r.csrfToken);
    await refresh();
  };
  const signOut = async () => {
    await api("/api/v1/auth/logout", { method: "POST", body: {} }).catch(() => {});
    setCsrf(null);
    setMe(null);
  };
  const actAs = (accountId: string | null) => {
    setAccount(accountId);
    void refresh();
  };
  return <SessionContext.Provider value={{ me, loading, refresh, signIn, signOut, actAs }}>{children}</SessionContext.Provider>;
}
