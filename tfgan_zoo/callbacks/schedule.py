"""Schedules driven by metrics: progressive augmentation's level."""

from __future__ import annotations

import math

import keras


class ProgressiveAugmentationSchedule(keras.callbacks.Callback):
    """Add a progressive-augmentation bit whenever an epoch-end metric stops improving (PA-GAN).

    Zhang & Khoreva (2019) augment the discriminator's task when training stagnates, judged by the KID
    between real and generated images. At each epoch end with ``logs[monitor]`` (lower is better; put
    this callback after :class:`FIDCallback`, which writes ``fid`` and, with ``kid=True``, ``kid``): a
    value below ``best * (1 - min_delta)`` is progress; otherwise the stall count grows, and at
    ``patience`` stalls the target level rises by one bit (up to the model's ``progressive_bits``),
    after which the next evaluation is the new baseline. The model fades the new bit in over its
    ``progressive_fade_steps`` (:mod:`tfgan_zoo.progressive`); ``start`` bits are on from the first step.
    Adds ``pa_target`` to the epoch logs; ``events`` lists ``(epoch, level)`` of each change. Its state is part of the checkpoint state.

    Parameters
    ----------
    monitor : str
        Key of the epoch logs judged, lower being better (``"kid"``, ``"fid"``).
    patience : int
        Evaluations in a row without progress that add a bit, at least 1.
    min_delta : float
        Relative improvement that counts as progress, in ``[0, 1)``: a value must be below
        ``best * (1 - min_delta)`` (0: any decrease).
    start : int
        Bits on from the first step, from 0 to the model's ``progressive_bits`` (the model refuses more when
        training begins).

    Raises
    ------
    ValueError
        If ``patience`` is below 1, ``min_delta`` outside ``[0, 1)`` or ``start`` negative.
    """

    def __init__(self, monitor: str = "kid", patience: int = 1, min_delta: float = 0.0, start: int = 0) -> None:
        super().__init__()
        if int(patience) < 1 or not 0.0 <= float(min_delta) < 1.0 or int(start) < 0:
            raise ValueError(f"patience must be >= 1, min_delta in [0, 1) and start >= 0, got {patience}, {min_delta} "
                             f"and {start}.")
        self.monitor, self.patience, self.min_delta = monitor, int(patience), float(min_delta)
        self.best: float | None = None
        self.stalls = 0
        self.target = int(start)  # bits on from the first step (faded in like the others)
        self.events: list[list[int]] = []

    def on_train_begin(self, logs=None) -> None:
        if not getattr(self.model, "progressive_bits", 0):
            raise ValueError("ProgressiveAugmentationSchedule needs a model built with progressive_bits >= 1 (and its "
                             "discriminator with as many extra input channels).")
        self.model.set_progressive_target(self.target)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        value = (logs or {}).get(self.monitor)
        if value is not None and math.isfinite(float(value)):
            value = float(value)
            if self.best is None or value < self.best * (1.0 - self.min_delta):
                self.best, self.stalls = value, 0
            else:
                self.stalls += 1
                if self.stalls >= self.patience and self.target < self.model.progressive_bits:
                    self.target += 1
                    self.model.set_progressive_target(self.target)
                    self.events.append([epoch + 1, self.target])
                    self.best, self.stalls = None, 0
        if logs is not None:
            logs["pa_target"] = float(self.target)

    def get_state(self) -> dict:
        return {"best": self.best, "stalls": self.stalls, "target": self.target, "events": [list(e) for e in self.events]}

    def set_state(self, state: dict) -> None:
        self.best, self.stalls = state["best"], int(state["stalls"])
        self.target, self.events = int(state["target"]), [list(e) for e in state["events"]]
