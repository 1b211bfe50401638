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


@pytest.mark.slow
def test_pix2pix_has_a_gan_runs_guarantees_sigterm_step_checkpoint_and_bitwise_resume(tmp_path):
    """A translation run goes through the one lifecycle: SIGTERM mid-epoch writes a step checkpoint and exits 143,
    and the resumed run ends bitwise equal to an uninterrupted one (weights, optimizer states, image-pool and
    dropout seed states, history). Control: the interrupted run's own step-4 checkpoint differs from the
    reference's end, so the comparison can fail."""
    from PIL import Image

    from tfgan_zoo import checkpointing

    rng = np.random.default_rng(0)
    for side in "AB":
        os.makedirs(tmp_path / "pairs" / side)
    for i in range(16):
        a = rng.integers(0, 256, (16, 16), dtype=np.uint8)
        Image.fromarray(a).save(tmp_path / "pairs" / "A" / f"{i:03d}.png")
        Image.fromarray(255 - a).save(tmp_path / "pairs" / "B" / f"{i:03d}.png")
    args = ["--model", "pix2pix", "--pairs", str(tmp_path / "pairs"), "--width", "4", "--batch-size", "8",
            "--epochs", "2", "--steps-per-epoch", "3", "--checkpoint-every", "2", "--deterministic", "--seed", "1"]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")

    def train(*extra, faults=None):
        return subprocess.run([sys.executable, "-m", "tfgan_zoo.testing", *args, *extra], capture_output=True,
                              text=True, timeout=600, env=dict(env, **(faults or {})))

    ref, out = str(tmp_path / "ref"), str(tmp_path / "run")
    assert train("--out", ref).returncode == 0
    # the pause at step 4 ends at once because SIGTERM is sent to itself while that step's checkpoint is written
    r = train("--out", out, faults={"FAULT_PAUSE_AT_STEP": "4", "FAULT_PAUSE_MARKER": str(tmp_path / "m"),
                                    "FAULT_SIGTERM_DURING_SAVE_AT_STEP": "4"})
    assert r.returncode == 143 and "Stopped by SIGTERM after step 4" in r.stderr, r.stderr[-2000:]
    assert sorted(f for f in os.listdir(os.path.join(out, "checkpoints")) if f.endswith(".keras")) == [
        "epoch_0001.keras", "step_00000002.keras", "step_00000004.keras"]
    assert os.listdir(os.path.join(ref, "tensorboard"))  # event files, as a GAN run writes
    final = checkpointing.read_arrays(os.path.join(ref, "checkpoints", "epoch_0002.keras"))
    early = checkpointing.read_arrays(os.path.join(out, "checkpoints", "step_00000004.keras"))
    assert not all(np.array_equal(final[k], early[k]) for k in final)  # control
    assert "vars/layer_seed_states" in final  # the U-Net's dropout seed states are saved
    r = subprocess.run([sys.executable, "-m", "tfgan_zoo.testing", "--resume", "--out", out], capture_output=True,
                       text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    resumed = checkpointing.read_arrays(os.path.join(out, "checkpoints", "epoch_0002.keras"))
    assert resumed.keys() == final.keys() and all(np.array_equal(resumed[k], final[k]) for k in final)
    with open(os.path.join(ref, "history.csv")) as f, open(os.path.join(out, "history.csv")) as g:
        assert f.read() == g.read()


@pytest.mark.slow
def test_a_pix2pix_run_folder_of_the_former_trainer_resumes(tmp_path):
    """A run folder written before translation runs went through the one lifecycle (epoch checkpoint without a
    config in its state; tests/fixtures/make_pix2pix_run_688f630.py) resumes: its config.json is read back, its
    checkpoint loads into the rebuilt model, and the run continues at step 3 to epoch 2."""
    import shutil

    sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
    from make_pix2pix_run_688f630 import pairs_folder

    out = str(tmp_path / "run")
    shutil.copytree(os.path.join(ROOT, "tests", "fixtures", "pix2pix_run_688f630"), out)
    with open(os.path.join(out, "config.json"), encoding="utf-8") as f:
        saved = json.load(f)
    saved.update(pairs=pairs_folder(str(tmp_path / "pairs")), out=out)
    with open(os.path.join(out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(saved, f)
    r = run("--model", "pix2pix", "--resume", "--epochs", "2", "--out", out)
    assert r.returncode == 0, r.stderr[-3000:]
    summary = json.loads(r.stdout)
    assert summary["resumed_from"].endswith("epoch_0001.keras") and summary["generator_steps"] == 4
    with open(os.path.join(out, "history.csv"), encoding="utf-8") as f:
        assert len(f.read().strip().splitlines()) == 3  # header, the former epoch 1, and epoch 2
