#!/usr/bin/python3
"""Execute hpe3d notebooks headless on the project's tslab kernel.

For each notebook (default: notebooks/NN_*.ipynb, in order) it writes, under the output
folder (HPE_OUT_DIR, default out/):
  notebooks/<name>.ipynb   the executed notebook (numbered cells, signed as trusted)
  reports/<name>.html      a self-contained HTML report (plotly embedded, PNG fallbacks)
and figures land in figures/<name>/ from the notebook itself.  index.html links them all.

On a failing cell it prints that cell's source and its real error (tslab writes it to the
cell's stderr, nbclient's exception is empty), keeps the partial notebook and report for
inspection, and exits 1.  Run through scripts/run-notebooks.sh, which sets the
project-local Jupyter paths.
"""
import argparse
import copy
import glob
import html
import os
import re
import shutil
import subprocess
import sys
import time

import nbformat
import nbformat.sign
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_atomic(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(tmp, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def cell_error_text(cell):
    """The real error of a failed tslab cell: its stderr stream and any error output."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            tb = "\n".join(out.get("traceback", []))
            parts.append(f"{out.get('ename', '')}: {out.get('evalue', '')}\n{tb}".strip())
    text = "".join(p if p.endswith("\n") else p + "\n" for p in parts if p.strip())
    return text or "(the kernel reported an error but wrote no message)"


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
    """A copy of the notebook whose markdown equations are MathML, so reports need no MathJax (offline)."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type != "markdown" or "$" not in cell.source:
            continue
        def sub(m):
            display = m.group(1) is not None
            out = tex_to_mathml((m.group(1) if display else m.group(2)).strip(), display)
            return out if out else m.group(0)
        cell.source = MATH.sub(sub, cell.source)
    return nb


def to_html(nb):
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(render_math(nb))
    return body


def run_one(path, out_dir, timeout, want_html):
    name = os.path.splitext(os.path.basename(path))[0]
    nb = nbformat.read(path, as_version=4)
    os.environ["HPE_NOTEBOOK"] = name
    client = NotebookClient(nb, kernel_name="tslab", timeout=timeout, startup_timeout=120,
                            resources={"metadata": {"path": ROOT}})
    current = {"index": None}
    client.on_cell_start = lambda cell, cell_index: current.__setitem__("index", cell_index)
    t0 = time.time()
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
        error = e
    elapsed = time.time() - t0
    nb_out = os.path.join(out_dir, "notebooks", f"{name}.ipynb")
    try:
        nbformat.sign.NotebookNotary().sign(nb)
    except Exception as e:  # signing is a convenience (trusted = interactive in classic Notebook)
        print(f"[nb] could not sign {nb_out}: {e}", file=sys.stderr)
    write_atomic(nb_out, nbformat.writes(nb))
    if want_html:
        write_atomic(os.path.join(out_dir, "reports", f"{name}.html"), to_html(nb))
    if error is not None:
        idx = current["index"]
        cell = nb.cells[idx] if idx is not None else None
        print(f"\n[nb] FAILED {path} after {elapsed:.1f} s", file=sys.stderr)
        if cell is not None:
            print(f"[nb] failing cell #{idx}:\n{cell.source}\n[nb] its error:\n{cell_error_text(cell)}", file=sys.stderr)
        if not isinstance(error, CellExecutionError) or cell is None:
            print(f"[nb] {type(error).__name__}: {error}", file=sys.stderr)
        return False, elapsed
    print(f"[nb] ok {path} in {elapsed:.1f} s → {os.path.relpath(nb_out, ROOT)}")
    return True, elapsed


def write_index(out_dir):
    reports = sorted(glob.glob(os.path.join(out_dir, "reports", "*.html")))
    rows = []
    for r in reports:
        name = os.path.splitext(os.path.basename(r))[0]
        figs = sorted(glob.glob(os.path.join(out_dir, "figures", name, "*")))
        links = " ".join(f'<a href="figures/{html.escape(name)}/{html.escape(os.path.basename(f))}">{html.escape(os.path.basename(f))}</a>' for f in figs)
        rows.append(f'<tr><td><a href="reports/{html.escape(name)}.html">{html.escape(name)}</a></td><td>{links}</td></tr>')
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>hpe3d reports</title>"
            "<style>body{font-family:sans-serif;margin:2em}td{padding:4px 10px;vertical-align:top}a{margin-right:6px}</style></head>"
            f"<body><h1>hpe3d reports</h1><p>Profile: {html.escape(os.environ.get('HPE_PROFILE', 'full'))}. Generated {time.strftime('%Y-%m-%d %H:%M')}.</p>"
            f"<table><tr><th>notebook</th><th>figures</th></tr>{''.join(rows)}</table></body></html>")
    write_atomic(os.path.join(out_dir, "index.html"), page)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("notebooks", nargs="*", help="notebooks to run (default: notebooks/[0-9]*.ipynb)")
    ap.add_argument("--out", default=os.environ.get("HPE_OUT_DIR", os.path.join(ROOT, "out")))
    ap.add_argument("--no-html", action="store_true", help="skip the HTML reports")
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("NB_TIMEOUT", "7200")), help="per-cell timeout, seconds")
    args = ap.parse_args()
    out_dir = os.path.abspath(args.out)
    os.environ["HPE_OUT_DIR"] = out_dir
    paths = args.notebooks or sorted(glob.glob(os.path.join(ROOT, "notebooks", "[0-9]*.ipynb")))
    if not paths:
        print("[nb] no notebooks found", file=sys.stderr)
        return 1
    total = 0.0
    for p in paths:
        ok, t = run_one(p, out_dir, args.timeout, not args.no_html)
        total += t
        if not ok:
            if not args.no_html:
                write_index(out_dir)
            return 1
    if not args.no_html:
        write_index(out_dir)
    print(f"[nb] {len(paths)} notebook(s) ok in {total:.1f} s; outputs in {os.path.relpath(out_dir, ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
