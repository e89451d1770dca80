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

function cell(v: unknown, digits: number): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(digits);
  return v === null || v === undefined ? "" : String(v);
}

/** A DataFrame as an HTML table; numbers rounded to `digits`. */
export function dfToHtml(df: dfd.DataFrame, opts: { digits?: number; caption?: string } = {}): string {
  const digits = opts.digits ?? 2;
  const cols = df.columns as string[];
  const rows = df.values as unknown[][];
  const head = `<tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = rows
    .map((r) => `<tr>${r.map((v) => `<td style="text-align:${typeof v === "number" ? "right" : "left"}">${escapeHtml(cell(v, digits))}</td>`).join("")}</tr>`)
    .join("\n");
  const caption = opts.caption ? `<caption style="caption-side:top;text-align:left;font-weight:bold">${escapeHtml(opts.caption)}</caption>` : "";
  return `<table class="hpe-table" style="border-collapse:collapse">${caption}<thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

/** A DataFrame as aligned plain text (for logs and the CLI). */
export function dfToText(df: dfd.DataFrame, digits = 2): string {
  const cols = df.columns as string[];
  const rows = (df.values as unknown[][]).map((r) => r.map((v) => cell(v, digits)));
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
export function showTable(data: dfd.DataFrame | Row[], opts: { name?: string; caption?: string; digits?: number } = {}): void {
  const df = Array.isArray(data) ? frame(data) : data;
  if (opts.name) writeFileAtomic(path.join(notebookOutDir("tables"), `${opts.name}.csv`), dfToCsv(df));
  displayBundle({ "text/html": dfToHtml(df, opts), "text/plain": (opts.caption ? opts.caption + "\n" : "") + dfToText(df, opts.digits ?? 2) });
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
