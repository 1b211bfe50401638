"""Stop cleanly on SIGTERM or SIGINT: finish the step, checkpoint it, stop.

Preemptible cloud VMs, Kubernetes and Slurm stop a job with SIGTERM (and SIGKILL a
grace period later); a person at a terminal presses Ctrl-C (SIGINT).
:class:`StopOnSignal` replaces both signals' handlers while ``fit`` runs. The handler
only records the signal, so the step that is running (compiled TensorFlow code that
Python cannot interrupt anyway) finishes; at its end the callback writes a checkpoint at
that step through the run's :class:`~tfgan_zoo.callbacks.GANCheckpoint` and raises
:class:`TrainingInterrupted`, which names the checkpoint. ``--resume`` continues from it
as from any other checkpoint (bitwise, with ``--deterministic``).

A second signal while the checkpoint is written is reported and otherwise ignored, so it
cannot cut the write short (and every checkpoint file is written atomically anyway);
SIGKILL still stops the process at once, losing only the steps since the newest checkpoint.

If the signal comes in the last step of an epoch, the epoch ends first (its checkpoint,
history row and sample grid are written as usual) and the run stops after it; after the
last epoch nothing is left to resume, so the run finishes instead.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

import keras

from .callbacks import GANCheckpoint
from .checkpointing import Checkpoint


class TrainingInterrupted(RuntimeError):
    """Training stopped on a signal after writing ``checkpoint`` (at global step ``step``)."""

    def __init__(self, message: str, signum: int, step: int, checkpoint: Checkpoint | None) -> None:
        super().__init__(message)
        self.signum = signum
        self.step = step
        self.checkpoint = checkpoint

    @property
    def exit_status(self) -> int:
        """128 + the signal's number, the shell's convention for a process stopped by a signal."""
        return 128 + int(self.signum)


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class StopOnSignal(keras.callbacks.Callback):
    """On SIGTERM/SIGINT: finish the current step, checkpoint it, raise :class:`TrainingInterrupted`.

    Put it after the run's :class:`~tfgan_zoo.callbacks.GANCheckpoint` in the callback
    list: the position (epoch, step, global step, also across a resume) is that callback's.
    The handlers are installed in :meth:`on_train_begin` (only in the main thread,
    where Python delivers signals) and restored by :meth:`restore_handlers`, which
    ``training.run`` calls when ``fit`` has returned or raised; a plain ``fit`` user calls it
    in a ``finally``, or leaves it to :meth:`on_train_end` on a normal end.

    Parameters
    ----------
    checkpoint : GANCheckpoint
        Writes the checkpoint at the stopping step (and supplies the last one).
    signals : tuple of int
        The signals to handle.
    stream : file, optional
        Where the one-line notes go (default ``sys.stderr``).
    """

    def __init__(self, checkpoint: GANCheckpoint, signals: tuple[int, ...] = (signal.SIGTERM, signal.SIGINT),
                 stream: Any = None) -> None:
        super().__init__()
        self.checkpoint = checkpoint
        self.signals = tuple(signals)
        self.stream = stream
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    # ------------------------------------------------------------------ handlers
    def _note(self, text: str) -> None:
        print(text, file=self.stream or sys.stderr, flush=True)

    def _handle(self, signum: int, frame) -> None:  # noqa: ARG002 - the signal module's signature
        if self.signum is None:
            self.signum = signum
            self._note(f"{signal_name(signum)} received: stopping after the current step, with a checkpoint.")
        else:
            self._note(f"{signal_name(signum)} received again: already stopping (writing the checkpoint); "
                       "send SIGKILL to stop at once without it.")

    def install_handlers(self) -> bool:
        """Install the handlers (main thread only); returns whether they were installed."""
        if self._previous or threading.current_thread() is not threading.main_thread():
            return bool(self._previous)
        for s in self.signals:
            self._previous[s] = signal.signal(s, self._handle)
        return True

    def restore_handlers(self) -> None:
        """Put back the handlers that were there before :meth:`install_handlers`."""
        previous, self._previous = self._previous, {}
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)

    # ------------------------------------------------------------------ callback
    def on_train_begin(self, logs=None) -> None:
        self.install_handlers()

    def on_train_end(self, logs=None) -> None:
        self.restore_handlers()

    def _stop(self, ckpt: Checkpoint) -> None:
        p = ckpt.position
        raise TrainingInterrupted(
            f"Stopped by {signal_name(self.signum)} after step {p.global_step}; checkpoint: {ckpt.describe()}.",
            self.signum, p.global_step, ckpt)

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        if self.signum is None:
            return
        steps = self.params.get("steps") if self.params else None
        if steps is not None and self.checkpoint.step_in_epoch >= steps:
            return  # the epoch's last step: let the epoch end (and its checkpoint) happen, stop after it
        last = self.checkpoint.last_saved
        here = self.checkpoint.position
        ckpt = last if last is not None and last.position == here else self.checkpoint.save(here)
        self._stop(ckpt)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        epochs = self.params.get("epochs") if self.params else None
        if self.signum is not None and (epochs is None or epoch + 1 < epochs):
            self._stop(self.checkpoint.last_saved)  # the checkpoint callback, before this one, saved the epoch's end
        # after the last epoch the run is complete: it finishes (the export takes seconds) instead of stopping
