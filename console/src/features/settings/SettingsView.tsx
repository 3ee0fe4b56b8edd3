import { Card } from "../../app/ui.tsx";

export function SettingsView() {
  return <Card title="settings">Coming soon.</Card>;
}
