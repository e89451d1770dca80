/** Which notebook (or CLI command) is running, and where its outputs go. */
import { outDir } from "./paths";

let notebook = process.env.HPE_NOTEBOOK ?? "scratch";

/** Name the running notebook; outputs go to `out/{figures,tables}/<name>/`. */
export function setNotebookName(name: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`notebook name "${name}" must use only letters, digits, '.', '_' and '-'`);
  notebook = name;
}

/** Output folder of the running notebook for one kind of output (`figures`, `tables`). */
export function notebookOutDir(kind: "figures" | "tables"): string {
  return outDir(kind, notebook);
}
