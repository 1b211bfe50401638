"""Where tfgan_zoo keeps derived files, and that the test suite keeps its own."""

import os

from conftest import SHARED_CACHE_ENTRIES
from tfgan_zoo.cache import cache_dir
from tfgan_zoo.metrics import evaluate


def test_cache_dir_default_and_override(monkeypatch, tmp_path):
    monkeypatch.delenv("TFGAN_ZOO_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir("stats", "a.npz") == str(tmp_path / "home" / ".cache" / "tfgan_zoo" / "stats" / "a.npz")
    monkeypatch.setenv("TFGAN_ZOO_CACHE", str(tmp_path / "elsewhere"))
    assert cache_dir("stats") == str(tmp_path / "elsewhere" / "stats")
    monkeypatch.setenv("TFGAN_ZOO_CACHE", "")  # empty counts as unset, not as the working directory
    assert cache_dir() == str(tmp_path / "home" / ".cache" / "tfgan_zoo")


def test_suite_writes_to_a_private_cache(_private_cache):
    """conftest's session cache: derived files land in a temporary folder, not in ~/.cache/tfgan_zoo."""
    user_default = os.path.join(os.path.expanduser("~"), ".cache", "tfgan_zoo")
    assert cache_dir() == str(_private_cache) != user_default
    assert os.environ["TFGAN_ZOO_CACHE"] == str(_private_cache)  # what subprocesses inherit
    links = [name for name in os.listdir(_private_cache) if os.path.islink(_private_cache / name)]
    assert set(links) <= set(SHARED_CACHE_ENTRIES)  # what earlier tests derived (stats/...) is not linked
    assert all(os.path.exists(_private_cache / name) for name in links)  # and the links resolve
    stats = evaluate.stats_path("mnist", "train", "mnist-classifier", 50)
    assert stats.startswith(str(_private_cache) + os.sep)  # where a test's statistics go
