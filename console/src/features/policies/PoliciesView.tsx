import { Card } from "../../app/ui.tsx";

export function PoliciesView() {
  return <Card title="policies">Coming soon.</Card>;
}
