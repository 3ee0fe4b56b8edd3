export { OverviewView } from "./OverviewView.tsx";
export { EChart, COLORS, dayChart, type ChartOption } from "./charts.tsx";
export { DaysSelect, daysFrom, type Days } from "./DaysSelect.tsx";
export { Kpi, BlockedBadge } from "./parts.tsx";
export { fmt, n, type Attacks, type Overview, type TopSource, type TopAsset, type DayRow } from "./model.ts";
