import { useMemo } from "react";
import { api } from "../../app/api.ts";
import { useRouter } from "../../app/router.tsx";
import { Card, Empty, ago, useLoad } from "../../app/ui.tsx";
import { BlockedBadge, COLORS, DaysSelect, EChart, Kpi, dayChart, daysFrom, fmt, n, type Attacks } from "../overview/index.ts";
import "./analysis.css";

/** BF-3 Attack Analysis: brute force (every form, every service) against the account's assets, and what the defence did about it. */
export function AnalysisView() {
  const { route, go } = useRouter();
  const days = daysFrom(route.query);
  const { data, error } = useLoad(() => api<Attacks>(`/api/v1/stats/attacks?days=${days}`), [days], 30_000);

  const chart = useMemo(() => data && dayChart(data.perDay.map((r) => r.day), [
    { name: "SSH brute force", type: "bar", stack: "attacks", barMaxWidth: 26, itemStyle: { color: COLORS.high }, data: data.perDay.map((r) => n(r.ssh_brute_force)) },
    { name: "RDP, FTP, MySQL", type: "bar", stack: "attacks", barMaxWidth: 26, itemStyle: { color: COLORS.medium }, data: data.perDay.map((r) => n(r.rdp_brute_force) + n(r.ftp_brute_force) + n(r.mysql_brute_force)) },
    { name: "Slow, distributed, scanning", type: "bar", stack: "attacks", barMaxWidth: 26, itemStyle: { color: COLORS.accent2 }, data: data.perDay.map((r) => n(r.slow_brute_force) + n(r.distributed_brute_force) + n(r.logon_scan_accounts) + n(r.logon_scan_hosts)) },
    { name: "Logon after brute force", type: "bar", stack: "attacks", barMaxWidth: 26, itemStyle: { color: COLORS.critical, borderRadius: [3, 3, 0, 0] }, data: data.perDay.map((r) => n(r.logon_after_brute_force)) },
    { name: "Blocks", type: "bar", barMaxWidth: 26, itemStyle: { color: COLORS.accent, borderRadius: [3, 3, 0, 0] }, data: data.perDay.map((r) => n(r.blocks)) },
  ]), [data]);

  const t = data?.totals;
  const maxAttempts = Math.max(1, ...(data?.assets.map((a) => a.attempts) ?? [1]));
  return (
    <div className="ov" data-testid="attack-analysis">
      <div className="ov-bar">
        <span className="muted">Brute force against SSH, RDP, FTP and MySQL — fast, slow, distributed and scanning (BF-1) — logons after one (BF-2), and the blocks made against them (BF-3), per UTC day</span>
        <div className="spacer" />
        <DaysSelect value={days} onChange={(d) => go(d === 7 ? "/attack-analysis" : `/attack-analysis?days=${d}`)} />
      </div>
      {error && <div className="alert-box error">Could not load the attack analysis: {error}</div>}

      <div className="an-kpis">
        <Kpi testId="an-attacks" label="Brute-force attacks" value={t?.attacks} tone={t && t.attacks ? "bad" : "ok"} sub="alerts opened in the period" />
        <Kpi testId="an-attempts" label="Logon attempts" value={t?.attempts} tone="warn" sub="failed logons counted" />
        <Kpi testId="an-sources" label="Attacking sources" value={t?.sources} tone="accent" sub="distinct source addresses" />
        <Kpi testId="an-blocks" label="Blocks made" value={t?.blocks} tone="accent" to="/ip-policies" sub="IP policies created" />
        <Kpi testId="an-compromise" label="Successful logons" value={t?.successfulLogons} tone={t && t.successfulLogons ? "crit" : "ok"} to="/alerts?type=logon_after_brute_force" sub="after a brute force: check first" />
      </div>

      <Card title="Attacks and blocks over time" actions={<span className="muted small">attacks by type beside blocks, per day</span>}>
        {chart ? <EChart option={chart} height={280} label="Brute-force attacks and blocks per day" /> : <div className="chart" style={{ height: 280 }} />}
      </Card>

      <div className="an-cols">
        <Card title="Top sources" actions={<span className="muted small">by alerts, then attempts</span>}>
          {data && data.topSources.length === 0 ? <Empty>No brute force in this period.</Empty> : (
            <table className="ov-table" data-testid="an-top-sources">
              <thead><tr><th>Source IP</th><th className="num">Attempts</th><th className="num">Alerts</th><th className="num">Assets hit</th><th>Last seen</th><th>Block</th></tr></thead>
              <tbody>
                {data?.topSources.map((s) => (
                  <tr key={s.ip} className="clickable" onClick={() => go(`/alerts?q=${encodeURIComponent(s.ip)}`)}>
                    <td className="mono">{s.ip}</td>
                    <td className="num strong">{fmt(s.attempts)}</td><td className="num">{fmt(s.alerts)}</td><td className="num">{fmt(s.assets)}</td>
                    <td className="muted nowrap" title={s.lastSeen}>{ago(s.lastSeen)}</td>
                    <td><BlockedBadge blocked={s.blocked} blocks={s.blocks} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title="Per asset">
          {data && data.assets.length === 0 ? <Empty>No asset was attacked in this period.</Empty> : (
            <table className="ov-table" data-testid="an-assets">
              <thead><tr><th>Asset</th><th className="num">Attacks</th><th className="num">Attempts</th><th className="num">Sources</th><th className="num">Blocks</th></tr></thead>
              <tbody>
                {data?.assets.map((a) => (
                  <tr key={a.assetId} className="clickable" onClick={() => go(`/alerts?asset=${encodeURIComponent(a.assetId)}`)}>
                    <td>
                      <div className="an-host"><span className={`an-dot ${a.online ? "on" : ""}`} title={a.online ? "online" : "offline"} />{a.hostname ?? a.assetId}</div>
                      <div className="ov-share"><span style={{ width: `${Math.max(4, (a.attempts / maxAttempts) * 100)}%` }} /></div>
                    </td>
                    <td className="num">{fmt(a.alerts)}</td><td className="num">{fmt(a.attempts)}</td><td className="num">{fmt(a.sources)}</td><td className="num">{fmt(a.blocks)}</td>
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
