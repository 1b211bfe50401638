"""Step counting shared by the callbacks: :class:`StepCallback` (epoch, step in epoch and global step, across a
resume) and :class:`IntervalCallback` (metric means over intervals of steps). Nothing here imports another
callback module."""

from __future__ import annotations

import math

import keras
import numpy as np

from ..checkpointing import Position


def _prior(model) -> str:
    """The distribution of ``z`` the model was trained with (``normal`` for models without the attribute)."""
    return getattr(model, "prior", "normal")


class StepCallback(keras.callbacks.Callback):
    """Base of callbacks that count steps: ``epoch``, ``step_in_epoch`` and ``global_step``, also across a resume.

    Subclasses call ``super().on_epoch_begin`` and, once per batch end, :meth:`_advance`.
    After :meth:`resume_at`, the first epoch continues at the checkpoint's step (Keras
    numbers that epoch's batches from 0 again).
    """

    def __init__(self) -> None:
        super().__init__()
        self.epoch = 0
        self.step_in_epoch = 0
        self.global_step = 0
        self._offset = 0
        self._resume: Position | None = None

    @property
    def position(self) -> Position:
        return Position(self.epoch, self.step_in_epoch, self.global_step)

    def resume_at(self, position: Position) -> None:
        """Continue counting from ``position`` (a checkpoint's)."""
        self.epoch, self.step_in_epoch, self.global_step = position.epoch, position.step, position.global_step
        self._resume = position

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        resume, self._resume = self._resume, None
        self._offset = resume.step if resume is not None and resume.epoch == epoch else 0
        self.epoch, self.step_in_epoch = epoch, self._offset

    def _advance(self, batch: int) -> int:
        """Count the steps up to Keras' ``batch`` (0-based in this epoch); returns how many are new."""
        done = batch + 1 + self._offset
        new = done - self.step_in_epoch
        self.step_in_epoch, self.global_step = done, self.global_step + new
        return new

    def crossed_multiple(self, n: int, new: int) -> bool:
        """Whether the last ``new`` steps (as :meth:`_advance` returned) passed a multiple of ``n`` global steps.

        With ``steps_per_execution`` > 1 Keras calls back once per several steps, so "``global_step % n == 0``"
        would miss most multiples; this asks whether ``(global_step - new, global_step]`` holds one."""
        return self.global_step // n > (self.global_step - new) // n


class IntervalCallback(StepCallback):
    """Base of callbacks that report metric means over intervals of steps (one step, or many).

    Keras passes running epoch means to ``on_train_batch_end``; the mean over steps
    ``j+1..k`` of the epoch is recovered exactly as ``(k m_k - j m_j) / (k - j)``
    (:meth:`interval_means`). The last interval's end is part of the checkpoint state
    (:meth:`interval_state`), so a resumed epoch continues from it.
    """

    def __init__(self) -> None:
        super().__init__()
        self._prev: tuple[int, dict[str, float]] = (0, {})
        self._resumed_prev: tuple[int, dict[str, float]] | None = None

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        super().on_epoch_begin(epoch, logs)
        resumed, self._resumed_prev = self._resumed_prev, None
        self._prev = resumed if resumed is not None and self._offset else (0, {})

    def interval_means(self, logs, keys=None) -> dict[str, float]:
        """Means over the steps since the last call in this epoch (all scalar ``logs`` when ``keys`` is None)."""
        logs = logs or {}
        if keys is None:
            keys = [k for k, v in logs.items() if np.ndim(v) == 0]
        j, prev = self._prev
        k = self.step_in_epoch
        now = {key: float(logs.get(key, math.nan)) for key in keys}
        out = {key: (k * now[key] - j * prev.get(key, 0.0)) / (k - j) if k > j else math.nan for key in keys}
        self._prev = (k, now)
        return out

    @property
    def steps_since_interval(self) -> int:
        """Steps of this epoch not yet covered by :meth:`interval_means`."""
        return self.step_in_epoch - self._prev[0]

    def interval_state(self) -> list:
        return [self._prev[0], dict(self._prev[1])]

    def set_interval_state(self, state) -> None:
        self._resumed_prev = (int(state[0]), {k: float(v) for k, v in state[1].items()})
