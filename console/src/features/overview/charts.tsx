import { useEffect, useRef } from "react";
import type { ComposeOption, ECharts } from "echarts/core";
import type { BarSeriesOption, LineSeriesOption } from "echarts/charts";
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from "echarts/components";

export type ChartOption = ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>;

/** The console's dark palette (styles.css). */
export const COLORS = {
  text: "#c3cbe6", muted: "#8a97bd", line: "#223056", panel: "#111830",
  critical: "#e11d48", high: "#ef4444", medium: "#f59e0b", low: "#22c55e", accent: "#22d3ee", accent2: "#6366f1",
} as const;

/** One ECharts instance per mounted element, resized with it and disposed on unmount. */
export function EChart({ option, height = 260, label }: { option: ChartOption; height?: number; label: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);
  const latest = useRef(option);
  latest.current = option;
  useEffect(() => {
    let live = true;
    let ro: ResizeObserver | null = null;
    void import("./echarts-setup.ts").then(({ init }) => {
      if (!live || !el.current) return;
      const c = init(el.current, undefined, { renderer: "canvas" });
      chart.current = c;
      c.setOption(latest.current, { notMerge: true });
      ro = new ResizeObserver(() => c.resize());
      ro.observe(el.current);
    });
    return () => {
      live = false;
      ro?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);
  return <div ref={el} className="chart" style={{ height }} role="img" aria-label={label} />;
}

/** "2026-06-09" → "9 Jun" (the buckets are UTC days). */
export const dayLabel = (day: string) => new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { day: "numeric", month: "short", timeZone: "UTC" });

/** Shared axes, grid, tooltip and legend for a per-day chart. */
export function dayChart(days: string[], series: (BarSeriesOption | LineSeriesOption)[], opts: { legend?: boolean } = {}): ChartOption {
  return {
    backgroundColor: "transparent",
    textStyle: { color: COLORS.text, fontFamily: "Inter, system-ui, sans-serif" },
    grid: { left: 8, right: 12, top: opts.legend === false ? 16 : 36, bottom: 4, containLabel: true },
    legend: opts.legend === false ? { show: false } : { top: 0, right: 0, icon: "roundRect", itemWidth: 10, itemHeight: 10, textStyle: { color: COLORS.muted } },
    tooltip: {
      trigger: "axis", axisPointer: { type: "shadow", shadowStyle: { color: "rgba(99,102,241,.10)" } },
      backgroundColor: "#0f1630", borderColor: COLORS.line, textStyle: { color: "#e6ecff", fontSize: 12 },
    },
    xAxis: {
      type: "category", data: days.map(dayLabel), axisLine: { lineStyle: { color: COLORS.line } }, axisTick: { show: false },
      axisLabel: { color: COLORS.muted, hideOverlap: true },
    },
    yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "rgba(34,48,86,.6)", type: "dashed" } }, axisLabel: { color: COLORS.muted } },
    series,
  };
}
