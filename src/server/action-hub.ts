/**
 * Wakes an agent's pending long-poll when an action is queued for it (standalone
 * profile: one process; the cluster profile will fan this out over the bus).
 */
export class ActionHub {
  #waiters = new Map<string, Set<() => void>>();

  notify(agentId: string): void {
    const set = this.#waiters.get(agentId);
    if (!set) return;
    this.#waiters.delete(agentId);
    for (const w of set) w();
  }

  /** Resolves true when notified, false on timeout or abort. */
  wait(agentId: string, ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      let set = this.#waiters.get(agentId);
      if (!set) this.#waiters.set(agentId, (set = new Set()));
      const done = (v: boolean) => {
        clearTimeout(timer);
        set!.delete(wake);
        signal?.removeEventListener("abort", onAbort);
        resolve(v);
      };
      const wake = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), ms);
      set.add(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
