import { useSession } from "./session.tsx";
import { Link, useRouter } from "./router.tsx";
import { LoginView, PasswordChangeView } from "../features/auth/index.ts";
import { Shield } from "../features/auth/LoginView.tsx";
import { OverviewView } from "../features/overview/index.ts";
import { AlertsView } from "../features/alerts/index.ts";
import { AssetsView } from "../features/assets/index.ts";
import { PoliciesView } from "../features/policies/index.ts";
import { AnalysisView } from "../features/analysis/index.ts";
import { WhitelistView } from "../features/whitelist/index.ts";
import { SettingsView } from "../features/settings/index.ts";
import { LogonView } from "../features/logon/index.ts";
import { IntelView } from "../features/intel/index.ts";
import { QuarantineView } from "../features/quarantine/index.ts";
import { EventsView } from "../features/events/index.ts";
import { EntitiesView } from "../features/entities/index.ts";
import type { ComponentType } from "react";

interface Page { path: string; title: string; view: ComponentType; icon: string }
export const PAGES: Page[] = [
  { path: "/", title: "Overview", view: OverviewView, icon: "◎" },
  { path: "/security-events", title: "Security events", view: EventsView, icon: "✸" },
  { path: "/alerts", title: "Alerts", view: AlertsView, icon: "⚠" },
  { path: "/entities", title: "Entities", view: EntitiesView, icon: "◇" },
  { path: "/assets", title: "Assets", view: AssetsView, icon: "▣" },
  { path: "/ip-policies", title: "IP Policy Library", view: PoliciesView, icon: "⊘" },
  { path: "/file-quarantine", title: "File quarantine", view: QuarantineView, icon: "⊟" },
  { path: "/attack-analysis", title: "Attack Analysis", view: AnalysisView, icon: "∿" },
  { path: "/whitelist", title: "Whitelist", view: WhitelistView, icon: "✓" },
  { path: "/threat-intel", title: "Threat intel", view: IntelView, icon: "◈" },
  { path: "/logon-settings", title: "Logon settings", view: LogonView, icon: "⚑" },
  { path: "/settings", title: "Settings", view: SettingsView, icon: "⚙" },
];

export function App() {
  const { me, loading, signOut } = useSession();
  const { route } = useRouter();
  if (loading) return <div className="boot">Loading…</div>;
  if (!me) return <LoginView />;
  if (me.mustChangePassword) return <PasswordChangeView forced />;
  const page = route.path === "/password" ? { title: "Change password", view: () => <PasswordChangeView /> } : (PAGES.find((p) => p.path === route.path) ?? PAGES[0]!);
  const View = page.view;
  return (
    <div className="shell">
      <nav className="side" aria-label="Main">
        <div className="brand"><Shield /> Hostward</div>
        {PAGES.map((p) => (
          <Link key={p.path} to={p.path} className={`nav ${p.path === route.path ? "on" : ""}`}><span className="ico" aria-hidden="true">{p.icon}</span>{p.title}</Link>
        ))}
      </nav>
      <div className="main">
        <header className="top">
          <h1>{page.title}</h1>
          <div className="spacer" />
          <span className="who" data-testid="whoami">{me.username} · {me.role}</span>
          <Link to="/password" className="btn ghost">Password</Link>
          <button className="btn ghost" onClick={() => void signOut()} data-testid="logout">Sign out</button>
        </header>
        <main className="content"><View /></main>
      </div>
    </div>
  );
}
