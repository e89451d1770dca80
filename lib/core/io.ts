/** File output that never leaves a half-written file behind: write to a temp file, then rename. */
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Atomically write `data` to `file` (creating parent folders). An OS error (disk full,
 * permissions) names the file: `cannot write out/runs/x/checkpoint-9.bin: ENOSPC (no space left on device)`.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const fd = fs.openSync(tmp, "w");
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const err = e as NodeJS.ErrnoException;
    if (!err.code) throw e;
    throw new Error(
      `cannot write ${file}: ${err.code} (${err.message.replace(/^[A-Z]+: /, "").replace(/, \w+ '.*'$/, "")})`,
    );
  }
}

/** Atomically write a value as pretty JSON. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n");
}
