import { test } from "node:test";
import assert from "node:assert/strict";
import { buffer } from "node:stream/consumers";
import ExcelJS from "exceljs";
import { eventsWorkbookStream, safeText, MAX_CELL_TEXT } from "./events-export.ts";

interface Ev { id: string; user: string; count: number; at: Date }
const book = (events: Ev[]) => eventsWorkbookStream({
  events: { columns: [{ header: "id", width: 10, value: (e: Ev) => e.id }, { header: "user", width: 20, value: (e: Ev) => e.user }, { header: "alerts", width: 8, value: (e: Ev) => e.count }, { header: "last seen", width: 20, value: (e: Ev) => e.at }], rows: events },
  assets: { columns: [{ header: "hostname", width: 20, value: (a: string) => a }], rows: ["-web-1"] },
  entities: { columns: [{ header: "label", width: 20, value: (n: string) => n }], rows: ["@SUM(1+1)", "/var/www/x.php"] },
});

async function readBack(buf: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  return wb;
}

test("EVT-14 the workbook opens with the sheets events, affected assets and entities", async () => {
  const at = new Date("2026-06-01T08:00:00Z");
  const wb = await readBack(await buffer(book([{ id: "evt_1", user: "root", count: 3, at }])));
  assert.deepEqual(wb.worksheets.map((w) => w.name), ["events", "affected assets", "entities"]);
  const ev = wb.getWorksheet("events")!;
  assert.deepEqual((ev.getRow(1).values as unknown[]).slice(1), ["id", "user", "alerts", "last seen"]);
  assert.equal(ev.getCell("A2").value, "evt_1");
  assert.equal(ev.getCell("C2").value, 3, "numbers stay numbers");
  assert.equal((ev.getCell("D2").value as Date).toISOString(), at.toISOString());
  assert.equal(wb.getWorksheet("entities")!.getCell("A3").value, "/var/www/x.php", "ordinary text is unchanged");
});

test("EVT-14 a user name =HYPERLINK(\"http://x\") is a string cell, never a formula", async () => {
  const evil = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"];
  const buf = await buffer(book(evil.map((user, i) => ({ id: `evt_${i}`, user, count: 1, at: new Date(0) }))));
  const wb = await readBack(buf);
  const ws = wb.getWorksheet("events")!;
  evil.forEach((user, i) => {
    const cell = ws.getCell(`B${i + 2}`);
    assert.equal(cell.type, ExcelJS.ValueType.String, `${JSON.stringify(user)} is read back as text`);
    assert.equal(cell.formula, undefined);
    // XML parsers read a raw CR as LF; either way the cell starts with the apostrophe
    assert.equal(cell.value, `'${user.replace(/\r/g, "\n")}`);
  });
  assert.equal(wb.getWorksheet("affected assets")!.getCell("A2").value, "'-web-1");
  assert.equal(wb.getWorksheet("entities")!.getCell("A2").value, "'@SUM(1+1)");
});

test("EVT-14 control characters and over-long text cannot corrupt the file", async () => {
  assert.equal(safeText("a\u0000b\u001bc"), "a\uFFFDb\uFFFDc");
  assert.equal(safeText("x".repeat(MAX_CELL_TEXT + 10)).length, MAX_CELL_TEXT);
  const wb = await readBack(await buffer(book([{ id: "evt_c", user: "bad\u0001name\uD800", count: 1, at: new Date(0) }, { id: "evt_l", user: "y".repeat(100_000), count: 1, at: new Date(0) }])));
  assert.equal(wb.getWorksheet("events")!.getCell("B2").value, "bad\uFFFDname\uFFFD");
  assert.equal(String(wb.getWorksheet("events")!.getCell("B3").value).length, MAX_CELL_TEXT);
});
