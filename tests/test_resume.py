"""Resume after a crash, atomic checkpoints, the divergence guard and refusal of mismatched checkpoints."""

import csv
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo import checkpointing, models, training
from tfgan_zoo.checkpointing import CheckpointError, CheckpointMismatchError, CorruptCheckpointError
from tfgan_zoo.config import TrainConfig
from tfgan_zoo.guard import TrainingDiverged

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "scripts", "train.py")
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)
TINY = ["--arch", "mlp", "--batch-size", "8", "--latent-dim", "8", "--n-samples", "4", "--seed", "1"]


def launch(args, hooks=None, **popen):
    """train.py ARGS in a new process, with the fault hooks of :mod:`tfgan_zoo.testing` (``FAULT_*`` variables)."""
    return subprocess.Popen([sys.executable, "-m", "tfgan_zoo.testing", *args], env=dict(ENV, **(hooks or {})),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def finish(proc, timeout=300):
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def tiny_config(out, **kw):
    base = dict(arch="mlp", epochs=1, steps_per_epoch=6, batch_size=8, latent_dim=8, n_samples=4, seed=1,
                checkpoint_every=2, out=str(out))
    return TrainConfig(**{**base, **kw})


# ------------------------------------------------------------------------------------ kill and resume
def _wait_for(marker, proc, deadline_s=300):
    deadline = time.time() + deadline_s
    while not os.path.exists(marker):
        assert proc.poll() is None, finish(proc)[2][-3000:]
        assert time.time() < deadline
        time.sleep(0.05)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The run the fault tests are compared with: train.py arguments and the folder of an uninterrupted run.
    2 epochs x 10 steps on 72 images (9 batches per pass, so passes and epochs do not line up), checkpoints
    every 3 steps, op determinism."""
    tmp = tmp_path_factory.mktemp("uninterrupted")
    images = tmp / "images.npz"
    np.savez(images, x=np.random.default_rng(0).integers(0, 256, (72, 8, 8, 1), dtype=np.uint8))
    args = [*TINY, "--dataset", str(images), "--epochs", "2", "--steps-per-epoch", "10", "--checkpoint-every", "3",
            "--deterministic"]
    code, _, err = finish(launch([*args, "--out", str(tmp / "A")]))
    assert code == 0, err[-3000:]
    return args, str(tmp / "A")


@pytest.mark.slow
def test_sigkill_sigterm_and_a_second_writer_then_resume_ends_like_an_uninterrupted_run(tmp_path, uninterrupted):
    """2 epochs x 10 steps, checkpoints every 3 steps, op determinism; A runs uninterrupted.

    - B is SIGKILLed at step 14 (epoch 2, two steps after its step-12 checkpoint) and resumed; its lock file,
      left behind with B's pid, is taken over with a note.
    - C is a copy of the killed B whose newest checkpoint is then truncated, so it must fall back to the
      previous one (end of epoch 1, step 10).
    - D gets SIGTERM during step 5 (no checkpoint is due there): it finishes the step, writes a checkpoint at
      step 5, says so in one line and exits with 143. A second SIGTERM arrives while that checkpoint is being
      written (between its .keras file and its state): noted, the write completes. While D runs, E (a second
      train.py on D's folder) is refused at once with exit status 2, naming D's process id.
    All three resumed runs must end bitwise equal to A: weights, EMA, optimizer states, seed state, history,
    per-step losses, sample grid."""
    args, reference = uninterrupted
    outs = {k: str(tmp_path / k) for k in "BCD"}
    outs["A"] = reference
    b = launch([*args, "--out", outs["B"]], {"FAULT_PAUSE_AT_STEP": "14",
                                             "FAULT_PAUSE_MARKER": str(tmp_path / "b_paused")})
    d = launch([*args, "--out", outs["D"]], {"FAULT_PAUSE_AT_STEP": "5", "FAULT_SIGTERM_DURING_SAVE_AT_STEP": "5",
                                             "FAULT_PAUSE_MARKER": str(tmp_path / "d_paused")})
    _wait_for(str(tmp_path / "d_paused"), d)
    t0 = time.time()  # a second writer, while D holds the folder
    e = subprocess.run([sys.executable, SCRIPT, *args, "--out", outs["D"]], capture_output=True, text=True, env=ENV,
                       timeout=300)
    assert time.time() - t0 < 30  # at once: before TensorFlow is imported (a run takes that long to start)
    assert e.returncode == 2 and e.stderr.count("\n") == 1 and "Traceback" not in e.stderr, e.stderr
    assert e.stderr.startswith(f"train.py: error: {os.path.realpath(outs['D'])} is in use by process {d.pid} ")
    d.send_signal(signal.SIGTERM)
    d_code, _, d_err = finish(d)
    assert d_code == 143, d_err[-3000:]
    step5 = os.path.join(outs["D"], "checkpoints", "step_00000005.keras")
    lines = d_err.strip().splitlines()
    assert lines[-1] == (f"train.py: Stopped by SIGTERM after step 5; checkpoint: {step5} (epoch 1, step 5; global "
                         f"step 5). Continue with --resume --out {outs['D']}."), d_err[-3000:]
    assert "SIGTERM received: stopping after the current step, with a checkpoint." in lines
    assert "SIGTERM received again: already stopping (writing the checkpoint); send SIGKILL to stop at once " \
           "without it." in lines
    assert checkpointing.latest_good(os.path.join(outs["D"], "checkpoints")).path == step5
    assert not os.path.exists(os.path.join(outs["D"], ".lock"))  # released on the way out

    _wait_for(str(tmp_path / "b_paused"), b)
    b.send_signal(signal.SIGKILL)
    b.wait()
    ckpts = tmp_path / "B" / "checkpoints"
    assert (ckpts / "latest.txt").read_text().strip() == "step_00000012.keras"
    assert "epoch_0001.keras" in os.listdir(ckpts) and "epoch_0002.keras" not in os.listdir(ckpts)
    with open(tmp_path / "B" / "history.csv") as f:
        assert [r["epoch"] for r in csv.DictReader(f)] == ["1"]  # the pre-crash history
    shutil.copytree(outs["B"], outs["C"])
    newest = tmp_path / "C" / "checkpoints" / "step_00000012.keras"
    newest.write_bytes(newest.read_bytes()[:1000])  # as if the disk had lost its end

    resumed = {k: launch(["--resume", "--out", outs[k]]) for k in "BCD"}
    stderr = {}
    for k, proc in resumed.items():
        code, _, stderr[k] = finish(proc)
        assert code == 0, stderr[k][-3000:]
    for k in "BC":  # B's lock file outlived B (SIGKILL), with B's pid in it: stale, taken over
        assert (f"train.py: note: {outs[k]} was locked by process {b.pid} (started ") in stderr[k]
        assert "which is no longer running (killed?); taking the folder over." in stderr[k]
    summaries = {k: json.loads(open(os.path.join(outs[k], "summary.json")).read()) for k in "BCD"}
    assert summaries["B"]["resumed_from"] == str(ckpts / "step_00000012.keras")
    assert summaries["D"]["resumed_from"] == step5
    previous = os.path.join(outs["C"], "checkpoints", "epoch_0001.keras")
    assert summaries["C"]["resumed_from"] == previous
    warning = next(line for line in stderr["C"].splitlines() if line.startswith("train.py: warning:"))
    assert f"Skipping {newest} (truncated: 1000 of " in warning and previous in warning
    final = {k: checkpointing.read_arrays(os.path.join(outs[k], "checkpoints", "epoch_0002.keras")) for k in "ABCD"}
    assert len(final["A"]) > 40 and "vars/noise_seed_state" in final["A"] and "g_optimizer/vars/0" in final["A"]
    for k in "BCD":
        assert final[k].keys() == final["A"].keys()
        different = [name for name in final["A"] if not np.array_equal(final["A"][name], final[k][name])]
        assert different == [], f"run {k} differs from the uninterrupted run in {different}"
    states = {k: json.loads(open(os.path.join(outs[k], "checkpoints", "epoch_0002.json")).read()) for k in "ABCD"}

    def read(k, *path):
        with open(os.path.join(outs[k], *path), "rb") as f:
            return f.read()

    for k in "BCD":  # per-step losses, epoch means and the history rows continue exactly
        assert states[k]["callbacks"]["LossCurves"] == states["A"]["callbacks"]["LossCurves"]
        assert states[k]["callbacks"]["HistoryCSV"] == states["A"]["callbacks"]["HistoryCSV"]
        assert read(k, "history.csv") == read("A", "history.csv")
        assert read(k, "samples", "epoch_0002.png") == read("A", "samples", "epoch_0002.png")  # same weights, noise
    assert len(states["A"]["callbacks"]["LossCurves"]["steps"]) == 20


@pytest.fixture
def small_disk(tmp_path):
    """A 28 MiB tmpfs (real ENOSPC) where this process may mount one (root on Linux), else None."""
    mnt = tmp_path / "small_disk"
    mnt.mkdir()
    if sys.platform != "linux" or os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=28m", "tmpfs", str(mnt)], capture_output=True).returncode != 0:
        yield None
        return
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.mark.slow
def test_a_full_disk_stops_with_status_4_and_keeps_every_checkpoint(tmp_path, small_disk, uninterrupted):
    """The MLP's checkpoints take 10.75 MB each: on a 28 MiB disk those of steps 3 and 6 fit, the one of step 9
    does not. (Without permission to mount a tmpfs, the write of step 9 fails half-way with ENOSPC through
    the FAULT_ENOSPC_AT_STEP hook instead.) The run must stop with exit status 4 and one line naming the last
    good checkpoint, which must be intact with its predecessor (nothing pruned, no temporary files); after
    space is freed, --resume ends bitwise where an uninterrupted run ends."""
    args, reference = uninterrupted
    disk = small_disk or tmp_path
    full = str(disk / "full")
    code, _, err = finish(launch([*args, "--out", full], None if small_disk else {"FAULT_ENOSPC_AT_STEP": "9"}))
    assert code == 4, err[-3000:]
    ckpts = os.path.join(full, "checkpoints")
    step6 = os.path.join(ckpts, "step_00000006.keras")
    last = err.strip().splitlines()[-1]
    assert last == (f"train.py: error: The disk is full (no space left writing {ckpts}/step_00000009.keras). The "
                    f"last good checkpoint is {step6} (epoch 1, step 6; global step 6); free some space and "
                    f"continue from it with --resume --out {full}."), err[-3000:]
    assert "Traceback" not in err
    assert sorted(os.listdir(ckpts)) == ["latest.txt", "step_00000003.json", "step_00000003.keras",
                                         "step_00000006.json", "step_00000006.keras"]
    found = checkpointing.scan(ckpts)[0]
    assert [c.position.global_step for c in found] == [6, 3] and all(checkpointing.problem(c) is None for c in found)
    moved = str(tmp_path / "moved")  # "free some space": here, move the run to a disk with room
    shutil.copytree(full, moved, ignore=shutil.ignore_patterns(".lock"))
    code, _, err = finish(launch(["--resume", "--out", moved]))
    assert code == 0, err[-3000:]
    a, b = (checkpointing.read_arrays(os.path.join(d, "checkpoints", "epoch_0002.keras")) for d in (reference, moved))
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_resume_falls_back_past_a_corrupt_checkpoint_with_a_warning(tmp_path, capsys):
    cfg = tiny_config(tmp_path / "run", epochs=2, steps_per_epoch=3, checkpoint_every=2)
    training.run(cfg, verbose=0, resume=True)  # nothing to resume yet: a fresh start, said so
    assert "no checkpoint to resume from" in capsys.readouterr().err
    folder = str(tmp_path / "run" / "checkpoints")
    names = sorted(f for f in os.listdir(folder) if f.endswith(".keras"))
    assert names == ["epoch_0001.keras", "epoch_0002.keras", "step_00000004.keras"]  # keep=3, newest first
    newest, previous = checkpointing.scan(folder)[0][:2]
    assert newest.position == checkpointing.Position(2, 0, 6) and previous.position.global_step == 4
    assert checkpointing.latest_good(folder) == newest
    with open(newest.path, "r+b") as f:  # flip one byte: same size, wrong checksum
        f.seek(500)
        byte = f.read(1)
        f.seek(500)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.warns(checkpointing.CorruptCheckpointWarning) as w:
        assert checkpointing.latest_good(folder) == previous
    message = str(w[0].message)
    assert newest.path in message and "SHA-256 does not match" in message and previous.path in message
    os.truncate(previous.path, 10)
    with pytest.warns(checkpointing.CorruptCheckpointWarning, match="truncated: 10 of"):
        assert checkpointing.latest_good(folder).position.global_step == 3
    for ckpt in checkpointing.scan(folder)[0]:
        os.remove(ckpt.path)
    with pytest.raises(CorruptCheckpointError, match=r"No usable checkpoint in .*its \.keras file is missing"):
        checkpointing.latest_good(folder)


def test_checkpoint_writes_are_atomic_and_leftovers_are_cleaned(tmp_path, tiny_nets, tiny_data):
    from tfgan_zoo import callbacks as cb

    g, d = tiny_nets("mlp")
    gan = models.GAN(g, d, seed=0)
    gan.compile()
    folder = tmp_path / "ckpt"
    folder.mkdir()
    # what a killed writer leaves: a temporary file, and a .keras whose state was never written
    (folder / ".step_00000002.keras.x1.tmp.keras").write_bytes(b"half")
    (folder / "step_00000001.keras").write_bytes(b"no state")
    ckpt = cb.GANCheckpoint(str(folder), keep=2, every_n_steps=3)

    def failing_save(path):
        with open(path, "wb") as f:
            f.write(b"partial")
        raise OSError("disk full")

    gan.fit(tiny_data(), epochs=2, verbose=0, callbacks=[ckpt])
    assert sorted(os.listdir(folder)) == ["epoch_0002.json", "epoch_0002.keras", "latest.txt",
                                          "step_00000006.json", "step_00000006.keras"]
    before = {f: (folder / f).read_bytes() for f in os.listdir(folder)}
    with pytest.raises(OSError, match="disk full"):
        checkpointing.write(str(folder), checkpointing.Position(3, 0, 12), failing_save, {})
    assert {f: (folder / f).read_bytes() for f in os.listdir(folder)} == before  # nothing half-written
    assert checkpointing.latest_good(str(folder)).path == str(folder / "epoch_0002.keras")


# ------------------------------------------------------------------------------ BackupAndRestore (fit)
def test_keras_backup_and_restore_resumes_an_interrupted_fit(tmp_path, tiny_nets, tiny_data):
    """``fit`` users: BackupAndRestore's weights file carries both optimizers, the EMA and the seed state."""
    def make():
        keras.utils.set_random_seed(0)
        g, d = tiny_nets("mlp")
        gan = models.LSGAN(g, d, seed=0, ema=0.9)
        gan.compile()
        return gan

    class Interrupt(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if int(self.model.g_optimizer.iterations) == 6:  # epoch 2 of 3, batch 2 of 4
                raise RuntimeError("interrupted")

    reference = make()
    reference.fit(tiny_data(), epochs=3, verbose=0)
    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    with pytest.raises(RuntimeError, match="interrupted"):
        make().fit(tiny_data(), epochs=3, verbose=0, callbacks=[backup, Interrupt()])
    resumed = make()  # as a new process would build it
    history = resumed.fit(tiny_data(), epochs=3, verbose=0, callbacks=[backup])
    assert len(history.history["d_loss"]) == 2  # epochs 2 and 3 (epoch 2 restarts from its backup)
    assert int(resumed.g_optimizer.iterations) == int(reference.g_optimizer.iterations) == 12
    np.testing.assert_array_equal(resumed.seed_generator.state.numpy(), reference.seed_generator.state.numpy())
    for name, model in [("generator", "generator"), ("discriminator", "discriminator"), ("EMA", "ema_generator")]:
        for a, b in zip(getattr(resumed, model).weights, getattr(reference, model).weights):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=name)
    for opt in ("d_optimizer", "g_optimizer"):
        for a, b in zip(getattr(resumed, opt).variables, getattr(reference, opt).variables):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=opt)


# ------------------------------------------------------------------------------------ divergence guard
def poisoned(cfg, at_batch):
    p = training.open_data(cfg)
    return p._replace(dataset=p.dataset.enumerate().map(lambda i, x: tf.where(i == at_batch, float("nan"), x)))


def test_nan_stops_training_naming_the_step_and_the_last_good_checkpoint(tmp_path):
    cfg = tiny_config(tmp_path / "run", epochs=2, steps_per_epoch=4, checkpoint_every=3)
    with pytest.raises(TrainingDiverged) as e:
        training.run(cfg, verbose=0, prepared=poisoned(cfg, 6))  # NaN images in step 7 (epoch 2, step 3)
    folder = tmp_path / "run" / "checkpoints"
    assert e.value.step == 7
    assert str(e.value).startswith("Training diverged at step 7: d_loss=nan")
    assert "(epoch 2, step 3 of it)" in str(e.value)
    assert str(e.value).endswith(f"Last good checkpoint: {folder / 'step_00000006.keras'} (epoch 2, step 2; "
                                 "global step 6).")
    assert checkpointing.latest_good(str(folder)).position.global_step == 6  # nothing saved after the NaN
    restored = checkpointing.load_gan(str(folder / "step_00000006.keras"))
    assert all(np.isfinite(np.asarray(v)).all() for v in restored.generator.weights + restored.discriminator.weights)
    assert os.path.isfile(tmp_path / "run" / "curves.png")  # the curves up to the failure


def test_a_checkpoint_with_non_finite_weights_is_never_written(tmp_path, tiny_nets, tiny_data):
    from tfgan_zoo import callbacks as cb

    g, d = tiny_nets("mlp")
    gan = models.GAN(g, d, seed=0)
    gan.compile()

    class BreakWeight(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if int(self.model.g_optimizer.iterations) == 6:  # a checkpoint step (epoch 2, step 2)
                w = self.model.discriminator.weights[0]
                w.assign(tf.fill(w.shape, float("inf")))

    ckpt = cb.GANCheckpoint(str(tmp_path / "ckpt"), every_n_steps=2)
    with pytest.raises(TrainingDiverged, match=r"at step 6: non-finite values in discriminator/dense_0/kernel\. "
                                               r"Last good checkpoint: .*epoch_0001.keras"):
        gan.fit(tiny_data(), epochs=2, verbose=0, callbacks=[BreakWeight(), ckpt])
    assert checkpointing.latest_good(str(tmp_path / "ckpt")).position.global_step == 4


def test_a_step_skipped_by_loss_scaling_is_not_divergence(tmp_path):
    cfg = tiny_config(tmp_path / "run", precision="mixed_float16", steps_per_epoch=4, checkpoint_every=0)
    summary = training.run(cfg, verbose=0, prepared=poisoned(cfg, 2))  # NaN images in step 3, as above
    assert summary["generator_steps"] == 4 and all(np.isfinite(v) for v in summary["final"].values())
    gan = checkpointing.load_gan(str(tmp_path / "run" / "checkpoints" / "epoch_0001.keras"))
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    # the discriminator's update of the NaN step was skipped (and nothing stopped); the generator's was not
    assert int(gan.g_optimizer.iterations) == 4 and int(gan.d_optimizer.iterations) == 3
    assert float(gan.d_optimizer.dynamic_scale) < 2.0 ** 15


def test_cli_divergence_is_one_line_with_exit_status_3(tmp_path):
    out = str(tmp_path / "run")
    code, _, err = finish(launch([*TINY, "--steps-per-epoch", "6", "--checkpoint-every", "2", "--out", out],
                                 {"FAULT_NAN_AT_BATCH": "4"}))
    assert code == 3, err[-3000:]
    last = err.strip().splitlines()[-1]
    assert last.startswith("train.py: error: Training diverged at step 5: d_loss=nan")
    assert os.path.join(out, "checkpoints", "step_00000004.keras") in last and f"--resume --out {out}" in last
    assert "Traceback" not in err


def test_an_image_that_breaks_mid_run_is_named_in_one_line(tmp_path):
    """A streamed folder (decoded anew each epoch, as one over the in-memory budget is) whose file 17 is
    overwritten with garbage after step 5: exit status 2 and one line naming the file and the last good
    checkpoint, not a TensorFlow traceback. (A folder held in memory is not affected: benchmarks/faults.py.)"""
    from tfgan_zoo import data

    folder = str(tmp_path / "images")
    data.write_image_folder(np.random.default_rng(0).integers(0, 256, (72, 8, 8, 1), dtype=np.uint8), folder,
                            fmt="png")
    victim = os.path.join(folder, sorted(os.listdir(folder))[17])
    out = str(tmp_path / "run")
    # 2 x 10 steps over 9 batches per pass: pass 2 (steps 10-18) decodes every file again, after the damage
    faults = {"FAULT_STREAM_FOLDERS": "1", "FAULT_CORRUPT_FILE": victim, "FAULT_CORRUPT_AT_STEP": "5"}
    code, _, err = finish(launch([*TINY, "--dataset", folder, "--epochs", "2", "--steps-per-epoch", "10",
                                  "--checkpoint-every", "3", "--out", out], faults))
    assert code == 2, err[-3000:]
    assert "Traceback" not in err
    # which step meets the broken file depends on how far the pipeline has prefetched: the newest checkpoint
    newest = checkpointing.latest_good(os.path.join(out, "checkpoints"))
    assert err.strip().splitlines()[-1] == (
        f"train.py: error: Training stopped: 1 image file(s) of {folder} can no longer be read: {victim} (they were "
        "readable when the run started). Restore or replace them, then continue. The last good checkpoint is "
        f"{newest.describe()}; continue from it with --resume --out {out}.")
    assert newest.position.global_step >= 3


# --------------------------------------------------------------------------- refusing the wrong checkpoint
@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    """A finished 1-epoch run (latent 8, 28x28x1 MNIST) with its checkpoints."""
    out = tmp_path_factory.mktemp("saved") / "run"
    training.run(tiny_config(out, steps_per_epoch=4), verbose=0)
    return out


def test_resume_refuses_another_latent_size_or_image_shape(saved_run):
    ckpt = str(saved_run / "checkpoints" / "epoch_0001.keras")
    with pytest.raises(CheckpointMismatchError) as e:
        training.run(tiny_config(saved_run, steps_per_epoch=4, epochs=2, latent_dim=16), verbose=0, resume=True)
    assert str(e.value).startswith(f"{ckpt} holds a GAN with latent size 8, but latent size 16 was asked "
                                   "(--latent-dim 16)")
    with pytest.raises(CheckpointMismatchError) as e:
        training.run(tiny_config(saved_run, steps_per_epoch=4, epochs=2, image_size=16), verbose=0, resume=True)
    assert str(e.value).startswith(f"{ckpt} holds a GAN for 28x28x1 images, but the requested data "
                                   "(--dataset mnist, --image-size 16, --channels None) gives 16x16x1 images")
    with pytest.raises(CheckpointMismatchError, match=r"other settings \(--batch-size 8 -> 16\)"):
        training.run(tiny_config(saved_run, steps_per_epoch=4, epochs=2, batch_size=16), verbose=0, resume=True)


def test_resuming_a_finished_run_trains_no_more(saved_run):
    summary = training.run(tiny_config(saved_run, steps_per_epoch=4), verbose=0, resume=True)
    assert summary["resumed_from"] == str(saved_run / "checkpoints" / "epoch_0001.keras")
    assert summary["generator_steps"] == 4 and summary["images_per_s"] is None
    assert set(summary["final"]) == {"d_loss", "g_loss", "d_real", "d_fake"}  # from the saved history


def test_cli_resume_mismatch_is_one_line(saved_run):
    r = subprocess.run([sys.executable, SCRIPT, "--resume", "--out", str(saved_run), "--latent-dim", "16",
                        "--epochs", "2"], capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 2, r.stderr[-3000:]
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("train.py: error: ") and "latent size 8, but latent size 16 was asked" in last
    assert "Traceback" not in r.stderr


def test_load_gan_checks_latent_size_image_shape_and_integrity(saved_run, tmp_path):
    path = str(saved_run / "checkpoints" / "epoch_0001.keras")
    gan = checkpointing.load_gan(path, latent_dim=8, image_shape=(28, 28, 1))
    assert (gan.latent_dim, gan.image_shape, int(gan.g_optimizer.iterations)) == (8, (28, 28, 1), 4)
    with pytest.raises(CheckpointMismatchError, match=f"{path} holds a GAN with latent size 8, but latent size 100 "
                                                      "was asked; feed it 8-d noise"):
        checkpointing.load_gan(path, latent_dim=100)
    with pytest.raises(CheckpointMismatchError, match=r"holds a GAN for 28x28x1 images, but 32x32x3 images were "
                                                      r"asked; resize the data to 28x28x1"):
        checkpointing.load_gan(path, image_shape=(32, 32, 3))
    loose = tmp_path / "loose.keras"  # no .json next to it: the zip's own CRCs are checked
    loose.write_bytes(open(path, "rb").read()[:-5000])
    with pytest.raises(CorruptCheckpointError, match=f"{loose}: not a readable .keras archive, truncated or corrupt"):
        checkpointing.load_gan(str(loose))
    copy = tmp_path / "epoch_0001.keras"
    shutil.copy(path, copy)
    shutil.copy(checkpointing.state_path(path), checkpointing.state_path(str(copy)))
    os.truncate(copy, os.path.getsize(copy) // 2)
    with pytest.raises(CorruptCheckpointError, match=r"epoch_0001.keras: truncated: \d+ of \d+ bytes. Use an earlier"):
        checkpointing.load_gan(str(copy))


def test_load_gan_keeps_safe_mode(tmp_path):
    g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16), keras.layers.Lambda(lambda x: x * 2.0),
                          keras.layers.Reshape((4, 4, 1))])
    d = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    gan = models.GAN(g, d)
    gan.compile()
    path = str(tmp_path / "lambda.keras")
    gan.save(path)
    with pytest.raises(CheckpointError, match="contains Python code .* safe_mode=True"):
        checkpointing.load_gan(path)


# ------------------------------------------------------------- the options of issue 13 across a resume
@pytest.mark.slow
def test_a_run_with_every_quality_option_resumes_like_an_uninterrupted_one(tmp_path):
    """LR decay, EMA warm-up, DiffAugment, the uniform prior, keep-best and progressive augmentation all carry
    state (optimizer step counts, the seed state, the best FID so far, the augmentation level and schedule): a run cut after step 4 of 8 and resumed must end bitwise as
    the uninterrupted one (op determinism), with the same best epoch exported."""
    kw = dict(steps_per_epoch=4, epochs=2, checkpoint_every=2, keep_checkpoints=10, deterministic=True,
              lr_decay="linear", ema=0.9, ema_start=3, augment="translation,cutout", prior="uniform",
              fid_every=1, fid_samples=50, fid_network="mnist-classifier", keep_best="fid",
              progressive_augment=2, pa_start=1, pa_fade_steps=6)  # the PA level is mid-fade at the cut
    a, b = tmp_path / "A", tmp_path / "B"
    training.run(tiny_config(a, **kw), verbose=0)
    shutil.copytree(a, b)
    for name in os.listdir(b / "checkpoints"):  # the crash: nothing after step 4 was written
        if name.startswith(("step_00000006", "step_00000008", "epoch_0002")):
            os.remove(b / "checkpoints" / name)
    shutil.rmtree(b / "generator_last")
    assert checkpointing.latest_good(str(b / "checkpoints")).position.global_step == 4
    summary = training.run(tiny_config(b, **kw), verbose=0, resume=True)
    assert summary["resumed_from"].endswith("epoch_0001.keras")
    end_a = checkpointing.read_arrays(str(a / "checkpoints" / "epoch_0002.keras"))
    end_b = checkpointing.read_arrays(str(b / "checkpoints" / "epoch_0002.keras"))
    assert end_a.keys() == end_b.keys()
    for k in end_a:
        np.testing.assert_array_equal(end_a[k], end_b[k], err_msg=k)
    assert summary["best"] == json.load(open(a / "summary.json"))["best"]
    rows_a, rows_b = (list(csv.DictReader(open(d / "history.csv"))) for d in (a, b))
    assert [{k: v for k, v in r.items() if k != "wall_s"} for r in rows_a] == \
        [{k: v for k, v in r.items() if k != "wall_s"} for r in rows_b]
    # control: the same run without the decay is another run (the arrays differ)
    c = tmp_path / "C"
    training.run(tiny_config(c, **{**kw, "lr_decay": "none"}), verbose=0)
    end_c = checkpointing.read_arrays(str(c / "checkpoints" / "epoch_0002.keras"))
    assert any(not np.array_equal(end_a[k], end_c[k]) for k in end_a if k in end_c)


def test_an_older_run_refuses_options_it_did_not_have(saved_run):
    """A checkpoint written before an option existed has no key for it; resuming it with the option on must be
    refused like any other change of settings (not silently reset the optimizer, as a missing key would)."""
    point = checkpointing.latest_good(str(saved_run / "checkpoints"))
    old = dict(point.state)
    old["config"] = {k: v for k, v in old["config"].items() if k not in checkpointing.ADDED_LATER}
    older = checkpointing.Checkpoint(point.path, old)
    cfg = tiny_config(saved_run, steps_per_epoch=4, epochs=2, lr_decay="linear")
    with pytest.raises(CheckpointMismatchError, match=r"--lr-decay 'none' -> 'linear'"):
        checkpointing.check_resumable(older, dataclasses.asdict(cfg), (28, 28, 1), 4)
    # control: the old run's own settings resume
    same = tiny_config(saved_run, steps_per_epoch=4, epochs=2)
    checkpointing.check_resumable(older, dataclasses.asdict(same), (28, 28, 1), 4)
