#!/usr/bin/python3
"""Execute hpe3d notebooks headless on the project's tslab kernel.

For each notebook (default: notebooks/NN_*.ipynb, in order) it writes, under the output
folder (HPE_OUT_DIR, default out/):
  notebooks/<name>.ipynb   the executed notebook (numbered cells, signed as trusted)
  notebooks/timings.json   run time and status of each notebook (and of each cell)
  reports/<name>.html      a self-contained HTML report (see scripts/nbreport.py)
and figures land in figures/<name>/ from the notebook itself.  index.html is the dashboard.

While a notebook runs, the console shows each cell as it starts and the training progress
lines ("[train] …") as the kernel prints them.

On a failing cell it prints that cell's source and its real error (tslab writes it to the
cell's stderr, nbclient's exception is empty), keeps the partial notebook and report for
inspection, and exits 1.  `--reports-only` re-renders the reports and the index from the
executed notebooks already in the output folder.  Run through scripts/run-notebooks.sh,
which sets the project-local Jupyter paths.
"""
import argparse
import json
import datetime
import glob
import os
import re
import shutil
import sys
import time

import nbformat
import nbformat.sign
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nbreport  # noqa: E402  (scripts/nbreport.py)

ROOT = nbreport.ROOT
PROGRESS = re.compile(r"^\[(train|hpe3d|fetch)\]")


def say(msg, err=False):
    print(msg, file=sys.stderr if err else sys.stdout, flush=True)


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


class ProgressClient(NotebookClient):
    """nbclient that echoes progress to the console as it happens: each code cell as it
    starts, and the kernel's "[train] …" / "[hpe3d] …" lines as they are printed."""

    def __init__(self, nb, name, **kw):
        super().__init__(nb, **kw)
        self.hpe_name = name
        self.hpe_t0 = time.time()
        self.hpe_cell_t0 = None
        self.hpe_cells = {}
        self.hpe_partial = {}
        self.hpe_code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
        self.on_cell_start = self._cell_start
        self.on_cell_executed = self._cell_done

    def _cell_start(self, cell, cell_index):
        if cell.cell_type != "code" or not cell.source.strip():
            return
        k = self.hpe_code.index(cell_index) + 1 if cell_index in self.hpe_code else 0
        self.hpe_cell_t0 = time.time()
        first = nbreport._code_summary(cell.source)
        say(f"[nb] {self.hpe_name}: cell {k}/{len(self.hpe_code)} (#{cell_index}) at {time.time() - self.hpe_t0:.0f} s · {first}")

    def _cell_done(self, cell, cell_index, execute_reply=None):
        if self.hpe_cell_t0 is not None:
            self.hpe_cells[str(cell_index)] = round(time.time() - self.hpe_cell_t0, 2)
        for key, rest in list(self.hpe_partial.items()):
            if rest.strip() and PROGRESS.match(rest):
                say(f"  {rest.rstrip()}")
            self.hpe_partial.pop(key)

    def process_message(self, msg, cell, cell_index):
        if msg.get("msg_type") == "stream":
            content = msg.get("content", {})
            key = (cell_index, content.get("name"))
            text = self.hpe_partial.get(key, "") + content.get("text", "")
            lines = text.split("\n")
            self.hpe_partial[key] = lines.pop()
            for line in lines:
                if PROGRESS.match(line):
                    say(f"  {line.rstrip()}")
        return super().process_message(msg, cell, cell_index)


def update_timings(out_dir, name, entry):
    t = nbreport.read_timings(out_dir)
    t.setdefault("notebooks", {})[name] = entry
    t["profile"] = os.environ.get("HPE_PROFILE", "full")
    t["finished"] = entry["finished"]
    t["commit"] = entry["commit"]
    write_atomic(os.path.join(out_dir, "notebooks", nbreport.TIMINGS), json.dumps(t, indent=1) + "\n")


def render_report(nb, name, out_dir, info):
    body, figs, tables, title = nbreport.build_report(nb, name, out_dir, info)
    write_atomic(os.path.join(out_dir, "reports", f"{name}.html"), body)
    return figs, tables


def run_one(path, out_dir, timeout, want_html, commit):
    name = os.path.splitext(os.path.basename(path))[0]
    nb = nbformat.read(path, as_version=4)
    os.environ["HPE_NOTEBOOK"] = name
    client = ProgressClient(nb, name, kernel_name="tslab", timeout=timeout, startup_timeout=120,
                            resources={"metadata": {"path": ROOT}})
    current = {"index": None}
    start_hook = client.on_cell_start

    def on_start(cell, cell_index):
        current["index"] = cell_index
        start_hook(cell, cell_index)

    client.on_cell_start = on_start
    say(f"[nb] {name}: {len(client.hpe_code)} code cells, profile {os.environ.get('HPE_PROFILE', 'full')}")
    t0 = time.time()
    error = None
    # The kernel process's own stderr (not cell output: tslab sends that to the notebook) goes to a
    # log, so that its shutdown chatter stays off the console; a dead kernel prints its tail.
    kernel_log = os.path.join(out_dir, "logs", f"kernel-{name}.log")
    os.makedirs(os.path.dirname(kernel_log), exist_ok=True)
    with open(kernel_log, "w", encoding="utf-8") as klog:
        try:
            client.execute(stderr=klog)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
            error = e
    elapsed = time.time() - t0
    nb_out = os.path.join(out_dir, "notebooks", f"{name}.ipynb")
    nbreport.scrub_notebook(nb, nbreport.path_rewrites(out_dir))
    try:
        nbformat.sign.NotebookNotary().sign(nb)
    except Exception as e:  # signing is a convenience (trusted = interactive in classic Notebook)
        say(f"[nb] could not sign {nb_out}: {e}", err=True)
    write_atomic(nb_out, nbformat.writes(nb))
    status = "ok"
    if error is not None:
        idx = current["index"]
        status = f"failed in cell #{idx}" if idx is not None else f"failed ({type(error).__name__})"
    info = {"seconds": round(elapsed, 1), "status": status, "commit": commit, "cells": client.hpe_cells,
            "finished": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")}
    update_timings(out_dir, name, info)
    if want_html:
        render_report(nb, name, out_dir, info)
    if error is not None:
        idx = current["index"]
        cell = nb.cells[idx] if idx is not None else None
        say(f"\n[nb] FAILED {path} after {elapsed:.1f} s", err=True)
        if cell is not None:
            say(f"[nb] failing cell #{idx}:\n{cell.source}\n[nb] its error:\n{cell_error_text(cell)}", err=True)
        if not isinstance(error, CellExecutionError) or cell is None:
            say(f"[nb] {type(error).__name__}: {error}", err=True)
            with open(kernel_log, encoding="utf-8", errors="replace") as f:
                tail = f.read().splitlines()[-30:]
            if tail:
                say(f"[nb] the kernel's stderr ({os.path.relpath(kernel_log, ROOT)}), last lines:\n" + "\n".join(tail), err=True)
        return False, elapsed
    say(f"[nb] ok {path} in {elapsed:.1f} s → {os.path.relpath(nb_out, ROOT)}")
    return True, elapsed


def reports_only(out_dir):
    """Re-render every report (and the index) from the executed notebooks in out_dir."""
    timings = nbreport.read_timings(out_dir).get("notebooks", {})
    paths = sorted(glob.glob(os.path.join(out_dir, "notebooks", "*.ipynb")))
    for p in paths:
        name = os.path.splitext(os.path.basename(p))[0]
        render_report(nbformat.read(p, as_version=4), name, out_dir, timings.get(name, {}))
        say(f"[nb] report {os.path.relpath(os.path.join(out_dir, 'reports', name + '.html'), ROOT)}")
    nbreport.write_index(out_dir, write_atomic)
    return 0


def remove_stale_chromium_profiles(out_dir):
    """Remove out/.chromium/<name>-<pid>-<time> profiles whose process has ended (and the folder when empty)."""
    base = os.path.join(out_dir, ".chromium")
    if not os.path.isdir(base):
        return
    for d in os.listdir(base):
        m = re.search(r"-(\d+)-\d+$", d)
        if m and os.path.exists(f"/proc/{m.group(1)}"):
            continue
        shutil.rmtree(os.path.join(base, d), ignore_errors=True)
    try:
        os.rmdir(base)
    except OSError:
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("notebooks", nargs="*", help="notebooks to run (default: notebooks/[0-9]*.ipynb)")
    ap.add_argument("--out", default=os.environ.get("HPE_OUT_DIR", os.path.join(ROOT, "out")))
    ap.add_argument("--no-html", action="store_true", help="skip the HTML reports")
    ap.add_argument("--reports-only", action="store_true", help="only re-render reports and index from executed notebooks")
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("NB_TIMEOUT", "7200")), help="per-cell timeout, seconds")
    args = ap.parse_args()
    out_dir = os.path.abspath(args.out)
    os.environ["HPE_OUT_DIR"] = out_dir
    if args.reports_only:
        return reports_only(out_dir)
    paths = args.notebooks or sorted(glob.glob(os.path.join(ROOT, "notebooks", "[0-9]*.ipynb")))
    if not paths:
        say("[nb] no notebooks found", err=True)
        return 1
    commit = nbreport.git_commit()
    total = 0.0
    code = 0
    try:
        for p in paths:
            ok, t = run_one(p, out_dir, args.timeout, not args.no_html, commit)
            total += t
            if not ok:
                code = 1
                break
    finally:
        if not args.no_html:
            nbreport.write_index(out_dir, write_atomic)
        remove_stale_chromium_profiles(out_dir)
    if code == 0:
        say(f"[nb] {len(paths)} notebook(s) ok in {total:.1f} s; outputs in {os.path.relpath(out_dir, ROOT)}/")
    return code


if __name__ == "__main__":
    sys.exit(main())
