"""``train.py --model pix2pix|cyclegan``: the outputs of a run, resume, the exported signatures, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "scripts", "train.py")
TINY = ["--steps-per-epoch", "2", "--batch-size", "8", "--width", "8"]


def run(*args, timeout=600):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=timeout, env=env)


@pytest.mark.parametrize("args,needle", [
    (["--model", "pix2pix", "--loss", "mmd"], "has a feature-map critic"),
    (["--model", "cyclegan", "--constraint", "gn"], "is not available for --model cyclegan"),
    (["--model", "pix2pix", "--pairs", "cifar-edges"], "is neither a built-in source (mnist-edges, mnist-thick"),
    (["--model", "pix2pix", "--lr-d", "1e-4", "--lr-g", "2e-4"], "use one learning rate for both sides"),
])
def test_bad_translation_settings_exit_2_with_one_line(args, needle, tmp_path):
    r = run(*args, "--out", str(tmp_path / "x"))
    assert r.returncode == 2, r.stderr[-2000:]
    assert needle in r.stderr.strip().splitlines()[-1] and "Traceback" not in r.stderr


@pytest.mark.slow
def test_pix2pix_run_resume_and_export(tmp_path):
    import tensorflow as tf

    out = str(tmp_path / "p2p")
    r = run("--model", "pix2pix", "--pairs", "mnist-edges", "--epochs", "1", *TINY, "--out", out)
    assert r.returncode == 0, r.stderr[-3000:]
    for f in ("config.json", "history.csv", "curves.png", "samples/epoch_0001.png", "checkpoints/epoch_0001.keras",
              "metrics.json", "summary.json", "generator/saved_model.pb"):
        assert os.path.exists(os.path.join(out, f)), f
    r = run("--model", "pix2pix", "--pairs", "mnist-edges", "--epochs", "2", *TINY, "--out", out, "--resume")
    assert r.returncode == 0, r.stderr[-3000:]
    summary = json.loads(r.stdout)
    assert summary["generator_steps"] == 4 and summary["resumed_from"].endswith("epoch_0001.keras")
    assert set(summary["metrics"]) == {"l1", "ssim", "label_preservation"}
    with open(os.path.join(out, "history.csv"), encoding="utf-8") as f:
        assert len(f.read().strip().splitlines()) == 3  # header + 2 epochs
    serving = tf.saved_model.load(os.path.join(out, "generator"))
    y = serving.serve(tf.zeros((3, 28, 28, 1))).numpy()
    assert y.shape == (3, 28, 28, 1) and np.all(np.abs(y) <= 1.0)
    from PIL import Image

    grid = Image.open(os.path.join(out, "samples", "epoch_0002.png"))
    assert grid.size[1] > grid.size[0] / 8 * 2.5  # 3 rows of 8: input, output, target

    # checkpoints are a GAN run's: size and SHA-256 recorded; a truncated newest one is skipped with a warning
    ckpts = os.path.join(out, "checkpoints")
    with open(os.path.join(ckpts, "epoch_0002.json"), encoding="utf-8") as f:
        state = json.load(f)
    assert state["size"] == os.path.getsize(os.path.join(ckpts, "epoch_0002.keras")) and len(state["sha256"]) == 64
    with open(os.path.join(ckpts, "epoch_0002.keras"), "r+b") as f:
        f.truncate(state["size"] // 2)
    r = run("--model", "pix2pix", "--pairs", "mnist-edges", "--epochs", "3", *TINY, "--out", out, "--resume",
            "--keep-checkpoints", "1")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "epoch_0002.keras (truncated:" in r.stderr  # the warning names the bad file and why
    summary = json.loads(r.stdout)
    assert summary["resumed_from"].endswith("epoch_0001.keras") and summary["generator_steps"] == 6
    assert sorted(os.listdir(ckpts)) == ["epoch_0003.json", "epoch_0003.keras", "latest.txt"]  # keep 1: pruned
    # the one left truncated: nothing usable, a one-line error and not a TensorFlow trace
    with open(os.path.join(ckpts, "epoch_0003.keras"), "r+b") as f:
        f.truncate(100)
    r = run("--model", "pix2pix", "--pairs", "mnist-edges", "--epochs", "4", *TINY, "--out", out, "--resume")
    assert r.returncode == 2 and "No usable checkpoint in" in r.stderr.strip().splitlines()[-1], r.stderr[-2000:]
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_cyclegan_run_exports_both_directions(tmp_path):
    import tensorflow as tf

    out = str(tmp_path / "cg")
    r = run("--model", "cyclegan", "--pairs", "mnist-thick", "--n-blocks", "1", "--pool-size", "4", *TINY,
            "--out", out)
    assert r.returncode == 0, r.stderr[-3000:]
    with open(os.path.join(out, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    assert config["loss"] == "lsgan" and config["pool_size"] == 4
    serving = tf.saved_model.load(os.path.join(out, "generator"))
    x = tf.zeros((2, 28, 28, 1))
    assert serving.a_to_b(x).shape == serving.b_to_a(x).shape == (2, 28, 28, 1)
    np.testing.assert_allclose(serving.serve(x), serving.a_to_b(x))
