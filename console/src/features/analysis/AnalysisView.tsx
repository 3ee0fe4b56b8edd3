import { Card } from "../../app/ui.tsx";

export function AnalysisView() {
  return <Card title="analysis">Coming soon.</Card>;
}
