"""Where tfgan_zoo keeps derived files, and that the test suite keeps its own."""

import os

from tfgan_zoo.cache import cache_dir


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
    for name in os.listdir(_private_cache):  # only the shared inputs are links, and they point at real files
        assert name in ("mnist_uint8.npz", "weights") and os.path.exists(_private_cache / name)
