import type { ComponentType } from "react";
import { useRouter } from "../../app/router.tsx";
import { useSession } from "../../app/session.tsx";
import { AuditTab } from "./AuditTab.tsx";
import { useIsAdmin } from "./common.tsx";
import { DefenceTab } from "./DefenceTab.tsx";
import { DetectionTab } from "./DetectionTab.tsx";
import { NotificationsTab } from "./NotificationsTab.tsx";
import { TokensTab } from "./TokensTab.tsx";
import { UsersTab } from "./UsersTab.tsx";
import "./settings.css";

interface Tab { id: string; title: string; view: ComponentType; adminOnly: boolean }
const TABS: Tab[] = [
  { id: "defence", title: "Defence", view: DefenceTab, adminOnly: false },
  { id: "notifications", title: "Notifications", view: NotificationsTab, adminOnly: false },
  // BF-1: thresholds are an admin's call (the API lets anyone read them)
  { id: "detection", title: "Detection", view: DetectionTab, adminOnly: true },
  { id: "users", title: "Users", view: UsersTab, adminOnly: true },
  { id: "tokens", title: "API tokens", view: TokensTab, adminOnly: false },
  { id: "audit", title: "Audit log", view: AuditTab, adminOnly: true },
];

/** Settings: defence and allowlist, notifications, detection thresholds, users, API tokens, audit log. The tab is in the URL (?tab=). */
export function SettingsView() {
  const admin = useIsAdmin();
  const { me } = useSession();
  const { route, go } = useRouter();
  const tabs = TABS.filter((t) => admin || !t.adminOnly);
  const tab = tabs.find((t) => t.id === route.query.get("tab")) ?? tabs[0]!;
  const View = tab.view;
  return (
    <div className="set-page">
      <div className="tabs" role="tablist" aria-label="Settings">
        {tabs.map((t) => (
          <button key={t.id} role="tab" aria-selected={t.id === tab.id} className={`tab ${t.id === tab.id ? "on" : ""}`} onClick={() => go(`/settings?tab=${t.id}`)}>
            {t.title}
          </button>
        ))}
      </div>
      {!admin && <div className="alert-box info set-note" data-testid="read-only-note">You are signed in as {me?.role === "analyst" ? "an analyst" : "a viewer"}: settings are read-only here, and detection thresholds, users and the audit log are for admins. You can manage your own API tokens{me?.role === "analyst" ? " and approve logons under Logon settings" : ""}.</div>}
      <View key={tab.id} />
    </div>
  );
}
