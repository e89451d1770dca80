/** Which notebook (or CLI command) is running, and where its outputs go. */
import { outDir } from "./paths";
import { setting } from "./settings";

/** Set by setNotebookName; until then `HPE_NOTEBOOK` (default `scratch`), read when needed. */
let notebook: string | undefined;

/** Name the running notebook; outputs go to `out/{figures,tables}/<name>/`. */
export function setNotebookName(name: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new Error(`notebook name "${name}" must use only letters, digits, '.', '_' and '-'`);
  }
  notebook = name;
}

/** Output folder of the running notebook for one kind of output (`figures`, `tables`). */
export function notebookOutDir(kind: "figures" | "tables"): string {
  return outDir(kind, notebook ?? setting("HPE_NOTEBOOK"));
}
