#!/usr/bin/env python3
"""Execute the course notebooks (notebooks/*.ipynb) and write them back with their outputs.

    python scripts/run_notebooks.py                 # full mode, every notebook, in place
    python scripts/run_notebooks.py 03 05           # the notebooks whose names start with 03 and 05
    python scripts/run_notebooks.py --quick --check # quick mode, do not write (what the tests do)

Each notebook runs in a fresh ``python3`` kernel of this environment. Quick mode sets
``TFGAN_ZOO_QUICK=1`` (the same cells with a few steps). The notebooks write their files under
``--out`` (``TFGAN_ZOO_NOTEBOOK_OUT``; default a temporary folder), never into the repository.

What is written back is kept clean (the job of ``nbstripout --keep-output``): execution timings and
other volatile metadata are dropped, and so are TensorFlow's C++ start-up lines on stderr, which
the kernel prints before Python can silence them. A cell that raises stops the run with the
notebook's name, the cell and the error; nothing is written for that notebook.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOKS = os.path.join(ROOT, "notebooks")
# TensorFlow/absl start-up chatter on stderr (CUDA probing on a CPU machine, CPU feature notes)
NOISE = re.compile(r"^(WARNING: All log messages before absl::InitializeLog\(\)|[IWE]\d{4} [\d:.]+ +\d+ \S+:\d+\] |"
                   r"To enable the following instructions: |This TensorFlow binary is optimized|"
                   r"INFO:tensorflow:Assets written to: )")  # the last: SavedModel export's info line


def find(names: list[str]) -> list[str]:
    """Notebook paths, all of them or those whose file names start with one of ``names``."""
    paths = sorted(glob.glob(os.path.join(NOTEBOOKS, "[0-9][0-9]_*.ipynb")))
    if not names:
        return paths
    chosen = [p for p in paths if any(os.path.basename(p).startswith(n) for n in names)]
    missing = [n for n in names if not any(os.path.basename(p).startswith(n) for p in paths)]
    if missing:
        raise SystemExit(f"run_notebooks.py: no notebook starts with {missing}; there are "
                         f"{[os.path.basename(p) for p in paths]}.")
    return chosen


def clean(nb) -> None:
    """Drop volatile metadata and TensorFlow's start-up stderr lines (in place)."""
    for key in ("widgets", "papermill"):
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.outputs:
            if out.output_type == "stream" and out.name == "stderr":
                lines = [ln for ln in out.text.splitlines(keepends=True) if not NOISE.match(ln)]
                if not "".join(lines).strip():
                    continue
                out.text = "".join(lines)
            outputs.append(out)
        cell.outputs = outputs


def errors(nb) -> list[str]:
    """``"cell N: Error: message"`` for every cell whose outputs hold an error."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                found.append(f"cell {i}: {out.ename}: {out.evalue}")
    return found


def execute(path: str, quick: bool, out_dir: str, timeout: int, log=print):
    """Run one notebook in a fresh kernel; returns the executed notebook (raises on a failing cell)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    os.environ.update(TFGAN_ZOO_QUICK="1" if quick else "0", TFGAN_ZOO_NOTEBOOK_OUT=out_dir,
                      TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "3"))
    name = os.path.basename(path)
    n = sum(c.cell_type == "code" for c in nb.cells)
    t0 = time.perf_counter()
    done = [0]

    def on_cell_executed(cell, cell_index, execute_reply):
        if cell.cell_type == "code":
            done[0] += 1
            log(f"  {name}: cell {done[0]}/{n} done ({time.perf_counter() - t0:.0f} s)")

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", on_cell_executed=on_cell_executed,
                            resources={"metadata": {"path": out_dir}})
    try:
        client.execute()
    except CellExecutionError as e:
        first = str(e).strip().splitlines()
        raise RuntimeError(f"{name} failed: {first[-1] if first else e}") from None
    return nb


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("names", nargs="*", help="notebook name prefixes (default: all)")
    p.add_argument("--quick", action="store_true", help="TFGAN_ZOO_QUICK=1: a few steps per notebook")
    p.add_argument("--check", action="store_true", help="execute only; do not write the notebooks back")
    p.add_argument("--out", default=None, help="where notebooks write their files (default: a temporary folder)")
    p.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    a = p.parse_args(argv)
    import nbformat

    sys.path.insert(0, ROOT)
    from tfgan_zoo.io import write_text

    out_dir = a.out or tempfile.mkdtemp(prefix="tfgan_zoo_notebooks_")
    os.makedirs(out_dir, exist_ok=True)
    times = {}
    for path in find(a.names):
        name = os.path.basename(path)
        print(f"{name}: running ({'quick' if a.quick else 'full'} mode)", flush=True)
        t0 = time.perf_counter()
        nb = execute(path, a.quick, out_dir, a.timeout, log=lambda s: print(s, flush=True))
        times[name] = round(time.perf_counter() - t0, 1)
        print(f"{name}: done in {times[name]} s", flush=True)
        if not a.check:
            clean(nb)
            write_text(path, nbformat.writes(nb) + "\n")
    print(json.dumps({"mode": "quick" if a.quick else "full", "seconds": times, "out": out_dir}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
