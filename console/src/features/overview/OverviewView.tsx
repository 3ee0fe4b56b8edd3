import { useMemo } from "react";
import { api } from "../../app/api.ts";
import { Link, useRouter } from "../../app/router.tsx";
import { Card, Empty, ago, useLoad } from "../../app/ui.tsx";
import { COLORS, EChart, dayChart } from "./charts.tsx";
import { DaysSelect, daysFrom } from "./DaysSelect.tsx";
import { fmt, n, type Overview } from "./model.ts";
import { BlockedBadge, Kpi } from "./parts.tsx";
import "./overview.css";

const SEVERITY_SERIES = [["low", COLORS.low], ["medium", COLORS.medium], ["high", COLORS.high], ["critical", COLORS.critical]] as const;

export function OverviewView() {
  const { route, go } = useRouter();
  const days = daysFrom(route.query);
  const { data, error } = useLoad(() => api<Overview>(`/api/v1/stats/overview?days=${days}`), [days], 30_000);

  const severityChart = useMemo(() => data && dayChart(
    data.alertsBySeverity.map((r) => r.day),
    SEVERITY_SERIES.map(([k, color]) => ({
      name: k[0]!.toUpperCase() + k.slice(1), type: "bar" as const, stack: "alerts", barMaxWidth: 28, itemStyle: { color, borderRadius: 0 },
      emphasis: { focus: "series" as const }, data: data.alertsBySeverity.map((r) => n(r[k])),
    })),
  ), [data]);
  const blocksChart = useMemo(() => data && dayChart(
    data.blocks.map((r) => r.day),
    [{
      name: "Blocks", type: "bar", barMaxWidth: 28, itemStyle: { color: { type: "linear", x: 0, y: 0, x2: 0, y2: 1, colorStops: [{ offset: 0, color: COLORS.accent }, { offset: 1, color: "rgba(34,211,238,.35)" }] }, borderRadius: [3, 3, 0, 0] },
      data: data.blocks.map((r) => n(r.blocks)),
    }],
    { legend: false },
  ), [data]);

  const t = data?.totals;
  return (
    <div className="ov" data-testid="overview">
      <div className="ov-bar">
        <span className="muted">{data ? `Alerts and blocks over the last ${data.window.days} days (UTC days) · refreshed every 30 s` : "Loading…"}</span>
        <div className="spacer" />
        <DaysSelect value={days} onChange={(d) => go(d === 7 ? "/" : `/?days=${d}`)} />
      </div>
      {error && <div className="alert-box error">Could not load the overview: {error}</div>}

      <div className="grid k4">
        <Kpi testId="kpi-unhandled" label="Unhandled alerts" value={t?.unhandled} tone={t && t.unhandled > 0 ? "bad" : "ok"} to="/alerts?status=unhandled"
          sub={t ? `${fmt(t.alerts)} new in ${days} days` : ""} />
        <Kpi testId="kpi-critical" label="Critical, unhandled" value={t?.unhandledCritical} tone={t && t.unhandledCritical > 0 ? "crit" : "ok"} to="/alerts?status=unhandled&severity=critical"
          sub="e.g. a logon after a brute force" />
        <Kpi testId="kpi-blocks" label="Active blocks" value={t?.activeBlocks} tone="accent" to="/ip-policies"
          sub={t ? `${t.pendingBlocks ? `${fmt(t.pendingBlocks)} awaiting the agent · ` : ""}${fmt(t.blocksInWindow)} made in ${days} days` : ""} />
        <Kpi testId="kpi-assets" label="Assets online" value={t?.assetsOnline} tone={t && t.assetsOffline > 0 ? "warn" : "ok"} to="/assets"
          extra={t ? <span className={t.assetsOffline ? "ov-off" : "muted"}> / {fmt(t.assetsOffline)} offline</span> : null}
          sub={t ? `offline = silent for ${Math.round(t.onlineWindowSeconds / 60)} min` : ""} />
      </div>

      <div className="ov-charts">
        <Card title="Alerts by severity" actions={<span className="muted small">new alerts per day</span>}>
          {severityChart ? <EChart option={severityChart} label="Alerts per day by severity" /> : <div className="chart" />}
        </Card>
        <Card title="Blocked attacks" actions={<span className="muted small">IP blocks made per day</span>}>
          {blocksChart ? <EChart option={blocksChart} label="Blocks per day" /> : <div className="chart" />}
        </Card>
      </div>

      <div className="grid k2">
        <Card title="Top attacked assets" actions={<Link to="/attack-analysis" className="small">Attack analysis →</Link>}>
          {data && data.topAssets.length === 0 ? <Empty>No alerts in this period.</Empty> : (
            <table className="ov-table" data-testid="top-assets">
              <thead><tr><th>Asset</th><th className="num">Alerts</th><th className="num">Attempts</th><th className="num">Sources</th><th>Last</th></tr></thead>
              <tbody>
                {data?.topAssets.map((a) => (
                  <tr key={a.assetId} className="clickable" onClick={() => go(`/alerts?asset=${encodeURIComponent(a.assetId)}`)}>
                    <td><div className="ov-host">{a.hostname ?? a.assetId}</div><Share v={a.alerts} max={data.topAssets[0]!.alerts} /></td>
                    <td className="num">{fmt(a.alerts)}</td><td className="num">{fmt(a.attempts)}</td><td className="num">{fmt(a.sources)}</td>
                    <td className="muted nowrap" title={a.lastSeen}>{ago(a.lastSeen)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title="Top attacking sources" actions={<Link to="/ip-policies" className="small">IP policies →</Link>}>
          {data && data.topSources.length === 0 ? <Empty>No attacking sources in this period.</Empty> : (
            <table className="ov-table" data-testid="top-sources">
              <thead><tr><th>Source IP</th><th className="num">Alerts</th><th className="num">Attempts</th><th className="num">Assets</th><th>Status</th></tr></thead>
              <tbody>
                {data?.topSources.map((s) => (
                  <tr key={s.ip} className="clickable" onClick={() => go(`/alerts?q=${encodeURIComponent(s.ip)}`)}>
                    <td><div className="mono">{s.ip}</div><Share v={s.attempts} max={Math.max(...data.topSources.map((x) => x.attempts))} /></td>
                    <td className="num">{fmt(s.alerts)}</td><td className="num">{fmt(s.attempts)}</td><td className="num">{fmt(s.assets)}</td>
                    <td><BlockedBadge blocked={s.blocked} blocks={s.blocks} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
    </div>
  );
}

/** A thin bar under a name: its share of the largest row. */
function Share({ v, max }: { v: number; max: number }) {
  return <div className="ov-share" aria-hidden="true"><span style={{ width: `${max ? Math.max(4, (v / max) * 100) : 0}%` }} /></div>;
}
