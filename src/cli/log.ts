import pino, { type Logger } from "pino";

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO ", 40: "WARN ", 50: "ERROR", 60: "FATAL" };

/**
 * JSON logs for machines (files, journald, CI); short readable lines on a terminal.
 * HOSTWARD_LOG_FORMAT=json|pretty overrides the guess.
 */
export function makeLogger(level: string): Logger {
  const fmt = process.env.HOSTWARD_LOG_FORMAT ?? (process.stderr.isTTY ? "pretty" : "json");
  if (fmt !== "pretty") return pino({ level }, pino.destination(2));
  const stream = {
    write(line: string) {
      try {
        const o = JSON.parse(line) as Record<string, unknown>;
        const t = new Date(Number(o.time)).toISOString().slice(11, 19);
        const extra = Object.entries(o).filter(([k]) => !["level", "time", "pid", "hostname", "msg", "part", "reqId", "req", "res", "responseTime"].includes(k));
        const tail = extra.length ? "  " + extra.map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ") : "";
        process.stderr.write(`${t} ${LEVELS[Number(o.level)] ?? o.level} ${o.part ? `[${o.part}] ` : ""}${o.msg ?? ""}${tail}\n`);
      } catch {
        process.stderr.write(line);
      }
    },
  };
  return pino({ level }, stream);
}
