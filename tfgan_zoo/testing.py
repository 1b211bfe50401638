"""``train.py`` with faults injected at known steps, for the tests and ``benchmarks/faults.py``.

    python -m tfgan_zoo.testing TRAIN.PY ARGS      # with hooks chosen by environment variables

Every hook is off unless its variable is set; steps are global steps (counted from 1):

``FAULT_PAUSE_AT_STEP``, ``FAULT_PAUSE_SECONDS`` (600), ``FAULT_PAUSE_MARKER``
    after the step (and its checkpoint, if one is due), create the marker file and sleep
    (until SIGTERM/SIGINT arrives, if sooner), so a signal or SIGKILL from outside lands at a
    known step.
``FAULT_STEP_FILE``
    write the number of every finished step into this file (a kill at a random time can
    then be placed after training began).
``FAULT_SIGTERM_DURING_SAVE_AT_STEP``
    send SIGTERM to itself while the checkpoint of that step is being written (between its
    ``.keras`` file and its state).
``FAULT_ENOSPC_AT_STEP``
    the write of that step's checkpoint fails half-way with ``ENOSPC`` (a full disk where a
    small ``tmpfs`` cannot be mounted).
``FAULT_NAN_AT_BATCH``
    NaN images in that batch of the stream (0-based).
``FAULT_NAN_WEIGHT_AT_STEP``
    set the discriminator's first weight to NaN after that step.
``FAULT_CORRUPT_FILE``, ``FAULT_CORRUPT_AT_STEP``
    overwrite that file with bytes that are no image after that step.
``FAULT_STREAM_FOLDERS=1``
    decode image folders anew each epoch instead of keeping them in memory (as for folders
    larger than ``data.MEMORY_BUDGET_BYTES``).
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import time


def _stop_requested() -> bool:
    """Whether :class:`~tfgan_zoo.preemption.StopOnSignal`'s handler has recorded a signal."""
    handler = signal.getsignal(signal.SIGTERM)
    return getattr(getattr(handler, "__self__", None), "signum", None) is not None


def _int(name: str, default: int = -1) -> int:
    return int(os.environ.get(name, default))


def install() -> None:
    """Patch the training code with the hooks the environment asks for."""
    import tensorflow as tf

    from . import callbacks, checkpointing, data, training

    pause_at, pause_s = _int("FAULT_PAUSE_AT_STEP"), float(os.environ.get("FAULT_PAUSE_SECONDS", 600))
    step_file = os.environ.get("FAULT_STEP_FILE")
    nan_weight_at, corrupt_at = _int("FAULT_NAN_WEIGHT_AT_STEP"), _int("FAULT_CORRUPT_AT_STEP")
    batch_end = callbacks.GANCheckpoint.on_train_batch_end

    def hooked_batch_end(self, batch, logs=None):
        batch_end(self, batch, logs)
        step = self.global_step
        if step_file:
            with open(step_file, "w") as f:
                f.write(f"{step}\n")
        if step == nan_weight_at:
            w = self.model.discriminator.weights[0]
            w.assign(tf.fill(w.shape, float("nan")))
        if step == corrupt_at:
            with open(os.environ["FAULT_CORRUPT_FILE"], "wb") as f:
                f.write(b"this is not an image any more")
        if step == pause_at:
            open(os.environ["FAULT_PAUSE_MARKER"], "w").close()
            end = time.time() + pause_s
            while time.time() < end and not _stop_requested():
                time.sleep(0.02)

    callbacks.GANCheckpoint.on_train_batch_end = hooked_batch_end

    signal_in_save, full_at = _int("FAULT_SIGTERM_DURING_SAVE_AT_STEP"), _int("FAULT_ENOSPC_AT_STEP")
    writing = checkpointing.write

    def write(folder, position, save, state):
        def save_then_fault(path):
            save(path)
            if position.global_step == signal_in_save:
                os.kill(os.getpid(), signal.SIGTERM)
            if position.global_step == full_at:  # as a full disk fails a write: part of the file is there
                os.truncate(path, os.path.getsize(path) // 2)
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return writing(folder, position, save_then_fault, state)

    checkpointing.write = write

    nan_at = _int("FAULT_NAN_AT_BATCH")
    if nan_at >= 0:
        opening = training.open_data

        def poisoned(cfg, start_batch=0):
            p = opening(cfg, start_batch)
            ds = p.dataset.enumerate(start_batch).map(lambda i, x: tf.where(i == nan_at, float("nan"), x))
            return p._replace(dataset=ds)

        training.open_data = poisoned
    if os.environ.get("FAULT_STREAM_FOLDERS"):
        data.MEMORY_BUDGET_BYTES = 0


def main(argv: list[str]) -> int:
    install()
    from .cli import main as train_main

    return train_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
