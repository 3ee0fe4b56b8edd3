export { AlertsView } from "./AlertsView.tsx";
export { AlertDrawer } from "./AlertDrawer.tsx";
export { useAgents, useAlertTypes, relative, asText, DURATIONS, type AlertType, type Duration } from "./model.ts";
export { visible } from "./WebshellEvidence.tsx";
