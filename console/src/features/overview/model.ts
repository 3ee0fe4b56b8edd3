/** What /api/v1/stats/* returns (src/server/routes/stats.routes.ts). */
export type DayRow = { day: string } & Record<string, number | string>;
export interface TopSource { ip: string; alerts: number; attempts: number; assets: number; lastSeen: string; blocked: boolean; blocks: number }
export interface TopAsset { assetId: string; hostname: string | null; alerts: number; attempts: number; sources: number; lastSeen: string }
export interface StatsWindow { days: number; from: string; to: string }

export interface Overview {
  window: StatsWindow;
  alertsBySeverity: DayRow[];
  alertsByStatus: DayRow[];
  blocks: DayRow[];
  topAssets: TopAsset[];
  topSources: TopSource[];
  totals: { unhandled: number; unhandledCritical: number; alerts: number; activeBlocks: number; pendingBlocks: number; blocksInWindow: number; assetsOnline: number; assetsOffline: number; onlineWindowSeconds: number };
}

export interface Attacks {
  window: StatsWindow;
  perDay: DayRow[];
  topSources: TopSource[];
  assets: (TopAsset & { blocks: number; online: boolean })[];
  totals: { attacks: number; attempts: number; sources: number; blocks: number; successfulLogons: number };
}

export const n = (v: number | string | undefined): number => Number(v ?? 0);
export const fmt = (v: number): string => v.toLocaleString();
