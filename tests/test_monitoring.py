"""TensorBoard event files, log lines for jobs without a terminal, the training GIF."""

from __future__ import annotations

import io
import os
import re
import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfgan_zoo import checkpointing, models, monitoring, training
from tfgan_zoo.config import TrainConfig


def tiny_config(out, **kw):
    base = dict(arch="mlp", epochs=2, steps_per_epoch=4, batch_size=8, latent_dim=8, n_samples=4, seed=1,
                checkpoint_every=2, keep_checkpoints=10, tensorboard_every=3, out=str(out))
    return TrainConfig(**{**base, **kw})


def events(log_dir):
    """Every (tag, step) of every event in the folder, images and text included."""
    out = []
    for path in sorted(os.listdir(log_dir)):
        for e in tf.compat.v1.train.summary_iterator(os.path.join(log_dir, path)):
            out += [(v.tag, int(e.step), v.metadata.plugin_data.plugin_name) for v in e.summary.value]
    return out


@pytest.fixture(scope="module")
def run_a(tmp_path_factory):
    """2 epochs x 4 steps with op determinism, scalars every 3 steps, an MNIST-classifier FID each epoch."""
    a = tmp_path_factory.mktemp("tb") / "A"
    cfg = tiny_config(a, deterministic=True, fid_every=1, fid_samples=50, fid_network="mnist-classifier")
    training.run(cfg, verbose=0)
    return cfg, a


def test_tensorboard_has_every_scalar_image_and_network_at_the_right_steps(run_a):
    cfg, a = run_a
    scalars = monitoring.read_scalars(a / "tensorboard")
    # every 3 steps, plus each epoch's tail: 3, 4 (end of epoch 1), 6, 8 (end of epoch 2)
    for tag in ("d_loss", "g_loss", "d_real", "d_fake", "lr/d", "lr/g"):
        assert [s for s, _ in scalars[tag]] == [3, 4, 6, 8], tag
    assert [s for s, _ in scalars["epoch/fid"]] == [4, 8]
    assert [s for s, _ in scalars["epoch/wall_s"]] == [4, 8]
    kinds = events(a / "tensorboard")
    assert [s for t, s, _ in kinds if t == "samples"] == [4, 8]
    assert sorted(t for t, s, k in kinds if k == "text") == ["networks/discriminator", "networks/generator"]
    # the values: the FID is the one in history.csv; lr the optimizer's; d_loss at step 4 is the mean of step 4
    # alone (the interval 4..4), at step 3 the mean of steps 1..3, so their 4-step mean is epoch 1's d_loss
    import csv

    rows = list(csv.DictReader(open(a / "history.csv")))
    assert [v for _, v in scalars["epoch/fid"]] == pytest.approx([float(r["fid"]) for r in rows], rel=1e-6)
    d3, d4 = (v for _, v in scalars["d_loss"][:2])
    assert (3 * d3 + d4) / 4 == pytest.approx(float(rows[0]["d_loss"]), rel=1e-5)
    assert d3 != pytest.approx(float(rows[0]["d_loss"]), rel=1e-5)  # control: an interval mean, not the epoch's
    assert scalars["lr/d"][0][1] == pytest.approx(2e-4)  # the DCGAN default of the MLP run (Adam 2e-4)


def test_resume_cuts_the_events_back_to_the_checkpoint_no_step_twice_none_missing(run_a, tmp_path):
    """A crash after step 4 (the later checkpoints lost) leaves events up to step 8; the resumed run must drop
    them and write its own, ending with the events of the uninterrupted run: same steps, same values."""
    cfg, a = run_a
    b = tmp_path / "B"
    shutil.copytree(a, b)
    for name in os.listdir(b / "checkpoints"):
        if name.startswith(("step_00000006", "epoch_0002")):
            os.remove(b / "checkpoints" / name)
    assert checkpointing.latest_good(str(b / "checkpoints")).position.global_step == 4
    before = monitoring.read_scalars(b / "tensorboard")
    assert [s for s, _ in before["d_loss"]] == [3, 4, 6, 8]  # control: without the cut, 6 and 8 would come twice
    training.run(TrainConfig(**{**cfg.__dict__, "out": str(b)}), verbose=0, resume=True)
    after = monitoring.read_scalars(b / "tensorboard")
    want = monitoring.read_scalars(a / "tensorboard")
    assert after.keys() == want.keys()
    for tag in want:
        assert [s for s, _ in after[tag]] == [s for s, _ in want[tag]], tag
        if tag != "epoch/wall_s":  # op determinism: the resumed steps give the same losses, bit for bit
            assert [v for _, v in after[tag]] == [v for _, v in want[tag]], tag
    assert [s for t, s, _ in events(b / "tensorboard") if t == "samples"] == [4, 8]
    assert len([t for t, _, k in events(b / "tensorboard") if k == "text"]) == 2  # networks written once


def test_purge_keeps_the_records_before_a_cut_off_tail(tmp_path):
    w = tf.summary.create_file_writer(str(tmp_path))
    with w.as_default():
        for step in range(1, 6):
            tf.summary.scalar("x", float(step), step=step)
    w.close()
    path = os.path.join(tmp_path, os.listdir(tmp_path)[0])
    with open(path, "r+b") as f:  # the process died while writing the last record
        f.truncate(os.path.getsize(path) - 7)
    assert monitoring.purge_events_after(tmp_path, 3) >= 2  # steps 4 and the cut 5
    assert monitoring.read_scalars(tmp_path)["x"] == [(1, 1.0), (2, 2.0), (3, 3.0)]
    assert monitoring.purge_events_after(tmp_path, 3) == 0  # nothing left to cut: the file is not rewritten
    assert monitoring.purge_events_after(tmp_path, -1) == 3 and os.listdir(tmp_path) == []  # a new run: all go


def test_progress_gif_holds_every_epoch_grid(run_a):
    _, a = run_a
    with Image.open(a / "samples" / "progress.gif") as im:
        assert im.n_frames == 2  # one frame per epoch
        first, d1 = np.asarray(im.convert("L")), im.info["duration"]
        im.seek(1)
        last, d2 = np.asarray(im.convert("L")), im.info["duration"]
    assert d2 == 4 * d1  # the last grid held longer
    for frame, epoch in ((first, 1), (last, 2)):  # the grids themselves (grey PNGs: the GIF palette is exact)
        np.testing.assert_array_equal(frame, np.asarray(Image.open(a / "samples" / f"epoch_000{epoch}.png")))
    assert not np.array_equal(first, last)  # control: the two epochs' grids differ


def test_progress_log_lines_every_n_steps_with_rate_losses_and_eta(tiny_nets, tiny_data):
    keras.utils.set_random_seed(0)
    g, d = tiny_nets()
    gan = models.build_gan("lsgan", g, d, seed=0)
    gan.compile()
    out = io.StringIO()
    log = monitoring.ProgressLog(every_n_steps=2, batch_size=16, stream=out)
    gan.fit(tiny_data().repeat(), epochs=2, steps_per_epoch=3, callbacks=[log], verbose=0)
    lines = out.getvalue().splitlines()
    steps = [int(m.group(1)) for m in (re.match(r"step (\d+)/6 ", x) for x in lines) if m]
    assert steps == [2, 4, 6]
    assert re.match(r"step 2/6 \(33\.3%\) \| epoch 1/2 2/3 \| [\d.]+ img/s \| d_loss -?[\d.]+ g_loss -?[\d.]+ .*\| "
                    r"elapsed 0:\d\d:\d\d \| ETA 0:\d\d:\d\d$", lines[0]), lines[0]
    assert [x.split(" done")[0] for x in lines if " done at step " in x] == ["epoch 1/2", "epoch 2/2"]
    # a time limit instead: with max_interval_s=0 every step gets a line
    out2 = io.StringIO()
    gan.fit(tiny_data(), epochs=1, steps_per_epoch=3, verbose=0,
            callbacks=[monitoring.ProgressLog(every_n_steps=100, max_interval_s=0.0, stream=out2)])
    assert len([x for x in out2.getvalue().splitlines() if x.startswith("step ")]) == 3
    with pytest.raises(ValueError, match="every_n_steps must be >= 1"):
        monitoring.ProgressLog(every_n_steps=0)


def test_a_deterministic_run_switches_op_determinism_off_again(tmp_path):
    """Op determinism is process-wide, and Keras compiles without XLA while it is on; a ``deterministic`` run
    turns it on for its training only. Control: during the fit it is on (seen by a callback)."""
    from tensorflow.python.framework import config as tf_config

    if tf_config.is_op_determinism_enabled():  # an earlier in-process run of an older version left it on
        tf_config.disable_op_determinism()
    seen = []

    class Probe(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(tf_config.is_op_determinism_enabled())

    real = training.GANTrainer.callbacks

    def with_probe(self, model, out):
        before, after, grid = real(self, model, out)
        return before, [*after, Probe()], grid

    training.GANTrainer.callbacks = with_probe
    try:
        training.run(tiny_config(tmp_path / "d", deterministic=True, epochs=1, steps_per_epoch=2), verbose=0)
    finally:
        training.GANTrainer.callbacks = real
    assert seen == [True, True]
    assert not tf_config.is_op_determinism_enabled()
