"""Train for a wall-clock budget, measuring on a wall-clock schedule: comparisons at equal compute."""

from __future__ import annotations

import time
from typing import Any, Callable

import keras


class TimeBudget(keras.callbacks.Callback):
    """Stop ``fit`` once the training steps have taken ``seconds``; every ``eval_every`` seconds of training call
    ``evaluate(model)`` with the training clock stopped, and keep ``(seconds, steps, value)``.

    The clock counts the time from the start of training to the end of each batch (graph tracing and
    compilation of the first step included: they are part of what an architecture costs) minus the time spent
    in ``evaluate``. ``evaluate`` also runs before the first step (at 0 s) and once more when the budget stops
    the run, so every curve starts at 0 and ends at the budget.

    Parameters
    ----------
    seconds : float
        The training-time budget (> 0).
    eval_every : float or None
        Training seconds between evaluations (> 0); None: only at the start and the end.
    evaluate : callable or None
        ``evaluate(model) -> float``; None records nothing (the callback only stops the run).

    Attributes
    ----------
    train_seconds : float
        Training time so far.
    steps : int
        Batches trained so far.
    records : list of dict
        ``{"seconds", "steps", "value"}`` per evaluation.
    """

    def __init__(self, seconds: float, eval_every: float | None = None,
                 evaluate: Callable[[Any], float] | None = None) -> None:
        super().__init__()
        if not seconds > 0 or (eval_every is not None and not eval_every > 0):
            raise ValueError(f"seconds and eval_every must be > 0, got {seconds} and {eval_every}.")
        self.seconds, self.eval_every, self.evaluate = float(seconds), eval_every, evaluate
        self.train_seconds, self.steps, self.records = 0.0, 0, []
        self._t = 0.0
        self._next = float("inf")

    def _record(self) -> None:
        if self.evaluate is not None:
            self.records.append({"seconds": round(self.train_seconds, 3), "steps": self.steps,
                                 "value": float(self.evaluate(self.model))})

    def on_train_begin(self, logs=None) -> None:
        self.train_seconds, self.steps, self.records = 0.0, 0, []
        self._record()
        self._next = float(self.eval_every) if self.eval_every else float("inf")
        self._t = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None) -> None:
        self.train_seconds += time.perf_counter() - self._t
        self.steps += 1
        if self.train_seconds >= self.seconds:
            self.model.stop_training = True
            self._record()
            self._next = float("inf")
        elif self.train_seconds >= self._next:
            self._record()
            while self._next <= self.train_seconds:
                self._next += float(self.eval_every)
        self._t = time.perf_counter()
