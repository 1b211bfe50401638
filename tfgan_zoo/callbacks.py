"""Keras callbacks for GAN training: sample grids, loss curves, CSV history, checkpoints.

Every file is written atomically (temporary name, then rename). Callbacks with a
``get_state``/``set_state`` pair have their state saved in each checkpoint of
:class:`GANCheckpoint`, so a resumed run continues their files.
"""

from __future__ import annotations

import csv
import glob
import io
import math
import os
import sys
import time
from typing import Any

import keras
import numpy as np

from . import checkpointing
from .checkpointing import Checkpoint, Position
from .images import make_grid, save_gif, save_grid, save_png
from .io import write_text
from .priors import sample_numpy

_MONITORS = ("ProgressLog", "TensorBoardGAN")


def __getattr__(name: str):
    """``callbacks.TensorBoardGAN`` and ``callbacks.ProgressLog`` live in :mod:`tfgan_zoo.monitoring`."""
    if name in _MONITORS:
        from . import monitoring

        return getattr(monitoring, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


class SampleGrid(keras.callbacks.Callback):
    """Save a grid of generated images from a fixed noise batch after every epoch.

    Files: ``{out_dir}/epoch_{epoch:04d}.png`` (epochs counted from 1), and at the end of training
    ``{out_dir}/progress.gif``, the epoch grids as an animation (``gif=False`` to skip it).
    The noise is drawn once from ``numpy.random.default_rng(seed)`` so the
    grids of successive epochs show the same latent points. For a conditional
    model each row is one class (label 0 on top) and each column one noise
    vector, so a column shows one "style" across classes.

    Parameters
    ----------
    out_dir : str
        Folder of the PNG grids and the GIF (created when missing).
    n_images : int
        Images per grid, at least 1; an unconditional grid has ``ceil(sqrt(n_images))`` per row. A conditional
        grid has one row per class of ``max(1, n_images // num_classes)`` images.
    seed : int
        Seed of the fixed noise (drawn from the model's prior), the same latent points in every grid.
    every_n_epochs : int
        Save a grid after every epoch whose number (counted from 1) is a multiple of this, at least 1.
    scale : int
        Integer factor the PNG is enlarged by, nearest-neighbour pixels (1: the images' own size).
    gif : bool
        At the end of training also write ``progress.gif`` from the epoch grids on disk.

    Raises
    ------
    ValueError
        If ``n_images`` or ``every_n_epochs`` is below 1.
    """

    def __init__(self, out_dir: str, n_images: int = 64, seed: int = 0, every_n_epochs: int = 1,
                 scale: int = 2, gif: bool = True) -> None:
        super().__init__()
        if n_images < 1 or every_n_epochs < 1:
            raise ValueError("n_images and every_n_epochs must be >= 1.")
        self.out_dir = out_dir
        self.n_images = n_images
        self.seed = seed
        self.every_n_epochs = every_n_epochs
        self.scale = scale
        self.gif = gif
        self.noise: np.ndarray | None = None
        self.paths: list[str] = []
        self.last_grid: np.ndarray | None = None  # uint8 (H, W, C), the newest epoch's grid

        self.labels: np.ndarray | None = None
        self.columns: int | None = None

    def on_train_begin(self, logs=None) -> None:
        if self.noise is not None:
            return
        rng = np.random.default_rng(self.seed)
        cond = getattr(self.model, "conditioning", None)
        if cond is not None and cond.needs_labels:
            k = max(1, self.n_images // cond.num_classes)
            z = sample_numpy(_prior(self.model), rng, (k, self.model.latent_dim))
            self.noise = np.tile(z, (cond.num_classes, 1))
            self.labels = np.repeat(np.arange(cond.num_classes, dtype=np.int32), k)
            self.columns = k
        else:
            self.noise = sample_numpy(_prior(self.model), rng, (self.n_images, self.model.latent_dim))

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if (epoch + 1) % self.every_n_epochs:
            return
        images = np.asarray(self.model.generate(self.noise, labels=self.labels, training=False))
        path = os.path.join(self.out_dir, f"epoch_{epoch + 1:04d}.png")
        self.last_grid = make_grid(images, self.columns)
        self.paths.append(save_png(self.last_grid, path, scale=self.scale))

    def on_train_end(self, logs=None) -> None:
        if self.gif:
            self.save_progress_gif()

    def save_progress_gif(self, duration_ms: int = 400) -> str | None:
        """``{out_dir}/progress.gif`` from the epoch grids on disk (those of earlier sessions of a resumed
        run included), in epoch order, the last frame held 4 times as long; None without any grid.

        Parameters
        ----------
        duration_ms : int
            How long each frame is shown, in milliseconds (the last one 4 times as long).

        Returns
        -------
        str or None
            The GIF's path, or None when ``out_dir`` holds no epoch grid.
        """
        from PIL import Image

        paths = sorted(glob.glob(os.path.join(self.out_dir, "epoch_[0-9][0-9][0-9][0-9].png")))
        if not paths:
            return None
        frames = []
        for p in paths:
            with Image.open(p) as im:
                frames.append(np.asarray(im.convert("RGB" if im.mode not in ("L",) else "L")))
        if len({f.shape for f in frames}) != 1:  # a resumed run with another grid size: the newest size only
            frames = [f for f in frames if f.shape == frames[-1].shape]
        hold = [duration_ms] * (len(frames) - 1) + [4 * duration_ms]
        return save_gif(frames, os.path.join(self.out_dir, "progress.gif"), duration_ms=hold, scale=1)

    def get_state(self) -> dict:
        return {"paths": list(self.paths)}  # the noise is re-derived from the seed

    def set_state(self, state: dict) -> None:
        self.paths = list(state["paths"])


class CodeTraversal(keras.callbacks.Callback):
    """InfoGAN: one grid per latent code after every epoch, with everything else held fixed.

    ``{out_dir}/epoch_NNNN_categorical.png``: row ``i`` sets the categorical code to
    category ``i``; ``{out_dir}/epoch_NNNN_continuous_J.png``: columns sweep continuous
    code ``J`` over ``values`` (other continuous codes 0, category 0). Each column (or
    row) keeps one noise vector, so only the code changes along the sweep.

    Parameters
    ----------
    out_dir : str
        Folder of the PNG grids (created when missing).
    n_noise : int
        Noise vectors per grid: the columns of the categorical grid, the rows of each continuous one.
    values : sequence of float
        The values each continuous code sweeps over, one column each (default ``-2`` to ``2``).
    seed : int
        Seed of the fixed noise (drawn from the model's prior), the same in every epoch's grids.
    every_n_epochs : int
        Save the grids after every epoch whose number (counted from 1) is a multiple of this.
    scale : int
        Integer factor the PNGs are enlarged by, nearest-neighbour pixels (1: the images' own size).
    """

    def __init__(self, out_dir: str, n_noise: int = 8, values=(-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0),
                 seed: int = 0, every_n_epochs: int = 1, scale: int = 2) -> None:
        super().__init__()
        self.out_dir, self.n_noise, self.values = out_dir, int(n_noise), np.asarray(values, np.float32)
        self.seed, self.every_n_epochs, self.scale = seed, every_n_epochs, scale
        self.paths: list[str] = []

    def traversals(self) -> dict[str, tuple[np.ndarray, int]]:
        """``name -> (images, images per row)`` for every code of the model."""
        cond = self.model.conditioning
        if cond.mode != "infogan":
            raise ValueError("CodeTraversal needs an InfoGAN model (conditional='infogan').")
        z = sample_numpy(_prior(self.model), np.random.default_rng(self.seed), (self.n_noise, self.model.latent_dim))
        n_cont, out = cond.info_continuous, {}
        if cond.info_categorical:
            k = cond.info_categorical
            cat = np.repeat(np.arange(k, dtype=np.int32), self.n_noise)
            cont = np.zeros((k * self.n_noise, n_cont), np.float32)
            out["categorical"] = (self.model.generate(np.tile(z, (k, 1)), codes=(cat, cont)), self.n_noise)
        for j in range(n_cont):
            v = len(self.values)
            cont = np.zeros((self.n_noise * v, n_cont), np.float32)
            cont[:, j] = np.tile(self.values, self.n_noise)
            zz = np.repeat(z, v, axis=0)
            out[f"continuous_{j}"] = (self.model.generate(zz, codes=(np.zeros(len(zz), np.int32), cont)), v)
        return out

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if (epoch + 1) % self.every_n_epochs:
            return
        for name, (images, per_row) in self.traversals().items():
            path = os.path.join(self.out_dir, f"epoch_{epoch + 1:04d}_{name}.png")
            self.paths.append(save_grid(np.asarray(images), path, nrow=per_row, scale=self.scale))

    get_state = SampleGrid.get_state
    set_state = SampleGrid.set_state


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
        from .images import pyplot, save_figure

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


def _value(variable) -> float:
    """A scalar variable's value; under a distribution strategy, the aggregate over the replicas
    (metric totals and counts are sync-on-read sums; assigning one back splits it evenly)."""
    import tensorflow as tf

    return float(tf.convert_to_tensor(getattr(variable, "value", variable)))


class GANCheckpoint(StepCallback):
    """Save the whole GAN with its training state every ``every_n_steps`` steps and after each epoch.

    Each checkpoint is a ``.keras`` file (networks, EMA generator, optimizer states,
    noise seed state; loadable with ``keras.models.load_model``) and a ``.json``
    state (position, metric running means, the ``callbacks``' states, ``metadata``,
    checksum), written atomically in that order (see :mod:`tfgan_zoo.checkpointing`):
    ``{out_dir}/epoch_NNNN.*`` after epoch ``NNNN``, ``{out_dir}/step_NNNNNNNN.*``
    mid-epoch. Only the newest ``keep`` are kept; ``latest.txt`` names the newest.
    A model with non-finite weights is never saved: :class:`~tfgan_zoo.guard.TrainingDiverged`
    is raised instead, naming the last good checkpoint.

    :meth:`resume_from` puts this callback, its ``callbacks`` and the metric running
    means back where a checkpoint left them (the weights are loaded separately, with
    :func:`tfgan_zoo.checkpointing.restore_weights`); the first epoch of the resumed
    ``fit`` (``initial_epoch`` = the checkpoint's epoch) then ends after the steps the
    checkpoint's epoch had left.

    Parameters
    ----------
    out_dir : str
        Folder of the checkpoints.
    keep : int
        How many to keep (at least 1).
    every_n_steps : int, optional
        Also save mid-epoch, every this many (global) steps.
    callbacks : sequence of keras.callbacks.Callback
        The run's other callbacks: those with ``get_state``/``set_state`` are saved
        and restored, :class:`StepCallback` ones resumed at the checkpoint's step.
    metadata : dict, optional
        Stored in every state (e.g. the run's configuration).
    """

    def __init__(self, out_dir: str, keep: int = 2, every_n_steps: int | None = None, callbacks=(),
                 metadata: dict | None = None) -> None:
        super().__init__()
        if keep < 1:
            raise ValueError("keep must be >= 1.")
        if every_n_steps is not None and every_n_steps < 1:
            raise ValueError("every_n_steps must be >= 1 (or None: at epoch ends only).")
        self.out_dir = out_dir
        self.keep = keep
        self.every_n_steps = every_n_steps
        self.callbacks = list(callbacks)
        self.metadata = dict(metadata or {})
        self.metadata.setdefault("run_id", checkpointing.new_run_id())
        self.saved: list[str] = []
        self.last_saved: Checkpoint | None = None
        self._metrics_to_restore: dict | None = None
        self._cut = False

    def _stateful(self) -> dict[str, keras.callbacks.Callback]:
        out: dict[str, keras.callbacks.Callback] = {}
        for c in self.callbacks:
            if hasattr(c, "get_state"):
                key, n = type(c).__name__, 1
                while key in out:
                    n += 1
                    key = f"{type(c).__name__}#{n}"
                out[key] = c
        return out

    def resume_from(self, ckpt: Checkpoint) -> None:
        """Continue after ``ckpt``: positions, callback states and (mid-epoch) the metric running means."""
        self.last_saved = ckpt
        self.metadata["run_id"] = ckpt.state.get("run_id", self.metadata["run_id"])
        for c in [self, *self.callbacks]:
            if isinstance(c, StepCallback):
                c.resume_at(ckpt.position)
        states = ckpt.state.get("callbacks", {})
        for key, c in self._stateful().items():
            if key in states:
                c.set_state(states[key])
        self._metrics_to_restore = ckpt.state.get("metrics") if ckpt.position.step else None

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        super().on_epoch_begin(epoch, logs)
        saved, self._metrics_to_restore = self._metrics_to_restore, None
        if saved and self._offset:  # Keras has just reset the metrics; continue the epoch's running means
            for m in self.model.metrics:
                for v, x in zip(m.variables, saved.get(m.name, ())):
                    v.assign(x)

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        new = self._advance(batch)
        steps = self.params.get("steps") if self.params else None
        last = steps is not None and self.step_in_epoch >= steps
        if last and batch + 1 < steps:  # a resumed epoch: it had only these steps left
            self.model.stop_training = self._cut = True
        n = self.every_n_steps
        if n and not last and self.crossed_multiple(n, new):
            self.save(self.position)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if self._cut:
            self.model.stop_training = self._cut = False
        self.save(Position(epoch + 1, 0, self.global_step))

    def save(self, position: Position) -> Checkpoint:
        """Write a checkpoint at ``position`` now (refused for non-finite weights), then prune old ones."""
        from .guard import check_finite  # guard builds on this module

        check_finite(self.model, position.global_step, self.last_saved)
        state = {
            **self.metadata,
            "steps_per_epoch": self.params.get("steps") if self.params else None,
            "model": {"class": type(self.model).__name__, "latent_dim": getattr(self.model, "latent_dim", None),
                      "image_shape": list(getattr(self.model, "image_shape", ()) or ()) or None},
            "metrics": {m.name: [_value(v) for v in m.variables] for m in self.model.metrics},
            "callbacks": {key: c.get_state() for key, c in self._stateful().items()},
        }
        ckpt = checkpointing.write(self.out_dir, position, self.model.save, state)
        self.last_saved = ckpt
        self.saved.append(ckpt.path)
        checkpointing.prune(self.out_dir, self.keep, ckpt)
        self.saved = [p for p in self.saved if os.path.exists(p)]
        return ckpt


class FIDCallback(keras.callbacks.Callback):
    """Add ``fid`` (generated vs real) to the epoch logs every ``every_n_epochs`` epochs.

    Place it before :class:`HistoryCSV` so the CSV gets the column. The real
    statistics are computed once and cached by protocol
    (:func:`tfgan_zoo.metrics.evaluate.reference_statistics`); generated images
    come from ``model.generate`` (the EMA generator when on; conditional models
    cycle through the labels), ``n_samples`` of them, with a progress bar.

    Parameters
    ----------
    real : str
        Dataset name of the real images (``"mnist"``, ``"fashion_mnist"``, a TFDS name).
    network : {"fid-inception", "keras-imagenet", "mnist-classifier", "fashion-classifier"}
        ``fid-inception`` is the standard FID; ``mnist-classifier`` and ``fashion-classifier``
        are fast, each meaningful for its own dataset only (the other built-in dataset is refused).
    verbose : int
        1 shows a progress bar while generating and embedding, 0 none.
    kid : bool
        Also add ``kid`` (:func:`tfgan_zoo.metrics.kid.kernel_inception_distance` of the same features,
        subsets of ``min(1000, n_samples)``; the real features are cached).
    every_n_epochs : int
        Evaluate after every epoch whose number (counted from 1) is a multiple of this, at least 1.
    n_samples : int
        Generated images per evaluation, at least 2; the real statistics are taken from as many images
        of ``real``.
    split : str
        Split of ``real`` the real images come from (``"train"``, ``"test"``).
    batch_size : int
        Images generated (and embedded) per call.
    seed : int
        Seed of the noise, drawn again from it at each evaluation (the same latent points every time), and
        of the KID subsets.
    data_dir : str, optional
        Where the real dataset's files are (as for :func:`tfgan_zoo.data.load`); None: the default place.

    Raises
    ------
    ValueError
        If ``every_n_epochs`` is below 1, ``n_samples`` below 2, or ``network`` does not fit ``real``.
    """

    def __init__(self, every_n_epochs: int = 1, n_samples: int = 2000, real: str = "mnist",
                 network: str = "fid-inception", split: str = "train", batch_size: int = 100, seed: int = 0,
                 data_dir: str | None = None, verbose: int = 1, kid: bool = False) -> None:
        super().__init__()
        if every_n_epochs < 1 or n_samples < 2:
            raise ValueError("every_n_epochs must be >= 1 and n_samples >= 2.")
        from .metrics.evaluate import check_network_for_dataset

        check_network_for_dataset(network, real)
        self.every_n_epochs, self.n_samples, self.real, self.network = every_n_epochs, n_samples, real, network
        self.split, self.batch_size, self.seed, self.data_dir = split, batch_size, seed, data_dir
        self.featurizer = None
        self.reference = None
        self.verbose = verbose
        self.kid = bool(kid)
        self.real_features = None
        self.last_kid: float | None = None
        self.history: list[tuple[int, float]] = []

    def compute(self) -> float:
        """FID of ``n_samples`` generated images against the real statistics (and, with ``kid``, the KID in
        ``last_kid``).

        Returns
        -------
        float
            The FID: the Fréchet distance between Gaussians fitted to the generated and the real features.
        """
        from .metrics import evaluate, frechet

        if self.featurizer is None:
            self.featurizer = evaluate.Featurizer(self.network)
            if self.kid:  # the features first: the statistics are then taken from them, not from a second pass
                self.real_features = evaluate.reference_features(self.real, self.featurizer, self.n_samples,
                                                                 self.split, self.data_dir)
            self.reference = evaluate.reference_statistics(self.real, self.featurizer, self.n_samples, self.split,
                                                           self.data_dir, features=self.real_features)
        rng = np.random.default_rng(self.seed)
        bar = keras.utils.Progbar(self.n_samples, unit_name="image", verbose=self.verbose)
        feats = []
        for start in range(0, self.n_samples, self.batch_size):
            k = min(self.batch_size, self.n_samples - start)
            z = sample_numpy(_prior(self.model), rng, (k, self.model.latent_dim))
            cond = getattr(self.model, "conditioning", None)
            labels = ((np.arange(k) + start) % cond.num_classes).astype(np.int32) if (
                cond is not None and cond.needs_labels) else None
            feats.append(self.featurizer(np.asarray(self.model.generate(z, labels=labels))))
            bar.add(k)
        f = np.concatenate(feats)
        if self.kid:
            from .metrics.kid import kernel_inception_distance

            self.last_kid = kernel_inception_distance(self.real_features, f, subset_size=min(1000, len(f)),
                                                      seed=self.seed)[0]
        return float(frechet.frechet_distance(self.reference.mu, self.reference.sigma, f.mean(0),
                                              np.cov(f, rowvar=False)))

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if (epoch + 1) % self.every_n_epochs:
            return
        fid = self.compute()
        self.history.append((epoch + 1, fid))
        if logs is not None:
            logs["fid"] = fid
            if self.kid:
                logs["kid"] = float(self.last_kid)


class KeepBest(StepCallback):
    """Export the sampling generator whenever an epoch-end metric improves (lower is better, as FID).

    Quality of GAN samples peaks and then often falls (mode collapse late in training), so
    the last generator is not necessarily the one to keep. Put this callback after the one
    that writes ``logs[monitor]`` (:class:`FIDCallback` writes ``fid``). Each improvement is
    exported atomically to ``path`` (:func:`tfgan_zoo.export.export_generator`), whose
    ``tfgan_zoo_generator.json`` then carries ``"selected": {"metric", "value", "epoch", "step"}``.
    Epochs without the metric, or with a non-finite value, change nothing. The best value so far
    is part of the checkpoint state (``get_state``), so a resumed run compares against the best
    of the steps it continues, not of a crashed run's later ones.

    Parameters
    ----------
    path : str
        Folder of the exported generator (a SavedModel, replaced at each improvement).
    monitor : str
        Key of the epoch logs compared, lower being better (``"fid"``, ``"kid"``).
    """

    def __init__(self, path: str, monitor: str = "fid") -> None:
        super().__init__()
        self.path, self.monitor = path, monitor
        self.best: dict | None = None  # {"metric", "value", "epoch", "step"}

    def on_train_begin(self, logs=None) -> None:
        """A resumed run whose ``path`` holds another export than its restored best (the process died between
        an export and the checkpoint after it) starts over: its next evaluation exports, whatever the value."""
        if self.best is None:
            return
        from .export import read_generator_info

        if read_generator_info(self.path).get("selected") != self.best:
            print(f"warning: {self.path} does not hold the best generator this checkpoint recorded ({self.best}); "
                  "the next evaluation replaces it.", file=sys.stderr)
            self.best = None

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        self._advance(batch)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        value = (logs or {}).get(self.monitor)
        if value is None or not math.isfinite(float(value)):
            return
        if self.best is not None and not float(value) < self.best["value"]:
            return
        from .export import export_generator

        best = {"metric": self.monitor, "value": float(value), "epoch": epoch + 1, "step": self.global_step}
        export_generator(self.model.sampling_generator, self.path, prior=_prior(self.model), selected=best)
        self.best = best

    def get_state(self) -> dict:
        return {"best": dict(self.best) if self.best else None}

    def set_state(self, state: dict) -> None:
        self.best = dict(state["best"]) if state.get("best") else None


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
