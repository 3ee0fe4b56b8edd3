import { Card } from "../../app/ui.tsx";

export function AlertsView() {
  return <Card title="alerts">Coming soon.</Card>;
}
