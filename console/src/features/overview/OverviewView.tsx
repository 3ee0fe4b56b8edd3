import { Card } from "../../app/ui.tsx";

export function OverviewView() {
  return <Card title="overview">Coming soon.</Card>;
}
