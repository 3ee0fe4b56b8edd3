import { createContext, useContext, useEffect, useState, type ReactNode } from "react";

/** A small history router: the console's views are few and flat. */
interface Route { path: string; query: URLSearchParams }
const RouterContext = createContext<{ route: Route; go: (to: string) => void }>({ route: { path: "/", query: new URLSearchParams() }, go: () => {} });

const read = (): Route => ({ path: location.pathname, query: new URLSearchParams(location.search) });

export function RouterProvider({ children }: { children: ReactNode }) {
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => {
    const onPop = () => setRoute(read());
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);
  const go = (to: string) => {
    history.pushState(null, "", to);
    setRoute(read());
  };
  return <RouterContext.Provider value={{ route, go }}>{children}</RouterContext.Provider>;
}

export const useRouter = () => useContext(RouterContext);

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  const { go } = useRouter();
  return (
    <a href={to} className={className} onClick={(e) => { if (e.metaKey || e.ctrlKey) return; e.preventDefault(); go(to); }}>
      {children}
    </a>
  );
}
