"""Keras callbacks for GAN training: sample grids, loss curves, CSV history, checkpoints.

Every file is written atomically (temporary name, then rename).
"""

from __future__ import annotations

import csv
import io
import math
import os
from typing import Any

import keras
import numpy as np

from .images import save_grid
from .io import atomic_path, write_text


class SampleGrid(keras.callbacks.Callback):
    """Save a grid of generated images from a fixed noise batch after every epoch.

    Files: ``{out_dir}/epoch_{epoch:04d}.png`` (epochs counted from 1).
    The noise is drawn once from ``numpy.random.default_rng(seed)`` so the
    grids of successive epochs show the same latent points. For a conditional
    model each row is one class (label 0 on top) and each column one noise
    vector, so a column shows one "style" across classes.
    """

    def __init__(self, out_dir: str, n_images: int = 64, seed: int = 0, every_n_epochs: int = 1,
                 scale: int = 2) -> None:
        super().__init__()
        if n_images < 1 or every_n_epochs < 1:
            raise ValueError("n_images and every_n_epochs must be >= 1.")
        self.out_dir = out_dir
        self.n_images = n_images
        self.seed = seed
        self.every_n_epochs = every_n_epochs
        self.scale = scale
        self.noise: np.ndarray | None = None
        self.paths: list[str] = []

        self.labels: np.ndarray | None = None
        self.columns: int | None = None

    def on_train_begin(self, logs=None) -> None:
        if self.noise is not None:
            return
        rng = np.random.default_rng(self.seed)
        cond = getattr(self.model, "conditioning", None)
        if cond is not None and cond.needs_labels:
            k = max(1, self.n_images // cond.num_classes)
            z = rng.standard_normal((k, self.model.latent_dim)).astype(np.float32)
            self.noise = np.tile(z, (cond.num_classes, 1))
            self.labels = np.repeat(np.arange(cond.num_classes, dtype=np.int32), k)
            self.columns = k
        else:
            self.noise = rng.standard_normal((self.n_images, self.model.latent_dim)).astype(np.float32)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if (epoch + 1) % self.every_n_epochs:
            return
        images = np.asarray(self.model.generate(self.noise, labels=self.labels, training=False))
        path = os.path.join(self.out_dir, f"epoch_{epoch + 1:04d}.png")
        self.paths.append(save_grid(images, path, nrow=self.columns, scale=self.scale))


class CodeTraversal(keras.callbacks.Callback):
    """InfoGAN: one grid per latent code after every epoch, with everything else held fixed.

    ``{out_dir}/epoch_NNNN_categorical.png``: row ``i`` sets the categorical code to
    category ``i``; ``{out_dir}/epoch_NNNN_continuous_J.png``: columns sweep continuous
    code ``J`` over ``values`` (other continuous codes 0, category 0). Each column (or
    row) keeps one noise vector, so only the code changes along the sweep.
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
        z = np.random.default_rng(self.seed).standard_normal((self.n_noise, self.model.latent_dim)).astype("float32")
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


class HistoryCSV(keras.callbacks.Callback):
    """Write the epoch logs to a CSV file, rewritten atomically after each epoch.

    Unlike ``keras.callbacks.CSVLogger`` a crash never leaves a half-written
    file; with ``append=True`` rows of an earlier run are kept.
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


class LossCurves(keras.callbacks.Callback):
    """Record ``d_loss``/``g_loss`` per step and plot them to a PNG.

    Keras passes running epoch means to ``on_train_batch_end``; the per-step
    value is recovered exactly as ``k m_k - j m_j`` over ``k - j`` steps (the
    mean over the steps of one execution when ``steps_per_execution > 1``).
    A dashed line marks the discriminator loss at the theoretical equilibrium
    ``p_g = p_data`` (``2 ln 2`` for BCE, ``(b - a)^2 / 4`` for LSGAN, 2 for
    hinge) when the model defines one.
    """

    def __init__(self, path: str, keys: tuple[str, ...] = ("d_loss", "g_loss"), every_n_epochs: int = 1,
                 smoothing: int = 25) -> None:
        super().__init__()
        self.path = path
        self.keys = keys
        self.every_n_epochs = every_n_epochs
        self.smoothing = smoothing
        self.steps: list[int] = []
        self.values: dict[str, list[float]] = {k: [] for k in keys}
        self._global_step = 0
        self._prev: tuple[int, dict[str, float]] = (0, {})

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self._prev = (0, {})

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        logs = logs or {}
        k = batch + 1
        j, prev = self._prev
        if k <= j:
            return
        self._global_step += k - j
        self.steps.append(self._global_step)
        for key in self.keys:
            m_k = float(logs.get(key, math.nan))
            m_j = prev.get(key, 0.0)
            self.values[key].append((k * m_k - j * m_j) / (k - j))
        self._prev = (k, {key: float(logs.get(key, math.nan)) for key in self.keys})

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if (epoch + 1) % self.every_n_epochs == 0:
            self.plot()

    def on_train_end(self, logs=None) -> None:
        self.plot()

    def plot(self) -> str | None:
        """Draw the curves now; returns the PNG path (None before the first step)."""
        if not self.steps:
            return None
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
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
        fig.tight_layout()
        with atomic_path(self.path, suffix=".png") as tmp:
            fig.savefig(tmp, format="png")
        plt.close(fig)
        return self.path


class GANCheckpoint(keras.callbacks.Callback):
    """Save the whole GAN (``.keras``: networks, optimizer states, config) after each epoch.

    Files ``{out_dir}/epoch_{epoch:04d}.keras`` are written atomically; only the
    newest ``keep`` are kept, and ``{out_dir}/latest.txt`` names the newest.
    """

    def __init__(self, out_dir: str, keep: int = 2) -> None:
        super().__init__()
        if keep < 1:
            raise ValueError("keep must be >= 1.")
        self.out_dir = out_dir
        self.keep = keep
        self.saved: list[str] = []

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        path = os.path.join(self.out_dir, f"epoch_{epoch + 1:04d}.keras")
        with atomic_path(path, suffix=".keras") as tmp:
            self.model.save(tmp)
        write_text(os.path.join(self.out_dir, "latest.txt"), os.path.basename(path) + "\n")
        self.saved.append(path)
        while len(self.saved) > self.keep:
            old = self.saved.pop(0)
            if os.path.exists(old):
                os.remove(old)


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
    network : {"fid-inception", "keras-imagenet", "mnist-classifier"}
        ``fid-inception`` is the standard FID; ``mnist-classifier`` is fast and
        meaningful for MNIST-like data only.
    """

    def __init__(self, every_n_epochs: int = 1, n_samples: int = 2000, real: str = "mnist",
                 network: str = "fid-inception", split: str = "train", batch_size: int = 100, seed: int = 0,
                 data_dir: str | None = None) -> None:
        super().__init__()
        if every_n_epochs < 1 or n_samples < 2:
            raise ValueError("every_n_epochs must be >= 1 and n_samples >= 2.")
        self.every_n_epochs, self.n_samples, self.real, self.network = every_n_epochs, n_samples, real, network
        self.split, self.batch_size, self.seed, self.data_dir = split, batch_size, seed, data_dir
        self.featurizer = None
        self.reference = None
        self.history: list[tuple[int, float]] = []

    def compute(self) -> float:
        """FID of ``n_samples`` generated images against the real statistics."""
        from .metrics import evaluate, frechet

        if self.featurizer is None:
            self.featurizer = evaluate.Featurizer(self.network)
            self.reference = evaluate.reference_statistics(self.real, self.featurizer, self.n_samples, self.split,
                                                           self.data_dir)
        rng = np.random.default_rng(self.seed)
        bar = keras.utils.Progbar(self.n_samples, unit_name="image")
        feats = []
        for start in range(0, self.n_samples, self.batch_size):
            k = min(self.batch_size, self.n_samples - start)
            z = rng.standard_normal((k, self.model.latent_dim)).astype(np.float32)
            cond = getattr(self.model, "conditioning", None)
            labels = ((np.arange(k) + start) % cond.num_classes).astype(np.int32) if (
                cond is not None and cond.needs_labels) else None
            feats.append(self.featurizer(np.asarray(self.model.generate(z, labels=labels))))
            bar.add(k)
        f = np.concatenate(feats)
        return float(frechet.frechet_distance(self.reference.mu, self.reference.sigma, f.mean(0),
                                              np.cov(f, rowvar=False)))

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if (epoch + 1) % self.every_n_epochs:
            return
        fid = self.compute()
        self.history.append((epoch + 1, fid))
        if logs is not None:
            logs["fid"] = fid
