/**
 * Rich output in tslab notebooks, with several MIME types per output (tslab's public
 * `display` sends one type per output). Outside a kernel (tests, CLI) the text/plain part
 * is printed instead, so the same lib code runs everywhere.
 */
import { randomBytes } from "node:crypto";
import { rootRequire } from "../core/paths";

export type MimeBundle = Record<string, string>;
type WriteDisplayData = (data: unknown, update: boolean) => void;

function writer(): WriteDisplayData | null {
  try {
    // Same module instance as the running kernel (the launcher loads tslab from the root).
    return (rootRequire("tslab/dist/jupyter") as { lastWriteDisplayData: WriteDisplayData | null })
      .lastWriteDisplayData;
  } catch {
    return null;
  }
}

/** True inside a running tslab kernel. */
export function inNotebook(): boolean {
  return writer() !== null;
}

/** Send one output with several representations; values of binary types are base64. */
export function displayBundle(data: MimeBundle, displayId?: string, update = false): void {
  const w = writer();
  if (!w) {
    if (data["text/plain"]) console.log(data["text/plain"]);
    return;
  }
  w({ data, metadata: {}, transient: displayId ? { display_id: displayId } : {} }, update);
}

/** Show markdown (rendered in the notebook and the HTML report). */
export function showMarkdown(md: string): void {
  displayBundle({ "text/markdown": md, "text/plain": md });
}

/** A display slot that can be overwritten in place (live training curves, progress). */
export class LiveDisplay {
  private readonly id = randomBytes(8).toString("hex");
  private shown = false;

  update(data: MimeBundle): void {
    displayBundle(data, this.id, this.shown);
    this.shown = true;
  }
}

/** Escape text for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/**
 * A run's full config as a folded table in the notebook and its report (every field and
 * value), so a reader sees the hyper-parameters without opening the run folder.
 */
export function showRunConfig(name: string, config: object, dir?: string): void {
  const rows = Object.entries(config)
    .map(([k, v]) => `<tr><td><code>${escapeHtml(k)}</code></td><td>${escapeHtml(JSON.stringify(v))}</td></tr>`)
    .join("");
  const where = dir ? ` (${escapeHtml(dir.split("/").slice(-2).join("/"))})` : "";
  const html =
    `<details class="hpe-run-config"><summary>Run <code>${escapeHtml(name)}</code>: full config${where}</summary>` +
    `<table><thead><tr><th>field</th><th>value</th></tr></thead><tbody>${rows}</tbody></table></details>`;
  const text = `run ${name} config: ${JSON.stringify(config)}`;
  displayBundle({ "text/html": html, "text/plain": text });
}
