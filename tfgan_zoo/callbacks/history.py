"""The run's record: per-epoch CSV history, loss curves and wall-clock time."""

from __future__ import annotations

import csv
import io
import os
import time
from typing import Any

import keras
import numpy as np

from ..io import write_text
from .base import IntervalCallback


class HistoryCSV(keras.callbacks.Callback):
    """Write the epoch logs to a CSV file, rewritten atomically after each epoch.

    Unlike ``keras.callbacks.CSVLogger`` a crash never leaves a half-written
    file; with ``append=True`` rows of an earlier run are kept.

    Parameters
    ----------
    path : str
        The CSV file: a header row, then one row per epoch (``epoch`` counted from 1, then the epoch logs).
    append : bool
        Read the rows of an existing file at ``path`` now and keep them before this run's rows; False
        overwrites the file at the first epoch end.
    """

    def __init__(self, path: str, append: bool = False) -> None:
        super().__init__()
        self.path = path
        self.rows: list[dict[str, Any]] = []
        if append and os.path.isfile(path):
            with open(path, newline="", encoding="utf-8") as f:
                self.rows = list(csv.DictReader(f))

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        row = {"epoch": epoch + 1}
        row.update({k: float(v) for k, v in (logs or {}).items()})
        self.rows.append(row)
        keys: list[str] = []
        for r in self.rows:
            keys += [k for k in r if k not in keys]
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=keys)
        w.writeheader()
        w.writerows(self.rows)
        write_text(self.path, buf.getvalue())

    def get_state(self) -> dict:
        return {"rows": [dict(r) for r in self.rows]}

    def set_state(self, state: dict) -> None:
        """The rows up to the checkpoint (later rows of a crashed run are replaced at the next epoch end)."""
        self.rows = [dict(r) for r in state["rows"]]

    def keep_file_rows(self, up_to_epoch: int) -> None:
        """Take the rows of epochs ``1 .. up_to_epoch`` from the file at ``path`` (a checkpoint that did not
        record the rows, as translation checkpoints before the common lifecycle: they are kept, not lost)."""
        if os.path.isfile(self.path):
            with open(self.path, newline="", encoding="utf-8") as f:
                self.rows = [r for r in csv.DictReader(f) if int(float(r.get("epoch") or 0)) <= int(up_to_epoch)]


class LossCurves(IntervalCallback):
    """Record ``d_loss``/``g_loss`` per step and plot them to a PNG.

    Per-step values come from Keras' running epoch means (:class:`IntervalCallback`;
    the mean over the steps of one execution when ``steps_per_execution > 1``).
    A dashed line marks the discriminator loss at the theoretical equilibrium
    ``p_g = p_data`` (``2 ln 2`` for BCE, ``(b - a)^2 / 4`` for LSGAN, 2 for
    hinge) when the model defines one. With ``path=None`` it only records
    (``steps`` and ``values``, e.g. for :mod:`tfgan_zoo.analysis`).

    Parameters
    ----------
    path : str or None
        The PNG file of the plot; None records the values without plotting.
    keys : tuple of str
        The log keys recorded and plotted, one curve each (a key missing from the logs records NaN).
    every_n_epochs : int
        Redraw the plot after every epoch whose number (counted from 1) is a multiple of this; it is also
        drawn at the end of training.
    smoothing : int
        Window, in recorded steps, of the moving mean drawn over each raw curve (at most the steps recorded;
        1 or less: the raw curves only).
    """

    def __init__(self, path: str | None, keys: tuple[str, ...] = ("d_loss", "g_loss"), every_n_epochs: int = 1,
                 smoothing: int = 25) -> None:
        super().__init__()
        self.path = path
        self.keys = keys
        self.every_n_epochs = every_n_epochs
        self.smoothing = smoothing
        self.steps: list[int] = []
        self.values: dict[str, list[float]] = {k: [] for k in keys}

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        if batch + 1 + self._offset <= self._prev[0]:
            return
        self._advance(batch)
        self.steps.append(self.global_step)
        for key, v in self.interval_means(logs, self.keys).items():
            self.values[key].append(v)

    def get_state(self) -> dict:
        return {"steps": list(self.steps), "values": {k: list(v) for k, v in self.values.items()},
                "prev": self.interval_state()}

    def set_state(self, state: dict) -> None:
        """Per-step values up to the checkpoint, and the running means there (to continue a resumed epoch)."""
        self.steps = [int(s) for s in state["steps"]]
        self.values = {k: [float(x) for x in state["values"].get(k, [])] for k in self.keys}
        self.set_interval_state(state["prev"])

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if (epoch + 1) % self.every_n_epochs == 0:
            self.plot()

    def on_train_end(self, logs=None) -> None:
        self.plot()

    def plot(self) -> str | None:
        """Draw the curves now; returns the PNG path (None before the first step, or without a path).

        Returns
        -------
        str or None
            The PNG's path, or None when nothing was drawn.
        """
        if not self.steps or self.path is None:
            return None
        from ..images import pyplot, save_figure

        fig, ax = pyplot().subplots(figsize=(8, 4.5), dpi=100)
        for key in self.keys:
            v = np.asarray(self.values[key], dtype=np.float64)
            line, = ax.plot(self.steps, v, alpha=0.3, lw=0.8)
            w = min(self.smoothing, len(v))
            if w > 1:
                smooth = np.convolve(v, np.ones(w) / w, mode="valid")
                ax.plot(self.steps[w - 1:], smooth, color=line.get_color(), lw=1.8, label=f"{key} (mean of {w})")
            else:
                line.set_label(key)
        eq = getattr(self.model, "equilibrium_d_loss", None)
        if eq is not None:
            ax.axhline(eq, ls="--", color="k", lw=1, label=f"d_loss at equilibrium = {eq:.4g}")
        ax.set_xlabel("generator step")
        ax.set_ylabel("loss")
        ax.set_title(f"{getattr(self.model, 'loss_name', 'GAN')} losses per step")
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
        return save_figure(fig, self.path, dpi=100, crop=False)


class WallClock(keras.callbacks.Callback):
    """Add ``wall_s`` to the epoch logs: seconds since training started, counting the time of the
    callbacks before it (put it after :class:`FIDCallback`, and the evaluations are included) and
    summed over the sessions of a resumed run (the total is part of the checkpoint state). Lets
    quality be plotted against wall-clock time (``benchmarks/quality.py``)."""

    def __init__(self) -> None:
        super().__init__()
        self.before = 0.0  # seconds of earlier sessions, up to the checkpoint resumed from
        self.total = 0.0  # seconds up to the last epoch end
        self._t0: float | None = None

    def on_train_begin(self, logs=None) -> None:
        self._t0 = time.perf_counter()

    def elapsed(self) -> float:
        return self.before + (time.perf_counter() - self._t0 if self._t0 is not None else 0.0)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self.total = self.elapsed()
        if logs is not None:
            logs["wall_s"] = round(self.total, 2)

    def get_state(self) -> dict:
        return {"wall_s": self.elapsed()}

    def set_state(self, state: dict) -> None:
        self.before = self.total = float(state["wall_s"])
