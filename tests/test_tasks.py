"""tasks.py set-up: each task installs what it needs and no more (train: runtime only; test/docs/notebooks add
their tools), and nothing is installed again while setup.cfg is unchanged and the extras are there."""

from __future__ import annotations

import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def tasks(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("tasks_under_test", os.path.join(ROOT, "tasks.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    venv_dir = tmp_path / "venv"
    (venv_dir / "bin").mkdir(parents=True)
    (venv_dir / "bin" / "python").write_text("")  # an existing environment: no venv is created
    monkeypatch.setattr(module, "VENV", str(venv_dir))
    monkeypatch.setattr(module, "PY", str(venv_dir / "bin" / "python"))
    calls = []
    monkeypatch.setattr(module, "sh", lambda *cmd: calls.append(cmd))
    module.calls = calls
    return module


def _installs(calls):
    return [c[-1] for c in calls if c[3:5] == ("install", "-e")]


def test_train_installs_the_runtime_only_then_test_adds_its_tools(tasks):
    tasks.setup(tasks.EXTRAS["train"])
    assert _installs(tasks.calls) == ["."]  # no extras: pytest, Sphinx, Jupyter are not installed
    tasks.calls.clear()
    tasks.setup(tasks.EXTRAS["train"])
    assert tasks.calls == []  # unchanged: nothing to do
    tasks.setup(tasks.EXTRAS["test"])
    assert _installs(tasks.calls) == [".[dev]"]
    tasks.calls.clear()
    tasks.setup(tasks.EXTRAS["train"])  # runtime is part of what is installed
    tasks.setup(tasks.EXTRAS["test"])
    assert tasks.calls == []
    tasks.setup(tasks.EXTRAS["docs"])  # adds docs, keeps dev
    assert _installs(tasks.calls) == [".[dev,docs]"]


def test_a_changed_setup_cfg_installs_again(tasks, monkeypatch):
    """Control: the stamp carries setup.cfg's digest, so a stamp of another digest does not skip."""
    tasks.setup(tasks.EXTRAS["test"])
    stamp = os.path.join(tasks.VENV, ".tfgan_zoo-installed")
    digest, *extras = open(stamp).read().split()
    assert extras == ["dev"] and len(digest) == 64
    with open(stamp, "w") as f:
        f.write("0" * 64 + " dev")
    tasks.calls.clear()
    tasks.setup(tasks.EXTRAS["test"])
    assert _installs(tasks.calls) == [".[dev]"]
