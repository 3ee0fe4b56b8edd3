import { PassThrough, type Readable } from "node:stream";
import ExcelJS from "exceljs";

/**
 * EVT-14: security events as an .xlsx workbook with the sheets "events", "affected assets"
 * and "entities". Cell text is attacker-controlled (user names, paths, command lines), so
 * no cell may ever become a formula, neither when the file opens nor when an operator
 * edits the cell later.
 */

export type CellValue = string | number | boolean | Date | null;
export interface SheetColumn<T> { header: string; width: number; value: (row: T) => CellValue }

export interface EventsWorkbook<E, A, N> {
  events: { columns: SheetColumn<E>[]; rows: Iterable<E> };
  assets: { columns: SheetColumn<A>[]; rows: Iterable<A> };
  entities: { columns: SheetColumn<N>[]; rows: Iterable<N> };
}

/** Excel's limit for one cell's text. */
export const MAX_CELL_TEXT = 32_767;
/** A spreadsheet program reads a cell starting with one of these as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r\n]/;
// characters XML 1.0 cannot carry (a C0 control in a command line would corrupt the file) and lone surrogates
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The text as a cell may hold it. It is always written as a string cell (never a formula
 * object), and one that starts like a formula also gets a leading apostrophe: the string
 * type stops Excel evaluating it when the file opens, the apostrophe stops it turning into a
 * formula when someone edits the cell and presses Enter (exceljs cannot set quotePrefix).
 */
export function safeText(s: string): string {
  let t = s.replace(XML_INVALID, "\uFFFD");
  if (FORMULA_START.test(t)) t = `'${t}`;
  if (t.length > MAX_CELL_TEXT) t = `${t.slice(0, MAX_CELL_TEXT - 1)}…`;
  return t;
}

function safeCell(v: CellValue): CellValue {
  if (typeof v === "string") return safeText(v);
  if (typeof v === "number" && !Number.isFinite(v)) return null;
  return v;
}

/**
 * Streams the workbook. Strings go into the shared-string table (cells of type "s"), so a
 * reader sees text. The returned stream errors if writing fails half-way.
 */
export function eventsWorkbookStream<E, A, N>(book: EventsWorkbook<E, A, N>): Readable {
  const out = new PassThrough();
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: true, useStyles: true });
  wb.creator = "Hostward";
  const write = async () => {
    addSheet(wb, "events", book.events);
    addSheet(wb, "affected assets", book.assets);
    addSheet(wb, "entities", book.entities);
    await wb.commit();
  };
  write().catch((err: unknown) => out.destroy(err as Error));
  return out;
}

function addSheet<T>(wb: ExcelJS.stream.xlsx.WorkbookWriter, name: string, sheet: { columns: SheetColumn<T>[]; rows: Iterable<T> }): void {
  const ws = wb.addWorksheet(name, { views: [{ state: "frozen", ySplit: 1 }] });
  ws.columns = sheet.columns.map((c, i) => ({ key: `c${i}`, width: c.width }));
  const head = ws.addRow(sheet.columns.map((c) => safeText(c.header)));
  head.font = { bold: true };
  head.commit();
  for (const r of sheet.rows) {
    const row = ws.addRow(sheet.columns.map((c) => safeCell(c.value(r))));
    row.eachCell((cell) => {
      if (cell.value instanceof Date) cell.numFmt = "yyyy-mm-dd hh:mm:ss";
    });
    row.commit();
  }
  ws.commit();
}
