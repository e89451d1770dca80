import { test } from "node:test";
import assert from "node:assert/strict";
import { clip, InputError, isInputError, MAX_MESSAGE_CHARS, printable, quote } from "../lib/core/errors";

test("printable escapes control characters, separators and lone surrogates, and keeps the rest", () => {
  assert.equal(printable("a\u0000b\nc\td\u007f"), "a\\x00b\\nc\\td\\x7f");
  assert.equal(printable("x\u2028y"), "x\\u2028y");
  assert.equal(printable("\ud800z"), "\\ud800z");
  assert.equal(printable("é ü 😀 — ok"), "é ü 😀 — ok"); // a surrogate pair is printable
});

test("quote shows short values whole and cuts long ones, saying how long they were", () => {
  assert.equal(quote("0x1F"), '"0x1F"');
  assert.equal(quote('a"b'), '"a\\"b"');
  const nuls = quote("\u0000".repeat(4096));
  // 60 NULs shown as \x00 (4 characters each), then the length.
  assert.equal(nuls, `"${"\\x00".repeat(60)}…" (4096 chars)`);
});

test("clip caps a message and says how much was left out", () => {
  assert.equal(clip("short"), "short");
  const long = "y".repeat(2_000_000);
  const c = clip(long);
  assert.ok(c.length <= MAX_MESSAGE_CHARS && c.length > MAX_MESSAGE_CHARS - 5, `${c.length}`);
  assert.match(c, / … \(\d+ more characters\)$/);
  // The count is exact: kept + left out = original length.
  const kept = c.indexOf(" …"),
    more = Number(/\((\d+) more/.exec(c)![1]);
  assert.equal(kept + more, long.length);
});

test("InputError: one printable line of bounded length, with the file and the field", () => {
  const e = new InputError("walk.bvh", "OFFSET", `bad value ${"\u0000".repeat(3)}\n${"z".repeat(5000)}`, "line 7");
  assert.ok(e instanceof Error && isInputError(e));
  assert.equal(e.name, "InputError");
  assert.equal(e.file, "walk.bvh");
  assert.equal(e.field, "OFFSET");
  assert.ok(e.message.startsWith("walk.bvh line 7: bad value \\x00\\x00\\x00\\nzzz"), e.message.slice(0, 60));
  assert.ok(e.message.length <= MAX_MESSAGE_CHARS);
  assert.ok(!/[\u0000-\u001f]/.test(e.message));
  assert.ok(!isInputError(new Error("x")));
});
