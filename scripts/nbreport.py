"""HTML reports and the out/index.html dashboard of executed hpe3d notebooks.

A report (reports/<name>.html) is the executed notebook rendered with the template in
jupyter/nbconvert/templates/hpe-report, plus:
  - the notebook's title (its first markdown heading) as the page title;
  - a header: link back to the index, date, git commit, profile, backend, data, run time,
    and on smoke-profile reports a banner saying that the numbers are not results;
  - a table of contents (sections, figures, tables);
  - numbered captions "Figure N:" / "Table N:" with relative links to each figure's
    files (figures/<name>/<stem>.{svg,png,pdf}) and each table's CSV;
  - wrapped code lines and foldable code cells (<details>);
  - no absolute path of the machine that built it (project root, output and data folders,
    home folder are rewritten to relative forms).
index.html is a dashboard: notebooks with run times, headline P1/P2 per model, a runs
table (config differences and final metrics), and a thumbnail and caption per figure.
Everything is plain HTML and CSS with relative links, so it opens offline.
"""
import copy
import csv
import datetime
import glob
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = os.path.join(ROOT, "jupyter", "nbconvert", "templates")
TIMINGS = "timings.json"

CSS = """
:root { --hpe-accent: #1f5fa8; }
body.jp-Notebook { max-width: 1280px; margin: 0 auto; padding: 0 16px 40px; }
.hpe-top { font: 14px/1.45 "Open Sans", "DejaVu Sans", sans-serif; margin: 12px 0 4px; }
.hpe-top a { color: var(--hpe-accent); }
.hpe-smoke { background: #fff3cd; border: 2px solid #d39e00; color: #5c4400; padding: 10px 14px; margin: 8px 0;
  font: 600 15px/1.4 "Open Sans", "DejaVu Sans", sans-serif; border-radius: 4px; }
.hpe-failed { background: #fde2e1; border: 2px solid #c0392b; color: #6b1c14; padding: 10px 14px; margin: 8px 0;
  font: 600 15px/1.4 "Open Sans", "DejaVu Sans", sans-serif; border-radius: 4px; }
.hpe-meta { font: 13px/1.5 "Open Sans", "DejaVu Sans", sans-serif; border-collapse: collapse; margin: 8px 0 12px 0; }
.hpe-meta th { text-align: left; padding: 2px 14px 2px 0; color: #555; font-weight: 600; vertical-align: top; white-space: nowrap; }
.hpe-meta td { padding: 2px 0; overflow-wrap: anywhere; }
.hpe-toc { font: 14px/1.5 "Open Sans", "DejaVu Sans", sans-serif; background: #f6f8fa; border: 1px solid #dde3ea;
  padding: 8px 16px; margin: 8px 0 16px; border-radius: 4px; }
.hpe-toc h2 { font-size: 16px; margin: 4px 0; }
.hpe-toc ol { margin: 2px 0 6px; padding-left: 22px; }
.hpe-toc a { color: var(--hpe-accent); text-decoration: none; }
.hpe-toc .hpe-toc-cols { display: flex; flex-wrap: wrap; gap: 0 40px; }
.hpe-caption { font: 14px/1.45 "Open Sans", "DejaVu Sans", sans-serif; margin: 6px 0 14px; max-width: 900px; }
.hpe-caption a { color: var(--hpe-accent); margin-left: 6px; }
.hpe-files { color: #555; font-size: 13px; }
table.hpe-table caption a { font-weight: normal; margin-left: 6px; font-size: 13px; }
details.hpe-code > summary { cursor: pointer; color: #555; font: 12px "Open Sans", "DejaVu Sans", sans-serif;
  padding: 2px 0 2px 4px; list-style-position: inside; }
details.hpe-code > summary code { font-size: 12px; color: #333; }
details.hpe-code:not([open]) { border-left: 3px solid #dde3ea; margin: 2px 0; }
/* Wrap code and text output instead of cutting it off. */
.jp-InputArea-editor pre, .highlight pre, .jp-OutputArea-output pre, .jp-RenderedText pre {
  white-space: pre-wrap !important; overflow-wrap: anywhere; word-break: break-word; }
.jp-InputArea, .jp-InputArea-editor { overflow: visible !important; }
.jp-OutputArea-output { overflow-x: auto; }
.hpe-toolbar { font: 12px "Open Sans", "DejaVu Sans", sans-serif; margin: 4px 0; }
.hpe-toolbar button { font: inherit; margin-right: 6px; }
.hpe-footer { font: 12px "Open Sans", "DejaVu Sans", sans-serif; color: #666; margin-top: 30px; border-top: 1px solid #ddd; padding-top: 6px; }
@media print { .hpe-toolbar { display: none; } details.hpe-code { display: none; } }
"""

FOLD_JS = """<script>
function hpeFold(open) { document.querySelectorAll('details.hpe-code').forEach(function (d) { d.open = open; }); }
</script>"""


# ---------------------------------------------------------------------------------------
# Facts about the run: git commit, backend, profile, data, machine paths
# ---------------------------------------------------------------------------------------

def git_commit():
    """Short commit id of the project, with '+ uncommitted changes' when the tree is dirty."""
    try:
        sha = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=10", "HEAD"], capture_output=True, text=True, timeout=20)
        if sha.returncode != 0:
            return "unknown (not a git checkout)"
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, timeout=20)
        return sha.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown (git not available)"


def _text(v):
    return "".join(v) if isinstance(v, list) else (v or "")


def stream_text(nb):
    """All stdout text of a notebook, in order."""
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stdout":
                out.append(_text(o.get("text")))
    return "".join(out)


def run_facts(nb):
    """Profile and backend as the notebook printed them (setup() prints both), else from the environment."""
    text = stream_text(nb)
    m = re.search(r"^\[hpe3d\] notebook \S+: profile (\w+)", text, re.M)
    profile = m.group(1) if m else os.environ.get("HPE_PROFILE", "full")
    m = re.search(r"^\[hpe3d\] backend: (.+)$", text, re.M)
    backend = m.group(1).strip() if m else os.environ.get("HPE_BACKEND", "not printed by the notebook")
    # Keep the part before the list of skipped backends: what ran, not why others did not.
    backend = re.sub(r";\s*skipped .*$", "", backend)
    m = re.search(r"^\[hpe3d\] data: (.+)$", text, re.M)
    data = m.group(1).strip() if m else None
    return {"profile": profile, "backend": backend, "data": data}


def data_dir():
    d = os.environ.get("HPE_DATA_DIR")
    return os.path.abspath(os.path.join(ROOT, d)) if d else os.path.join(ROOT, "data")


def data_summary():
    """Which datasets the data folder holds (what loadMocap() reads), e.g. 'CMU mocap (38 BVH files), …'."""
    d = data_dir()
    parts = []
    for sub, label in (("cmu-mocap", "CMU motion capture"), ("bandai-namco-motion", "Bandai Namco Research Motion (CC BY-NC 4.0)")):
        p = os.path.join(d, sub)
        n = len(glob.glob(os.path.join(p, "**", "*.bvh"), recursive=True)) if os.path.isdir(p) else 0
        if n:
            parts.append(f"{label}, {n} BVH files")
    h36m = os.path.join(d, "h36m")
    if os.path.isdir(h36m) and glob.glob(os.path.join(h36m, "*_flat.npz")):
        parts.append("Human3.6M (converted .npz)")
    return "; ".join(parts) if parts else "no dataset found"


def path_rewrites(out_dir):
    """(absolute prefix, replacement) pairs, longest first, that remove the build machine's paths."""
    pairs = []

    def rel(p):
        r = os.path.relpath(p, ROOT)
        return None if r.startswith("..") else r

    out_rel = rel(out_dir)
    pairs.append((out_dir, out_rel if out_rel else "$HPE_OUT_DIR"))
    dd = data_dir()
    dd_rel = rel(dd)
    pairs.append((dd, dd_rel if dd_rel else "$HPE_DATA_DIR"))
    pairs.append((ROOT, "."))
    home = os.path.expanduser("~")
    if home and home != "/" and len(home) > 1:
        pairs.append((home, "~"))
    uniq = {}
    for a, b in pairs:
        a = os.path.normpath(a)
        if a not in uniq and len(a) > 1:
            uniq[a] = b
    return sorted(uniq.items(), key=lambda p: -len(p[0]))


def scrub(text, rewrites):
    """Replace each absolute prefix (followed by '/', a quote, space or end) by its relative form."""
    for prefix, repl in rewrites:
        text = re.sub(re.escape(prefix) + r"(?=[/\\\s\"'<>)\],:;&|]|\.(?:\s|$)|$)", lambda _m, r=repl: r, text)
    return text


def scrub_notebook(nb, rewrites):
    """Rewrite machine paths in every text output of a notebook (in place)."""
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if "text" in o:
                o["text"] = scrub(_text(o["text"]), rewrites)
            if "data" in o:
                for k, v in list(o["data"].items()):
                    if k.startswith("text/") or k in ("application/json",):
                        if isinstance(v, (str, list)):
                            o["data"][k] = scrub(_text(v), rewrites)
            if "traceback" in o:
                o["traceback"] = [scrub(t, rewrites) for t in o["traceback"]]
            if "evalue" in o:
                o["evalue"] = scrub(o["evalue"], rewrites)


# ---------------------------------------------------------------------------------------
# Figures and tables of a notebook
# ---------------------------------------------------------------------------------------

FIG_JSON = re.compile(r"var f = (\{.*?\});\s*function draw\(", re.S)
FIG_NAME = re.compile(r"^Figure (\S+)")
TABLE = re.compile(r'<table class="hpe-table"[^>]*>', re.S)
CAPTION = re.compile(r"(<caption[^>]*>)(.*?)(</caption>)", re.S)


def notebook_title(nb, fallback):
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+?)\s*#*\s*$", cell.source, re.M)
            if m:
                return re.sub(r"[*_`]", "", m.group(1)).strip()
    return fallback


def _strip_tags(s):
    return html.unescape(re.sub(r"<[^>]+>", " ", s)).replace("  ", " ").strip()


def figure_title(fig_html):
    m = FIG_JSON.search(fig_html)
    if not m:
        return ""
    try:
        fig = json.loads(m.group(1))
    except ValueError:
        return ""
    t = (fig.get("layout") or {}).get("title")
    if isinstance(t, dict):
        t = t.get("text")
    return _strip_tags(t) if isinstance(t, str) else ""


def _csv_header(path):
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        return rows[0] if rows else [], max(0, len(rows) - 1)
    except OSError:
        return [], 0


def _table_header(table_html):
    head = re.search(r"<thead>(.*?)</thead>", table_html, re.S)
    cols = [html.unescape(c) for c in re.findall(r"<th[^>]*>(.*?)</th>", head.group(1) if head else "", re.S)]
    body = re.search(r"<tbody>(.*?)</tbody>", table_html, re.S)
    rows = len(re.findall(r"<tr", body.group(1))) if body else 0
    return cols, rows


def collect(nb, name, out_dir):
    """Figures and tables of an executed notebook, numbered in order of appearance.

    Figures: outputs whose HTML holds a `hpe-figure` div; the file stem comes from
    `data-hpe-name` or the text/plain line 'Figure <stem> → …'. Tables: `hpe-table`
    elements; the CSV is the one named by `data-hpe-name`, else the unused CSV of
    tables/<name>/ whose header and row count match.
    """
    figs, tables = [], []
    fig_dir = os.path.join(out_dir, "figures", name)
    tab_dir = os.path.join(out_dir, "tables", name)
    csvs = {os.path.splitext(os.path.basename(p))[0]: _csv_header(p) for p in sorted(glob.glob(os.path.join(tab_dir, "*.csv")))}
    used = set()
    for ci, cell in enumerate(nb.cells):
        for oi, o in enumerate(cell.get("outputs", [])):
            data = o.get("data") or {}
            h = _text(data.get("text/html"))
            if 'class="hpe-figure' in h:
                m = re.search(r'data-hpe-name="([^"]+)"', h) or FIG_NAME.match(_text(data.get("text/plain")))
                stem = m.group(1) if m else None
                if stem is None:
                    continue  # a live figure that never got its final, exported state
                files = {ext: f"figures/{name}/{stem}.{ext}" for ext in ("svg", "png", "pdf") if os.path.exists(os.path.join(fig_dir, f"{stem}.{ext}"))}
                figs.append({"n": len(figs) + 1, "stem": stem, "title": figure_title(h) or stem, "files": files, "cell": ci, "output": oi})
            for tm in TABLE.finditer(h):
                start = tm.start()
                end = h.find("</table>", start)
                t_html = h[start:end + 8]
                cap = CAPTION.search(t_html)
                caption = _strip_tags(cap.group(2)) if cap else ""
                named = re.search(r'data-hpe-name="([^"]+)"', tm.group(0))
                csv_name = named.group(1) if named else None
                if csv_name is None:
                    cols, rows = _table_header(t_html)
                    for stem, (hcols, hrows) in csvs.items():
                        if stem not in used and hcols == cols and hrows == rows:
                            csv_name = stem
                            break
                if csv_name:
                    used.add(csv_name)
                csv_rel = f"tables/{name}/{csv_name}.csv" if csv_name and os.path.exists(os.path.join(tab_dir, f"{csv_name}.csv")) else None
                tables.append({"n": len(tables) + 1, "stem": csv_name, "caption": caption, "csv": csv_rel, "cell": ci, "output": oi})
    return figs, tables


def _a(href, text, cls=None):
    c = f' class="{cls}"' if cls else ""
    return f'<a{c} href="{html.escape(href, quote=True)}">{html.escape(text)}</a>'


def annotate(nb, figs, tables, up="../"):
    """Add numbered captions with file links to figure outputs and number table captions (in place)."""
    by_out = {}
    for f in figs:
        by_out.setdefault((f["cell"], f["output"]), {"figs": [], "tables": []})["figs"].append(f)
    for t in tables:
        by_out.setdefault((t["cell"], t["output"]), {"figs": [], "tables": []})["tables"].append(t)
    for (ci, oi), items in by_out.items():
        o = nb.cells[ci].outputs[oi]
        h = _text(o["data"]["text/html"])
        for f in items["figs"]:
            links = " ".join(_a(up + p, ext.upper()) for ext, p in f["files"].items())
            h += (f'\n<div class="hpe-caption" id="figure-{f["n"]}"><b>Figure {f["n"]}:</b> {html.escape(f["title"])}'
                  f' <span class="hpe-files">({html.escape(f["stem"])}: {links or "no files exported"})</span></div>')
        if items["tables"]:
            queue = list(items["tables"])

            def number(m):
                t = queue.pop(0) if queue else None
                if t is None:
                    return m.group(0)
                link = " " + _a(up + t["csv"], "CSV") if t["csv"] else ""
                return f'{m.group(1)}<span id="table-{t["n"]}">Table {t["n"]}:</span> {m.group(2)}{link}{m.group(3)}'

            # Tables without a caption get one.
            def ensure_caption(tm):
                start = tm.end()
                return tm.group(0) if h.startswith("<caption", start) else tm.group(0) + "<caption></caption>"

            h = TABLE.sub(ensure_caption, h)
            h = CAPTION.sub(number, h)
        o["data"]["text/html"] = h
        if items["figs"]:
            o["data"].pop("image/png", None)  # the report shows the HTML (which has its own PNG fallback)


# ---------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------

MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$\w])\$(?!\s)(.+?)(?<!\s)\$(?![\w$])", re.S)
_warned = []


def tex_to_mathml(tex, display):
    """MathML for one TeX expression (blahtexml), or None when it cannot be converted."""
    if not shutil.which("blahtexml"):
        if not _warned:
            print("[nb] blahtexml not found: equations stay TeX in the HTML reports (apt-get install blahtexml)", file=sys.stderr)
            _warned.append(True)
        return None
    r = subprocess.run(["blahtexml", "--mathml"], input=tex, capture_output=True, text=True)
    m = re.search(r"<markup>\s*(.*?)\s*</markup>", r.stdout, re.S)
    if r.returncode != 0 or not m or "<error>" in r.stdout:
        return None
    mode = ' display="block"' if display else ""
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML"{mode}>{m.group(1)}</math>'


def render_math(nb):
    """Markdown equations as MathML (in place), so reports need no MathJax (offline)."""
    for cell in nb.cells:
        if cell.cell_type != "markdown" or "$" not in cell.source:
            continue

        def sub(m):
            display = m.group(1) is not None
            out = tex_to_mathml((m.group(1) if display else m.group(2)).strip(), display)
            return out if out else m.group(0)

        cell.source = MATH.sub(sub, cell.source)


def _code_summary(src):
    """A short description of a code cell for its fold line: its first line that is not an import or comment."""
    for line in src.splitlines():
        s = line.strip()
        if s and not s.startswith(("import ", "//", "/*", "*")):
            return s if len(s) <= 90 else s[:87] + "…"
    return ""


def fmt_seconds(s):
    if s is None:
        return "—"
    s = float(s)
    if s < 90:
        return f"{s:.1f} s"
    if s < 5400:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.2f} h"


def smoke_banner(profile):
    if profile != "smoke":
        return ""
    return ('<div class="hpe-smoke" role="note">Smoke profile: a pipeline check on a small subset, trained for 1–2 epochs. '
            'Its numbers are <u>not results</u> and must not be quoted; run <code>npm run reproduce</code> (full profile) for those.</div>')


def build_report(nb, name, out_dir, info=None):
    """The HTML report of an executed notebook; returns (html, figs, tables, title)."""
    from nbconvert import HTMLExporter  # Debian's python3-nbconvert

    info = info or {}
    nb = copy.deepcopy(nb)
    rewrites = path_rewrites(out_dir)
    scrub_notebook(nb, rewrites)
    title = notebook_title(nb, name)
    nb.metadata["title"] = title
    facts = run_facts(nb)
    figs, tables = collect(nb, name, out_dir)
    annotate(nb, figs, tables)
    render_math(nb)
    first_md = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if first_md is not None:
        first_md.metadata["hpe_after_title"] = True
    for c in nb.cells:
        if c.cell_type == "code":
            c.metadata["hpe_summary"] = _code_summary(c.source)

    status = info.get("status", "ok")
    data = facts["data"] or data_summary()
    when = info.get("finished") or datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    meta_rows = [
        ("Notebook", f"{html.escape(name)}.ipynb · {_a('../notebooks/' + name + '.ipynb', 'executed notebook')}"),
        ("Date", html.escape(when)),
        ("Git commit", html.escape(info.get("commit") or git_commit())),
        ("Profile", f"<b>{html.escape(facts['profile'])}</b>"),
        ("Backend", html.escape(facts["backend"])),
        ("Data", html.escape(data)),
        ("Run time", html.escape(fmt_seconds(info.get("seconds")))),
    ]
    meta = '<table class="hpe-meta">' + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in meta_rows) + "</table>"
    failed = ""
    if status != "ok":
        failed = f'<div class="hpe-failed">This notebook did not finish: {html.escape(status)}. The report shows the cells up to the failure.</div>'
    top = (f'<div class="hpe-top">{_a("../index.html", "← all reports (index)")} · hpe3d report</div>'
           + smoke_banner(facts["profile"]) + failed)
    after_title = meta + "<!--HPE-TOC-->" + FOLD_JS + (
        '<div class="hpe-toolbar">Code cells: <button type="button" onclick="hpeFold(false)">fold all</button>'
        '<button type="button" onclick="hpeFold(true)">unfold all</button> (or click a cell\'s "code" line)</div>')
    footer = (f'<div class="hpe-footer">{html.escape(title)} · generated by scripts/run_notebooks.py from notebooks/{html.escape(name)}.ipynb'
              f' · profile {html.escape(facts["profile"])} · {html.escape(when)}</div>')
    exporter = HTMLExporter(template_name="hpe-report", extra_template_basedirs=[TEMPLATES])
    body, _ = exporter.from_notebook_node(nb, resources={"hpe": {"css": CSS, "top": top, "after_title": after_title, "footer": footer}})
    body = body.replace("<!--HPE-TOC-->", toc_html(body, figs, tables), 1)
    body = scrub(body, rewrites)
    return body, figs, tables, title


HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)(?:<a class="anchor-link"[^>]*>.*?</a>)?</h\1>', re.S)


def toc_html(body, figs, tables):
    sections = []
    for level, hid, text in HEADING.findall(body):
        t = _strip_tags(text)
        if t:
            sections.append((int(level), hid, t))
    parts = ['<nav class="hpe-toc" aria-label="contents"><h2>Contents</h2><div class="hpe-toc-cols">']
    if sections:
        items, open_sub = [], False
        for level, hid, t in sections:
            if level == 3:
                if not open_sub:
                    items.append("<ol>")
                    open_sub = True
            elif open_sub:
                items.append("</ol>")
                open_sub = False
            items.append(f'<li><a href="#{html.escape(hid, quote=True)}">{html.escape(t)}</a></li>')
        if open_sub:
            items.append("</ol>")
        parts.append("<div><b>Sections</b><ol>" + "".join(items) + "</ol></div>")
    if figs:
        parts.append("<div><b>Figures</b><ol>" + "".join(
            f'<li value="{f["n"]}"><a href="#figure-{f["n"]}">Figure {f["n"]}: {html.escape(f["title"])}</a></li>' for f in figs) + "</ol></div>")
    if tables:
        parts.append("<div><b>Tables</b><ol>" + "".join(
            f'<li value="{t["n"]}"><a href="#table-{t["n"]}">Table {t["n"]}: {html.escape(t["caption"] or (t["stem"] or ""))}</a></li>' for t in tables) + "</ol></div>")
    parts.append("</div></nav>")
    return "".join(parts)


# ---------------------------------------------------------------------------------------
# Timings (notebooks/timings.json) and the index dashboard
# ---------------------------------------------------------------------------------------

def read_timings(out_dir):
    p = os.path.join(out_dir, "notebooks", TIMINGS)
    try:
        with open(p, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {"notebooks": {}}


def _read_json(p):
    try:
        with open(p, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _last_jsonl(p):
    try:
        with open(p, encoding="utf-8") as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
        return json.loads(lines[-1]) if lines else None, len(lines)
    except (OSError, ValueError):
        return None, 0


def read_runs(out_dir):
    """Training runs under runs/ (HPE_RUNS_DIR when set): config, last metrics line, eval.json."""
    runs_dir = os.environ.get("HPE_RUNS_DIR")
    runs_dir = os.path.abspath(os.path.join(ROOT, runs_dir)) if runs_dir else os.path.join(out_dir, "runs")
    runs = []
    for cfg_path in sorted(glob.glob(os.path.join(runs_dir, "*", "config.json"))):
        d = os.path.dirname(cfg_path)
        cfg = _read_json(cfg_path) or {}
        last, epochs = _last_jsonl(os.path.join(d, "metrics.jsonl"))
        ev = _read_json(os.path.join(d, "eval.json"))
        ckpts = sorted(glob.glob(os.path.join(d, "checkpoint-*.bin")), key=lambda p: int(re.sub(r"\D", "", os.path.basename(p)) or 0))
        runs.append({"name": os.path.basename(d), "dir": d, "config": cfg, "last": last, "epochs": epochs, "eval": ev,
                     "checkpoint": ckpts[-1] if ckpts else None})
    return runs, runs_dir


def _num(v, digits=1):
    if isinstance(v, bool) or v is None:
        return "—" if v is None else str(v)
    if isinstance(v, (int, float)):
        if isinstance(v, int) or float(v).is_integer():
            return f"{int(v):,}" if abs(v) >= 10000 else str(int(v))
        if abs(v) < 0.01 and v != 0:
            return f"{v:.1e}"
        return f"{v:.{digits}f}"
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


def headline_rows(runs, out_dir):
    """Headline P1/P2 (action-wise means, mm) per model: from eval.json, else from notebook tables."""
    rows = []
    for r in runs:
        ev = r["eval"]
        if isinstance(ev, dict) and isinstance(ev.get("p1"), dict):
            rows.append({"model": ev.get("model") or r["name"], "run": r["name"], "p1": ev["p1"].get("actionWise"),
                         "p2": (ev.get("p2") or {}).get("actionWise"), "samples": ev.get("samples"), "source": f"runs/{r['name']}/eval.json"})
    if rows:
        return rows
    # Fallback: a notebook table with "<model> P1" / "<model> P2" columns and an "average" row.
    for p in sorted(glob.glob(os.path.join(out_dir, "tables", "*", "*.csv"))):
        try:
            with open(p, newline="", encoding="utf-8") as f:
                data = list(csv.reader(f))
        except OSError:
            continue
        if len(data) < 2:
            continue
        head = data[0]
        models = [c[:-3] for c in head if c.endswith(" P1") and c[:-3] + " P2" in head]
        avg = next((row for row in data[1:] if row and row[0].lower().startswith("average")), None)
        if not models or avg is None:
            continue
        rel = os.path.relpath(p, out_dir)
        for m in models:
            if any(x["model"] == m and x["p1"] == float(avg[head.index(m + " P1")]) for x in rows):
                continue  # the same model's numbers, repeated in another notebook's table
            rows.append({"model": m, "run": None, "p1": float(avg[head.index(m + " P1")]), "p2": float(avg[head.index(m + " P2")]),
                         "samples": int(avg[1]) if len(avg) > 1 and avg[1].isdigit() else None, "source": rel})
    return rows


def _cfg(v):
    """A config value as written in a config file (0.001, 0.96, True)."""
    if isinstance(v, float):
        return f"{v:g}"
    return _num(v)


RUN_KEYS_ALWAYS = ["model", "epochs", "batchSize", "lr", "lrDecay", "dropout", "beta", "latentDim"]


def runs_table(runs, out_dir):
    if not runs:
        return "<p>No training runs yet.</p>"
    configs = [r["config"] for r in runs]
    keys = sorted({k for c in configs for k in c if k != "name"})
    differing = [k for k in keys if len({json.dumps(c.get(k), sort_keys=True) for c in configs}) > 1]
    shown = [k for k in RUN_KEYS_ALWAYS if k in keys] + [k for k in differing if k not in RUN_KEYS_ALWAYS]
    same = {}
    for r in runs:
        key = json.dumps({k: v for k, v in r["config"].items() if k != "name"}, sort_keys=True)
        same.setdefault(key, []).append(r["name"])
    head = ["run", "epochs done", "final loss", "recon", "KL", "val P1 (mm)", "samples/s", "eval P1 (mm)", "eval P2 (mm)", "files"] + [
        f"{k}{' *' if k in differing else ''}" for k in shown]
    rows = []
    for r in runs:
        c, last, ev = r["config"], r["last"] or {}, r["eval"] if isinstance(r["eval"], dict) else {}
        # metrics.jsonl lines name their terms ({terms, values, val}); runs from before were flat.
        terms, val = last.get("terms") or last, last.get("val") or {"p1": last.get("valMpjpe")}
        rel = os.path.relpath(r["dir"], out_dir)
        files = [_a(f"{rel}/config.json", "config"), _a(f"{rel}/metrics.jsonl", "metrics")]
        if r["eval"] is not None:
            files.append(_a(f"{rel}/eval.json", "eval"))
        if r["checkpoint"]:
            files.append(_a(os.path.relpath(r["checkpoint"], out_dir), "checkpoint"))
        twins = [n for n in same[json.dumps({k: v for k, v in c.items() if k != "name"}, sort_keys=True)] if n != r["name"]]
        name = html.escape(r["name"]) + (f'<br><small title="identical config">same config as {html.escape(", ".join(twins))}</small>' if twins else "")
        cells = [name,
                 str(r["epochs"]), _num(terms.get("loss"), 4), _num(terms.get("recon"), 4), _num(terms.get("kl"), 2), _num(val.get("p1"), 1),
                 _num(round(last["samplesPerSec"]) if isinstance(last.get("samplesPerSec"), (int, float)) else None),
                 _num((ev.get("p1") or {}).get("actionWise"), 1), _num((ev.get("p2") or {}).get("actionWise"), 1), " ".join(files)] + [
                 html.escape(_cfg(c.get(k))) for k in shown]
        rows.append("<tr>" + "".join(f"<td>{v}</td>" for v in cells) + "</tr>")
    return ('<table class="grid runs"><thead><tr>' + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>"
            + '<p class="note">* differs between runs. "val P1" is the last epoch\'s validation MPJPE from metrics.jsonl; '
              '"eval" columns come from each run\'s eval.json (<code>npm run hpe -- eval --run &lt;name&gt;</code>).</p>')


INDEX_CSS = """
body { font: 14px/1.45 "Open Sans", "DejaVu Sans", sans-serif; margin: 0 auto; max-width: 1400px; padding: 0 20px 40px; color: #222; }
h1 { margin: 16px 0 4px; } h2 { margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 3px; } h3 { margin: 18px 0 6px; }
a { color: #1f5fa8; }
.meta { color: #444; }
.smoke { background: #fff3cd; border: 2px solid #d39e00; color: #5c4400; padding: 10px 14px; margin: 10px 0; font-weight: 600; border-radius: 4px; }
table.grid { border-collapse: collapse; margin: 6px 0; }
table.grid th, table.grid td { border: 1px solid #d5dbe1; padding: 3px 8px; vertical-align: top; }
table.grid th { background: #f0f3f6; text-align: left; }
table.grid td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.runs td { font-size: 13px; white-space: nowrap; } table.runs td small { color: #8a5a00; }
.runs-wrap { overflow-x: auto; }
.gallery { display: flex; flex-wrap: wrap; gap: 14px; }
.card { width: 290px; border: 1px solid #dde3ea; border-radius: 4px; padding: 6px; background: #fff; }
.card img { width: 100%; height: 190px; object-fit: contain; background: #fafafa; display: block; }
.card .cap { font-size: 13px; margin-top: 4px; } .card .links { font-size: 12px; color: #555; }
.note { color: #555; font-size: 13px; }
.failed { color: #b03a2e; font-weight: 600; }
"""


def write_index(out_dir, write):
    """Write out_dir/index.html (the dashboard) with `write(path, text)`."""
    timings = read_timings(out_dir)
    rewrites = path_rewrites(out_dir)
    nbs = sorted(glob.glob(os.path.join(out_dir, "notebooks", "*.ipynb")))
    import nbformat

    profile = timings.get("profile") or os.environ.get("HPE_PROFILE", "full")
    when = timings.get("finished") or datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    commit = timings.get("commit") or git_commit()
    nb_rows, galleries, table_items = [], [], []
    total = 0.0
    for p in nbs:
        name = os.path.splitext(os.path.basename(p))[0]
        try:
            nb = nbformat.read(p, as_version=4)
        except Exception as e:  # a broken file is reported, not fatal for the index
            nb_rows.append(f'<tr><td>{html.escape(name)}</td><td colspan="5" class="failed">unreadable: {html.escape(str(e))}</td></tr>')
            continue
        title = notebook_title(nb, name)
        figs, tables = collect(nb, name, out_dir)
        t = timings.get("notebooks", {}).get(name, {})
        secs = t.get("seconds")
        total += secs or 0
        status = t.get("status", "ok")
        st = "ok" if status == "ok" else f'<span class="failed">{html.escape(status)}</span>'
        report = os.path.join(out_dir, "reports", f"{name}.html")
        links = [_a(f"reports/{name}.html", "report")] if os.path.exists(report) else []
        links.append(_a(f"notebooks/{name}.ipynb", "executed notebook"))
        nb_rows.append(
            f"<tr><td>{_a(f'reports/{name}.html', title) if os.path.exists(report) else html.escape(title)}</td>"
            f"<td>{html.escape(name)}</td><td>{st}</td><td class='num'>{fmt_seconds(secs)}</td>"
            f"<td class='num'>{len(figs)} / {len(tables)}</td><td>{' · '.join(links)}</td></tr>")
        cards = []
        for f in figs:
            img = f["files"].get("png")
            thumb = f'<a href="reports/{html.escape(name)}.html#figure-{f["n"]}"><img src="{html.escape(img)}" alt="{html.escape(f["title"])}"></a>' if img else "<div>(no PNG)</div>"
            files = " ".join(_a(pth, ext.upper()) for ext, pth in f["files"].items())
            cards.append(f'<div class="card">{thumb}<div class="cap"><b>Figure {f["n"]}:</b> {html.escape(f["title"])}</div>'
                         f'<div class="links">{html.escape(f["stem"])} · {files}</div></div>')
        if cards:
            galleries.append(f'<h3>{html.escape(title)} <small>({_a(f"reports/{name}.html", "report")})</small></h3><div class="gallery">{"".join(cards)}</div>')
        for tb in tables:
            link = _a(tb["csv"], "CSV") if tb["csv"] else "(no CSV)"
            anchor = _a(f"reports/{name}.html#table-{tb['n']}", f"Table {tb['n']}")
            table_items.append(f'<tr><td>{html.escape(title)}</td><td>{anchor}</td>'
                               f'<td>{html.escape(tb["caption"])}</td><td>{link}</td></tr>')
    runs, runs_dir = read_runs(out_dir)
    head = headline_rows(runs, out_dir)
    if head:
        src = sorted({h["source"] for h in head})
        with_run = any(h["run"] for h in head)
        run_th = "<th>run</th>" if with_run else ""
        headline = (f'<table class="grid"><thead><tr><th>model</th>{run_th}<th>P1 MPJPE (mm)</th><th>P2 P-MPJPE (mm)</th><th>test samples</th></tr></thead><tbody>'
                    + "".join(f'<tr><td>{html.escape(h["model"])}</td>' + (f'<td>{html.escape(h["run"] or "—")}</td>' if with_run else "")
                              + f'<td class="num">{_num(h["p1"])}</td><td class="num">{_num(h["p2"])}</td><td class="num">{_num(h["samples"])}</td></tr>' for h in head)
                    + "</tbody></table>"
                    + f'<p class="note">Action-wise means on the test split (per-action errors averaged over actions). Source: {", ".join(_a(s, s) for s in src)}.</p>')
    else:
        headline = "<p>No evaluated model yet.</p>"
    banner = smoke_banner(profile).replace('class="hpe-smoke"', 'class="smoke"')
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>hpe3d results ({html.escape(profile)} profile)</title><style>{INDEX_CSS}</style></head>
<body>
<h1>hpe3d results</h1>
<p class="meta">Profile <b>{html.escape(profile)}</b> · generated {html.escape(when)} · git commit {html.escape(commit)} · data: {html.escape(data_summary())} · notebooks' total run time {fmt_seconds(total)}</p>
{banner}
<h2 id="notebooks">Notebooks</h2>
<table class="grid"><thead><tr><th>report</th><th>notebook</th><th>status</th><th>run time</th><th>figures / tables</th><th>files</th></tr></thead>
<tbody>{"".join(nb_rows) or '<tr><td colspan="6">No executed notebooks yet.</td></tr>'}</tbody></table>
<h2 id="headline">Headline results: P1 / P2 per model</h2>
{headline}
<h2 id="runs">Training runs</h2>
<p class="note">One row per folder in {html.escape(scrub(runs_dir, rewrites))}/, as a tracking tool's runs page: the hyper-parameters and the final metrics.</p>
<div class="runs-wrap">{runs_table(runs, out_dir)}</div>
<h2 id="figures">Figures</h2>
{"".join(galleries) or "<p>No figures.</p>"}
<h2 id="tables">Tables</h2>
<table class="grid"><thead><tr><th>notebook</th><th>table</th><th>caption</th><th>data</th></tr></thead><tbody>{"".join(table_items)}</tbody></table>
</body></html>
"""
    write(os.path.join(out_dir, "index.html"), scrub(page, rewrites))
