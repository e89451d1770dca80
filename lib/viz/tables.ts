/**
 * Tables in notebooks: a danfojs DataFrame shown as an HTML table (tslab has no rich repr
 * for it) and saved as CSV under `out/tables/<notebook>/`.
 */
import * as path from "node:path";
import * as dfd from "danfojs-node";
import { notebookOutDir } from "../core/context";
import { displayBundle, escapeHtml } from "./display";
import { writeFileAtomic } from "../core/io";

export type Row = Record<string, string | number | boolean | null>;

/** Build a DataFrame from rows (all rows must have the same keys). */
export function frame(rows: Row[]): dfd.DataFrame {
  if (rows.length === 0) throw new Error("frame: no rows");
  return new dfd.DataFrame(rows);
}

/** Decimals: one number for every column, or per column name (others get the default, 2). */
export type Digits = number | Record<string, number>;

/** Columns in millimetres (a "mm" unit, P1/P2, MPJPE in the name) are shown with 1 decimal. */
export const MM_COLUMN = /\bmm\b|\bP[12]\b|MPJPE/i;

/**
 * The formatter of one column, so that all its numbers share one number of decimals:
 * integers only → no decimals; mm columns → 1 decimal (unless `digits` names the column);
 * values too small for the decimals (β = 1e-4) → 3 significant digits; else `digits`.
 * Missing or non-finite values print as "" and "–".
 */
export function columnFormatter(name: string, values: unknown[], digits: Digits = 2): (v: unknown) => string {
  const nums = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  const explicit = typeof digits === "object" ? digits[name] : undefined;
  const d = explicit ?? (MM_COLUMN.test(name) ? 1 : typeof digits === "number" ? digits : 2);
  const allInt = nums.every((v) => Number.isInteger(v));
  const tiny = nums.some((v) => v !== 0 && Math.abs(v) < 0.5 * 10 ** -d);
  return (v) => {
    if (v === null || v === undefined) return "";
    if (typeof v !== "number") return String(v);
    if (!Number.isFinite(v)) return "–";
    if (allInt && explicit === undefined) return String(v);
    if (tiny) return String(Number(v.toPrecision(3)));
    return v.toFixed(d);
  };
}

function formatters(df: dfd.DataFrame, digits: Digits): ((v: unknown) => string)[] {
  const cols = df.columns as string[];
  const rows = df.values as unknown[][];
  return cols.map((c, j) =>
    columnFormatter(
      c,
      rows.map((r) => r[j]),
      digits,
    ),
  );
}

/** A DataFrame as an HTML table; each column's numbers share one number of decimals (see `columnFormatter`). */
export function dfToHtml(df: dfd.DataFrame, opts: { digits?: Digits; caption?: string } = {}): string {
  const fmt = formatters(df, opts.digits ?? 2);
  const cols = df.columns as string[];
  const rows = df.values as unknown[][];
  const head = `<tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((v, j) => `<td style="text-align:${typeof v === "number" ? "right" : "left"}">${escapeHtml(fmt[j](v))}</td>`).join("")}</tr>`,
    )
    .join("\n");
  const caption = opts.caption
    ? `<caption style="caption-side:top;text-align:left;font-weight:bold">${escapeHtml(opts.caption)}</caption>`
    : "";
  return `<table class="hpe-table" style="border-collapse:collapse">${caption}<thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

/** A DataFrame as aligned plain text (for logs and the CLI). */
export function dfToText(df: dfd.DataFrame, digits: Digits = 2): string {
  const fmt = formatters(df, digits);
  const cols = df.columns as string[];
  const rows = (df.values as unknown[][]).map((r) => r.map((v, j) => fmt[j](v)));
  const widths = cols.map((c, j) => Math.max(c.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((v, j) => v.padStart(widths[j])).join("  ");
  return [line(cols), ...rows.map(line)].join("\n");
}

/** A DataFrame as CSV text. */
export function dfToCsv(df: dfd.DataFrame): string {
  const q = (v: unknown) => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const cols = df.columns as string[];
  return [cols.map(q).join(","), ...(df.values as unknown[][]).map((r) => r.map(q).join(","))].join("\n") + "\n";
}

/**
 * Show a table inline (HTML with a text fallback) and, when named, save it as CSV.
 * Accepts a DataFrame or plain rows. (Returns nothing, so a notebook cell ending with it
 * prints nothing else.)
 */
export function showTable(
  data: dfd.DataFrame | Row[],
  opts: { name?: string; caption?: string; digits?: Digits } = {},
): void {
  const df = Array.isArray(data) ? frame(data) : data;
  if (opts.name) writeFileAtomic(path.join(notebookOutDir("tables"), `${opts.name}.csv`), dfToCsv(df));
  displayBundle({
    "text/html": dfToHtml(df, opts),
    "text/plain": (opts.caption ? opts.caption + "\n" : "") + dfToText(df, opts.digits ?? 2),
  });
}

/** Long counts {row, col, value} → wide rows (one column per distinct col, plus a total). */
export function pivot(long: { row: string; col: string; frames: number }[], rowName = "subject"): Row[] {
  const cols = [...new Set(long.map((r) => r.col))].sort();
  const rows = [...new Set(long.map((r) => r.row))];
  return rows.map((r) => {
    const out: Row = { [rowName]: r };
    let total = 0;
    for (const c of cols) {
      const v = long.find((x) => x.row === r && x.col === c)?.frames ?? 0;
      out[c] = v;
      total += v;
    }
    out.total = total;
    return out;
  });
}
