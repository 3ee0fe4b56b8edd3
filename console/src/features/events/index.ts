export { EventsView } from "./EventsView.tsx";
export { EventStatusBadge, KindBadge, MaliciousFlag, StageChips } from "./parts.tsx";
export { KIND_LABEL, ENTITY_KINDS, type EventOverview, type AssetRef } from "./model.ts";
