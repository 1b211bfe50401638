"""Durable files (fsync + rename + folder fsync), full disks, and one writer per run folder.

The process-level faults (SIGTERM, SIGKILL, a second writer, a real full disk) are in
``tests/test_resume.py`` and ``benchmarks/faults.py``; these are the unit-level checks of the
mechanisms they rely on.
"""

import errno
import os
import subprocess
import sys

import pytest

from tfgan_zoo import checkpointing, runlock
from tfgan_zoo.io import atomic_path, is_disk_full, write_text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ------------------------------------------------------------------------------------------ fsync
def test_atomic_writes_fsync_the_file_and_then_its_folder(tmp_path, monkeypatch):
    """The order that makes a rename durable: the new file's data, the rename, then the folder entry."""
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        path = os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else str(fd)
        events.append(("fsync", os.path.basename(path)))
        return real_fsync(fd)

    def replace(a, b):
        events.append(("replace", os.path.basename(b)))
        return real_replace(a, b)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    if not os.path.exists("/proc/self/fd"):
        pytest.skip("needs /proc to name the fsynced files")
    write_text(tmp_path / "a.json", "{}\n")
    assert (tmp_path / "a.json").read_text() == "{}\n"
    assert len(events) == 3, events
    assert events[0][0] == "fsync" and events[0][1].startswith(".a.json.") and events[0][1].endswith(".tmp")
    assert events[1:] == [("replace", "a.json"), ("fsync", tmp_path.name)]
    # a folder (a SavedModel): every file and sub-folder, bottom up, before the rename
    events.clear()
    with atomic_path(tmp_path / "model") as tmp:
        os.makedirs(os.path.join(tmp, "variables"))
        for name in ("saved_model.pb", os.path.join("variables", "v.data")):
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(b"x")
    synced = [name for kind, name in events if kind == "fsync"]
    assert {"saved_model.pb", "v.data", "variables"} <= set(synced)
    assert synced.index("v.data") < synced.index("variables")
    assert events.index(("replace", "model")) > max(i for i, e in enumerate(events) if e[1] == "saved_model.pb")
    assert events[-1] == ("fsync", tmp_path.name)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    write_text(tmp_path / "h.csv", "old\n")

    with pytest.raises(OSError) as e:
        with atomic_path(tmp_path / "h.csv") as tmp:
            with open(tmp, "w") as f:
                f.write("half")
            raise OSError(errno.ENOSPC, "No space left on device", tmp)
    assert is_disk_full(e.value)
    assert os.listdir(tmp_path) == ["h.csv"] and (tmp_path / "h.csv").read_text() == "old\n"


@pytest.mark.parametrize("error,full", [
    (OSError(errno.ENOSPC, "No space left on device"), True),
    (OSError(errno.EDQUOT, "Disk quota exceeded"), True),
    (RuntimeError("Can't write data (file write failed: ..., error message = 'No space left on device')"), True),
    (OSError(errno.EACCES, "Permission denied"), False),
    (ValueError("bad value"), False),
])
def test_is_disk_full(error, full):
    assert is_disk_full(error) is full
    wrapped = RuntimeError("saving failed")  # a writer that wraps the OSError keeps it as the cause
    wrapped.__cause__ = error
    assert is_disk_full(wrapped) is full


def test_checkpoint_write_on_a_full_disk_damages_and_prunes_nothing(tmp_path, tiny_nets):
    """The newest checkpoint's write fails half-way (ENOSPC): the older ones stay, byte for byte, and the newest
    good one is still found; the failed one leaves no temporary file."""
    from tfgan_zoo import models
    from tfgan_zoo.callbacks import GANCheckpoint

    g, d = tiny_nets("mlp")
    gan = models.GAN(g, d, seed=0)
    gan.compile()
    ckpt = GANCheckpoint(str(tmp_path), keep=2)
    ckpt.set_model(gan)
    for step in (1, 2):
        ckpt.save(checkpointing.Position(0, step, step))
    before = {f: (tmp_path / f).read_bytes() for f in os.listdir(tmp_path)}
    real_save = gan.save

    def full_disk(path, *a, **k):
        real_save(path, *a, **k)
        with open(path, "ab") as f:
            f.write(b"more")
        raise OSError(errno.ENOSPC, "No space left on device", path)

    gan.save = full_disk
    with pytest.raises(OSError) as e:
        ckpt.save(checkpointing.Position(0, 3, 3))
    assert is_disk_full(e.value)
    assert {f: (tmp_path / f).read_bytes() for f in os.listdir(tmp_path)} == before
    assert checkpointing.latest_good(str(tmp_path)).position.global_step == 2
    assert ckpt.last_saved.position.global_step == 2  # what the error message names


# -------------------------------------------------------------------------------------- run lock
HOLD = ("import sys, time; sys.path.insert(0, {root!r}); from tfgan_zoo import runlock; "
        "runlock.acquire({folder!r}); print('held', flush=True); time.sleep(120)")


# train.py's main, reporting whether TensorFlow was imported before it returned
CLI = ("import sys; from tfgan_zoo.cli import main; status = main(sys.argv[1:]); "
       "print('tensorflow imported:', 'tensorflow' in sys.modules); sys.exit(status)")


def _holder(folder):
    p = subprocess.Popen([sys.executable, "-c", HOLD.format(root=ROOT, folder=str(folder))], stdout=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().strip() == "held"
    return p


def test_a_live_holder_is_refused_a_dead_ones_lock_is_taken_over(tmp_path):
    folder = tmp_path / "run"
    holder = _holder(folder)
    try:
        with pytest.raises(runlock.RunFolderInUseError) as e:
            runlock.acquire(str(folder))
        assert f"is in use by process {holder.pid} (started " in str(e.value)
        assert e.value.holder["pid"] == holder.pid
    finally:
        holder.kill()  # SIGKILL: no clean-up runs, the lock file stays with its pid
        holder.wait()
    assert (folder / ".lock").exists()
    lock = runlock.acquire(str(folder))
    try:
        assert lock.previous["pid"] == holder.pid  # stale: its process is gone, the kernel dropped its lock
        assert runlock.acquire(str(folder)) is lock  # the same process may ask again
    finally:
        lock.release()
    assert not (folder / ".lock").exists()
    assert folder.is_dir()  # it existed before this lock: kept


def test_a_refused_run_leaves_no_folder_and_a_released_one_can_be_taken(tmp_path):
    lock = runlock.acquire(str(tmp_path / "new"))
    lock.release()
    assert not (tmp_path / "new").exists()  # created for the lock, empty: removed
    holder = _holder(tmp_path / "busy")
    try:
        r = subprocess.run([sys.executable, "-c", CLI, "--out", str(tmp_path / "busy"), "--arch", "mlp"],
                           capture_output=True, text=True, timeout=120, env=dict(os.environ, PYTHONPATH=ROOT))
    finally:
        holder.kill()
        holder.wait()
    assert r.returncode == 2, r.stderr
    assert r.stdout == "tensorflow imported: False\n"  # refused at once, before TensorFlow loads
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"train.py: error: {os.path.realpath(tmp_path / 'busy')} is in use by process "
                               f"{holder.pid} ")
    assert sorted(os.listdir(tmp_path / "busy")) == [".lock"]  # the refused run wrote nothing


# ------------------------------------------------------------------------------------- signals (fit users)
def test_sigint_in_your_own_fit_stops_after_the_step_with_a_checkpoint(tmp_path, tiny_nets, tiny_data):
    """StopOnSignal in a plain ``fit``: Ctrl-C (SIGINT) during step 3 of an epoch of 4 finishes that step, writes
    its checkpoint and raises TrainingInterrupted (exit status 130 for train.py); the handlers are put back."""
    import signal

    import keras

    from tfgan_zoo import models
    from tfgan_zoo.callbacks import GANCheckpoint
    from tfgan_zoo.preemption import StopOnSignal, TrainingInterrupted

    g, d = tiny_nets("mlp")
    gan = models.GAN(g, d, seed=0)
    gan.compile()

    class CtrlC(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 2:  # arrives while step 3 runs
                os.kill(os.getpid(), signal.SIGINT)

    ckpt = GANCheckpoint(str(tmp_path / "ckpt"), keep=5)
    stop = StopOnSignal(ckpt)
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(TrainingInterrupted) as e:
        try:
            gan.fit(tiny_data(), epochs=2, verbose=0, callbacks=[CtrlC(), ckpt, stop])
        finally:
            stop.restore_handlers()
    assert (e.value.signum, e.value.exit_status, e.value.step) == (signal.SIGINT, 130, 3)
    step3 = tmp_path / "ckpt" / "step_00000003.keras"
    assert str(e.value).startswith(f"Stopped by SIGINT after step 3; checkpoint: {step3} (epoch 1, step 3;")
    assert checkpointing.latest_good(str(tmp_path / "ckpt")).position == checkpointing.Position(0, 3, 3)
    assert int(gan.g_optimizer.iterations) == 3  # step 3 finished, step 4 never began
    assert signal.getsignal(signal.SIGINT) is before
