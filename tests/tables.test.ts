import { test } from "node:test";
import assert from "node:assert/strict";
import { dfToCsv, dfToHtml, dfToText, frame } from "../lib/viz/tables";

test("tables render as HTML, text and CSV with rounding and escaping", () => {
  const df = frame([
    { action: "Walking", mpjpe: 45.678, n: 3 },
    { action: 'Greet, "hi" <b>', mpjpe: 50, n: 10 },
  ]);
  const html = dfToHtml(df, { digits: 1, caption: "P1" });
  assert.match(html, /<caption[^>]*>P1<\/caption>/);
  assert.match(html, /<th>action<\/th><th>mpjpe<\/th><th>n<\/th>/);
  assert.match(html, />45\.7</);
  assert.match(html, /Greet, &quot;hi&quot; &lt;b&gt;/);
  assert.equal(dfToCsv(df), 'action,mpjpe,n\nWalking,45.678,3\n"Greet, ""hi"" <b>",50,10\n');
  const text = dfToText(df, 1).split("\n");
  assert.equal(text.length, 3);
  assert.ok(
    text.every((l) => l.length === text[0].length),
    "text columns are aligned",
  );
  assert.throws(() => frame([]), /no rows/);
});
