"""The course notebooks: every one runs in quick mode, and the committed ones carry their figures.

Quick mode (``TFGAN_ZOO_QUICK=1``) runs the same cells with a few steps; each notebook runs in a
fresh ``python3`` kernel of this environment through ``scripts/run_notebooks.py --quick --check``,
in a temporary working folder, with its files under a temporary ``--out``. A failing cell fails
the test with the notebook's name and the error.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "[0-9][0-9]_*.ipynb")))
NAMES = [os.path.basename(p) for p in NOTEBOOKS]
#: quick mode takes 15-60 s per notebook on a 2-core CPU (kernel start and TensorFlow import included)
TIMEOUT_S = 300

nbformat = pytest.importorskip("nbformat", reason="the notebooks extra (nbformat, nbclient, ipykernel) is needed")


def test_the_eleven_notebooks_exist():
    assert [n[:2] for n in NAMES] == [f"{i:02d}" for i in range(1, 12)], NAMES


@pytest.mark.slow  # 20-60 s each: python3 tasks.py test --all (CI) runs them
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_in_quick_mode(name, tmp_path):
    before = set(os.listdir(ROOT)) | set(os.listdir(os.path.join(ROOT, "notebooks")))
    mtime = os.path.getmtime(os.path.join(ROOT, "notebooks", name))
    out = tmp_path / "out"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "run_notebooks.py"), name[:2], "--quick",
                        "--check", "--out", str(out)], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=TIMEOUT_S)
    assert r.returncode == 0, f"{name} failed in quick mode:\n{r.stderr[-3000:]}"
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert list(result["seconds"]) == [name] and result["mode"] == "quick"
    # it wrote its files under --out, and nothing into the repository
    written = [f for _, _, files in os.walk(out) for f in files]
    assert any(f.endswith(".png") for f in written), written
    assert set(os.listdir(ROOT)) | set(os.listdir(os.path.join(ROOT, "notebooks"))) == before
    assert os.path.getmtime(os.path.join(ROOT, "notebooks", name)) == mtime  # --check: not rewritten


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_is_executed_clean_and_small(name):
    path = os.path.join(ROOT, "notebooks", name)
    nb = nbformat.read(path, as_version=4)
    assert os.path.getsize(path) < 1_500_000, "keep committed notebooks small (figures at dpi 90, few images)"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "commit the notebook executed (run_notebooks.py)"
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"], "a committed cell raised"
    setup = "".join(o.get("text", "") for o in code[0].outputs if o.output_type == "stream")
    assert "full mode" in setup, "commit the full-mode run, not the quick one"
    figures = [c for c in code if "figure" in c.metadata.get("tags", [])]
    assert figures, "tag the cells that draw with 'figure'"
    for c in figures:
        assert any("image/png" in o.get("data", {}) for o in c.outputs), f"figure cell without an image:\n{c.source}"
    for o in outputs:
        if o.output_type == "stream" and o.name == "stderr":
            assert "InitializeLog" not in o.text and "cudart_stub" not in o.text, "run_notebooks.py cleans these"
    assert all("execution" not in c.metadata for c in nb.cells), "volatile timings are stripped"
    # the notebooks read the public API only (no private modules or names)
    src = "\n".join(c.source for c in code)
    assert "tfgan_zoo._" not in src and "import _" not in src
    # and end with what the reader should have seen, followed at most by the exercises (answers hidden)
    summary = nb.cells[-1]
    if summary.cell_type == "markdown" and summary.source.startswith("## Exercises"):
        assert "<details>" in summary.source, "the exercises hide their answers in <details> blocks"
        summary = nb.cells[-2]
    assert summary.cell_type == "markdown" and summary.source.startswith("## What you should have seen")


def test_clean_drops_tensorflow_startup_noise_but_keeps_real_warnings():
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    try:
        import run_notebooks
    finally:
        sys.path.pop(0)
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.metadata["execution"] = {"iopub.status.busy": "2026-11-29T17:00:00Z"}
    noise = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
             "I0000 00:00:1795971020.544968   27105 cudart_stub.cc:31] Could not find cuda drivers.\n"
             "INFO:tensorflow:Assets written to: /tmp/run/.generator.x1/assets\n")
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text=noise),
                    nbformat.v4.new_output("stream", name="stderr", text=noise + "UserWarning: real\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="I0000 stays on stdout\n")]
    nb.cells.append(cell)
    run_notebooks.clean(nb)
    assert [o.text for o in cell.outputs] == ["UserWarning: real\n", "I0000 stays on stdout\n"]
    assert "execution" not in cell.metadata
    with pytest.raises(SystemExit, match="no notebook starts with"):
        run_notebooks.find(["99"])
