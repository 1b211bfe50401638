"""Watching a run: TensorBoard event files and plain log lines for jobs without a terminal.

:class:`TensorBoardGAN` writes every scalar the train step returns (means over each
``every_n_steps`` interval), the learning rates, the epoch-level metrics (``fid``, ...),
the fixed-noise sample grid as an image per epoch and the networks' summaries as text.
A resumed run first cuts the event files back to the checkpoint's step
(:func:`purge_events_after`), so no step is written twice and none is missing.

:class:`ProgressLog` prints one line every ``every_n_steps`` steps, or sooner when
``max_interval_s`` seconds have passed: step, epoch, images/s, the losses and the ETA.
``train.py`` uses it when stdout is not a terminal (a cluster job's log), and the Keras
progress bar on a terminal.
"""

from __future__ import annotations

import glob
import math
import os
import sys
import time
from typing import TextIO

import numpy as np

from .base import IntervalCallback, _prior
from .samples import SampleGrid
from ..images import make_grid
from ..io import atomic_path
from ..priors import sample_numpy

EVENTS_GLOB = "events.out.tfevents.*"


def _learning_rates(model) -> dict[str, float]:
    out = {}
    for name in ("d_optimizer", "g_optimizer"):
        opt = getattr(model, name, None)
        if opt is not None:
            out[f"lr/{name[0]}"] = float(np.asarray(opt.learning_rate))
    return out


def _model_summary(net) -> str:
    lines: list[str] = []
    net.summary(print_fn=lambda line, *a, **k: lines.append(line), line_length=100)
    return "```\n" + "\n".join(lines) + "\n```"  # TensorBoard's text plugin renders markdown


def purge_events_after(log_dir: str | os.PathLike, step: int) -> int:
    """Drop the events with a step after ``step`` from the event files in ``log_dir``; returns how many.

    Each changed file is rewritten under a temporary name, synced and renamed over the old one; a file
    left with no summary at all is removed. A file whose last record was cut off by a crash keeps the
    records before the cut. ``step=-1`` drops every summary (a new run replacing an old one).

    Parameters
    ----------
    log_dir : str or os.PathLike
        The folder of the event files (``EVENTS_GLOB``, not its subfolders).
    step : int
        The last step to keep; -1 keeps none.

    Returns
    -------
    int
        The number of events dropped.
    """
    import tensorflow as tf

    dropped = 0
    for path in sorted(glob.glob(os.path.join(os.fspath(log_dir), EVENTS_GLOB))):
        keep, cut, summaries = [], 0, 0
        try:
            for raw in tf.data.TFRecordDataset(path):
                record = raw.numpy()
                event = tf.compat.v1.Event.FromString(record)
                if event.HasField("summary") and (event.step > step or step < 0):
                    cut += 1
                else:
                    keep.append(record)
                    summaries += event.HasField("summary")
        except tf.errors.DataLossError:  # a record half-written when the process died
            cut += 1
        if cut and not summaries:
            os.remove(path)
        elif cut:
            with atomic_path(path) as tmp:
                with tf.io.TFRecordWriter(tmp) as w:
                    for record in keep:
                        w.write(record)
        dropped += cut
    return dropped


def read_scalars(log_dir: str | os.PathLike) -> dict[str, list[tuple[int, float]]]:
    """``tag -> [(step, value), ...]`` of the scalar summaries in ``log_dir``'s event files (file order).

    Parameters
    ----------
    log_dir : str or os.PathLike
        The folder of the event files.

    Returns
    -------
    dict
        Each tag's ``(step, value)`` pairs, in the order the files hold them.
    """
    import tensorflow as tf

    out: dict[str, list[tuple[int, float]]] = {}
    for path in sorted(glob.glob(os.path.join(os.fspath(log_dir), EVENTS_GLOB))):
        for event in tf.compat.v1.train.summary_iterator(path):
            for v in event.summary.value:
                if v.metadata.plugin_data.plugin_name == "scalars":
                    out.setdefault(v.tag, []).append((int(event.step), float(tf.make_ndarray(v.tensor))))
    return out


class TensorBoardGAN(IntervalCallback):
    """Write a GAN run to TensorBoard event files in ``log_dir`` (``tensorboard --logdir LOG_DIR``).

    Tags: the step's metrics under their own names (``d_loss``, ``g_loss``, ``d_real``, ``d_fake``,
    penalties, ...), ``lr/d`` and ``lr/g``, the epoch-level metrics other callbacks add to the epoch
    logs (``fid``, ``kid``, ``wall_s``) as ``epoch/NAME``, and ``samples``.

    Parameters
    ----------
    log_dir : str
        Folder of the event files.
    every_n_steps : int
        Scalars are written every this many (global) steps, each the mean over the steps since the last
        write, plus the tail of every epoch; steps are the run's global generator steps.
    grid : SampleGrid, optional
        The run's sample-grid callback (put it before this one): its epoch grid is written as the
        ``samples`` image. Without one, a grid of ``n_images`` fixed-noise samples (``seed``) is drawn.
    n_images : int
        Images of the ``samples`` grid drawn without ``grid`` (conditional models cycle through the labels).
    seed : int
        Seed of that grid's fixed noise (drawn from the model's prior), the same latent points every epoch.
    graphs : bool
        Write the generator's and discriminator's ``summary()`` as text at step 0.

    Raises
    ------
    ValueError
        If ``every_n_steps`` is below 1.
    """

    def __init__(self, log_dir: str, every_n_steps: int = 50, grid: SampleGrid | None = None, n_images: int = 64,
                 seed: int = 0, graphs: bool = True) -> None:
        super().__init__()
        if every_n_steps < 1:
            raise ValueError(f"every_n_steps must be >= 1, got {every_n_steps}.")
        self.log_dir = os.fspath(log_dir)
        self.every_n_steps = int(every_n_steps)
        self.grid, self.n_images, self.seed, self.graphs = grid, int(n_images), seed, graphs
        self.writer = None
        self._step_keys: set[str] = set()
        self._noise: np.ndarray | None = None

    def on_train_begin(self, logs=None) -> None:
        import tensorflow as tf

        os.makedirs(self.log_dir, exist_ok=True)
        # a resumed run: what came after its checkpoint goes; a new run: an earlier run's events in the folder go
        purge_events_after(self.log_dir, self.global_step if self.global_step else -1)
        self.writer = tf.summary.create_file_writer(self.log_dir)
        if self.graphs and self.global_step == 0:
            with self.writer.as_default():
                for name in ("generator", "discriminator"):
                    net = getattr(self.model, name, None)
                    if net is not None:
                        tf.summary.text(f"networks/{name}", _model_summary(net), step=0)
            self.writer.flush()

    def _write(self, values: dict[str, float], step: int) -> None:
        import tensorflow as tf

        with self.writer.as_default():
            for key, v in values.items():
                if math.isfinite(v):
                    tf.summary.scalar(key, v, step=step)
        self.writer.flush()

    def _scalars_now(self, logs) -> None:
        means = self.interval_means(logs, sorted(self._step_keys))
        self._write({**means, **_learning_rates(self.model)}, self.global_step)

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        new = self._advance(batch)
        self._step_keys |= {k for k, v in (logs or {}).items() if np.ndim(v) == 0}
        if self.crossed_multiple(self.every_n_steps, new):
            self._scalars_now(logs)

    def _samples(self) -> np.ndarray:
        if self.grid is not None and self.grid.last_grid is not None:
            return self.grid.last_grid
        if self._noise is None:
            self._noise = sample_numpy(_prior(self.model), np.random.default_rng(self.seed),
                                       (self.n_images, self.model.latent_dim))
        cond = getattr(self.model, "conditioning", None)
        labels = (np.arange(self.n_images) % cond.num_classes).astype(np.int32) if cond is not None and \
            cond.needs_labels else None
        return make_grid(np.asarray(self.model.generate(self._noise, labels=labels, training=False)))

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        import tensorflow as tf

        logs = logs or {}
        if self.steps_since_interval:  # the epoch's last steps, since the last write
            self._scalars_now(logs)
        epoch_keys = {f"epoch/{k}": float(v) for k, v in logs.items() if k not in self._step_keys and np.ndim(v) == 0}
        self._write(epoch_keys, self.global_step)
        image = self._samples()
        with self.writer.as_default():
            tf.summary.image("samples", image[None], step=self.global_step)
        self.writer.flush()

    def on_train_end(self, logs=None) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def get_state(self) -> dict:
        return {"prev": self.interval_state(), "step_keys": sorted(self._step_keys)}

    def set_state(self, state: dict) -> None:
        self.set_interval_state(state["prev"])
        self._step_keys = set(state.get("step_keys", ()))


def _losses_first(values: dict[str, float]) -> str:
    """``"d_loss 1.2873 g_loss 0.8120 d_fake ..."``: the losses first, then the other values, each by name."""
    return " ".join(f"{k} {values[k]:.4f}" for k in sorted(values, key=lambda k: (not k.endswith("loss"), k)))


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class ProgressLog(IntervalCallback):
    """One plain line every ``every_n_steps`` steps, or after ``max_interval_s`` seconds, whichever comes first.

    ``step 1200/18760 (6.4%) | epoch 2/20 262/938 | 245.3 img/s | d_loss 1.2873 g_loss 0.8120 ... |
    elapsed 0:04:53 | ETA 1:11:40``: the losses are means over the steps since the previous line,
    the rate counts real samples (``batch_size`` per step) since the previous line and names them by ``unit``
    (``img`` unless given), the ETA divides the steps left by this session's rate. Each epoch end adds a line
    with the epoch logs (``fid`` and the like included). Lines go to ``stream`` (stdout by default) and are
    flushed at once.

    Parameters
    ----------
    every_n_steps : int
        A line every this many (global) steps, at least 1.
    batch_size : int, optional
        Real samples per step, for the rate; None leaves the rate out.
    max_interval_s : float
        Seconds after which a line is written even before ``every_n_steps`` steps (checked at each step end).
    stream : file-like, optional
        Where the lines go (an object with ``write``, as ``sys.stderr`` or an open file); None: stdout.
    keys : tuple of str, optional
        The log keys averaged on each line; None: every scalar of the logs.
    unit : str
        Name of the samples in the rate (``img/s``).

    Raises
    ------
    ValueError
        If ``every_n_steps`` is below 1.
    """

    def __init__(self, every_n_steps: int = 100, batch_size: int | None = None, max_interval_s: float = 30.0,
                 stream: TextIO | None = None, keys: tuple[str, ...] | None = None, unit: str = "img") -> None:
        super().__init__()
        if every_n_steps < 1:
            raise ValueError(f"every_n_steps must be >= 1, got {every_n_steps}.")
        self.every_n_steps, self.batch_size, self.max_interval_s = int(every_n_steps), batch_size, max_interval_s
        self.stream, self.keys, self.unit = stream, keys, unit
        self._t_start = self._t_last = 0.0
        self._step_start = self._step_last = 0
        self.lines: list[str] = []

    def _emit(self, line: str) -> None:
        self.lines.append(line)
        out = self.stream or sys.stdout
        print(line, file=out, flush=True)

    def on_train_begin(self, logs=None) -> None:
        self._t_start = self._t_last = time.perf_counter()
        self._step_start = self._step_last = self.global_step

    def _total_steps(self) -> int | None:
        p = self.params or {}
        return p["epochs"] * p["steps"] if p.get("epochs") and p.get("steps") else None

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        new = self._advance(batch)
        now = time.perf_counter()
        if self.crossed_multiple(self.every_n_steps, new) or now - self._t_last >= self.max_interval_s:
            self._line(logs, now)

    def _line(self, logs, now: float) -> None:
        p = self.params or {}
        total = self._total_steps()
        steps = self.global_step - self._step_last
        dt = max(now - self._t_last, 1e-9)
        parts = [f"step {self.global_step}" + (f"/{total} ({100 * self.global_step / total:.1f}%)" if total else "")]
        parts.append(f"epoch {self.epoch + 1}" + (f"/{p['epochs']}" if p.get("epochs") else "")
                     + f" {self.step_in_epoch}" + (f"/{p['steps']}" if p.get("steps") else ""))
        if self.batch_size:
            parts.append(f"{steps * self.batch_size / dt:.1f} {self.unit}/s")
        means = self.interval_means(logs, self.keys)
        parts.append(_losses_first(means))
        elapsed = now - self._t_start
        done = self.global_step - self._step_start
        eta = (total - self.global_step) * elapsed / done if total and done else math.nan
        parts.append(f"elapsed {_duration(elapsed)}")
        parts.append(f"ETA {_duration(eta)}")
        self._emit(" | ".join(parts))
        self._t_last, self._step_last = now, self.global_step

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        logs = logs or {}
        p = self.params or {}
        values = _losses_first({k: float(v) for k, v in logs.items() if np.ndim(v) == 0})
        self._emit(f"epoch {epoch + 1}" + (f"/{p['epochs']}" if p.get("epochs") else "")
                   + f" done at step {self.global_step} | {values} | elapsed "
                   f"{_duration(time.perf_counter() - self._t_start)}")

    def get_state(self) -> dict:
        return {"prev": self.interval_state()}

    def set_state(self, state: dict) -> None:
        self.set_interval_state(state["prev"])


__all__ = ["ProgressLog", "TensorBoardGAN", "purge_events_after", "read_scalars"]

