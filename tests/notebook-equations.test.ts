/**
 * Every equation in the notebooks' markdown converts to MathML with blahtexml, as the report
 * export does (a TeX command it does not know, such as \tfrac, would be left as raw TeX in the
 * offline report). Checked here in seconds, before the notebooks run.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const blahtex = "/usr/bin/blahtexml";
const skip = fs.existsSync(blahtex) ? false : "blahtexml is not installed (npm run setup installs it)";

/** The $…$ and $$…$$ spans of a markdown text. */
export function equations(md: string): string[] {
  return [...md.matchAll(/\$\$([^$]+)\$\$|\$([^$\n]+)\$/g)].map((m) => m[1] ?? m[2]);
}

test("equations are found in markdown (a hand-written fixture)", () => {
  assert.deepEqual(equations("a $x^2$ and\n$$\\frac{1}{2}$$ but not $5 alone"), ["x^2", "\\frac{1}{2}"]);
});

test("every notebook equation converts to MathML", { skip: process.env.CI ? false : skip }, () => {
  const bad: string[] = [];
  let count = 0;
  for (const nb of fs.readdirSync("notebooks").filter((f) => f.endsWith(".ipynb"))) {
    const cells = JSON.parse(fs.readFileSync(path.join("notebooks", nb), "utf8")).cells as {
      cell_type: string;
      source: string | string[];
    }[];
    for (const c of cells.filter((c) => c.cell_type === "markdown")) {
      for (const tex of equations(Array.isArray(c.source) ? c.source.join("") : c.source)) {
        count++;
        const r = spawnSync(blahtex, ["--mathml"], { input: tex, encoding: "utf8" });
        const err = /<message>(.*?)<\/message>/.exec(r.stdout);
        if (r.status !== 0 || err) bad.push(`${nb}: ${err?.[1] ?? r.stderr} in $${tex.slice(0, 80)}$`);
      }
    }
  }
  assert.ok(count > 20, `found ${count} equations`);
  assert.deepEqual(bad, []);
});
