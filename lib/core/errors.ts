/**
 * Errors about bad input files, and the helpers that keep their messages short and printable.
 *
 * Every loader (BVH, npy/npz, H36M) throws `InputError` for a file it cannot use: the message
 * is one line that starts with the file (and where in it), says which field is wrong and what
 * was expected. Messages are capped at `MAX_MESSAGE_CHARS`, and control or other non-printable
 * characters are escaped, so a hostile file cannot make a 2 MB error or fill a terminal with
 * NUL bytes.
 */

/** Longest error message an `InputError` carries (characters, after escaping). */
export const MAX_MESSAGE_CHARS = 400;
/** Longest value that `quote` shows before cutting it. */
export const MAX_QUOTED_CHARS = 60;

/** C0/C1 control characters, DEL, lone surrogates, line/paragraph separators and BOM-like marks. */
const NON_PRINTABLE =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeChar(c: string): string {
  if (c === "\n") return "\\n";
  if (c === "\r") return "\\r";
  if (c === "\t") return "\\t";
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `s` with non-printable characters escaped (`\x00`, `\n`, `\u2028`), so it prints on one line. */
export function printable(s: string): string {
  return s.replace(NON_PRINTABLE, escapeChar);
}

/** Cut `s` to `max` characters, saying how much was left out. Never splits a surrogate pair. */
export function clip(s: string, max = MAX_MESSAGE_CHARS): string {
  if (s.length <= max) return s;
  // The tail's length depends on the count it shows: size it for the longest count first.
  let end = Math.max(0, max - ` … (${s.length} more characters)`.length);
  if (end > 0 && /[\ud800-\udbff]/.test(s[end - 1])) end--;
  return `${s.slice(0, end)} … (${s.length - end} more characters)`;
}

/**
 * A value from a file, for an error message: in double quotes, non-printable characters
 * escaped, cut to `max` characters. `quote("0x1F")` → `"0x1F"`; 4 KB of NULs → `"\x00\x00…" (4096 chars)`.
 */
export function quote(s: string, max = MAX_QUOTED_CHARS): string {
  const head = s.length > max ? s.slice(0, max) : s;
  const q = `"${printable(head).replace(/"/g, '\\"')}"`;
  return s.length > max ? `${q.slice(0, -1)}…" (${s.length} chars)` : q;
}

/**
 * A file the program cannot use: wrong format, out of range, over a resource limit.
 * `file` is the path as given; `field` names what is wrong ("Frames", "OFFSET", "shape",
 * "entry size", …); `at` is where in the file ("line 12", "[S1/Walking.npy]").
 * The message is `<file> <at>: <detail>`, one line, at most `MAX_MESSAGE_CHARS`.
 */
export class InputError extends Error {
  readonly file: string;
  readonly field: string;
  constructor(file: string, field: string, detail: string, at?: string) {
    super(clip(printable(`${file}${at ? ` ${at}` : ""}: ${detail}`)));
    this.name = "InputError";
    this.file = file;
    this.field = field;
  }
}

/** Whether `e` is an `InputError` (also across module copies, by name). */
export function isInputError(e: unknown): e is InputError {
  return e instanceof InputError || (e instanceof Error && e.name === "InputError" && "file" in e && "field" in e);
}
