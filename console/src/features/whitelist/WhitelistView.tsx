import { Card } from "../../app/ui.tsx";

export function WhitelistView() {
  return <Card title="whitelist">Coming soon.</Card>;
}
