import { Card } from "../../app/ui.tsx";

export function AssetsView() {
  return <Card title="assets">Coming soon.</Card>;
}
