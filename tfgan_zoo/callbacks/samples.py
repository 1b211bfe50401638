"""Pictures of the generator during training: fixed-noise sample grids and InfoGAN code traversals."""

from __future__ import annotations

import glob
import os

import keras
import numpy as np

from ..images import make_grid, save_gif, save_grid, save_png
from ..priors import sample_numpy
from .base import _prior


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


def translation_grid(model, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The sample grid of a translation model: pix2pix rows input | output | target; CycleGAN rows a | G(a) |
    F(G(a)) and b | F(b) | G(F(b)).

    Parameters
    ----------
    model : keras.Model
        A :class:`~tfgan_zoo.models.Pix2Pix` or :class:`~tfgan_zoo.models.CycleGAN`.
    a, b : numpy.ndarray
        The fixed test inputs of the two domains, ``(n, h, w, c)`` in [-1, 1], one column each.

    Returns
    -------
    numpy.ndarray
        uint8 ``(H, W, C)``, ``n`` images per row.
    """
    if hasattr(model, "generator_ab"):
        fb = model.translate(a, "a_to_b").numpy()
        fa = model.translate(b, "b_to_a").numpy()
        rows = [a, fb, model.translate(fb, "b_to_a").numpy(), b, fa, model.translate(fa, "a_to_b").numpy()]
    else:
        rows = [a, model.translate(a).numpy(), b]
    return make_grid(np.concatenate(rows), len(a))


class TranslationGrid(keras.callbacks.Callback):
    """Translation models (pix2pix, CycleGAN): ``{out_dir}/epoch_NNNN.png`` of fixed test inputs after every epoch
    (:func:`translation_grid`), the translation counterpart of :class:`SampleGrid`.

    Parameters
    ----------
    out_dir : str
        Folder of the PNG grids (created when missing).
    a, b : numpy.ndarray
        The fixed inputs of the two domains, ``(n, h, w, c)`` in [-1, 1] (pairs of one image for pix2pix).
    scale : int
        Integer factor the PNG is enlarged by, nearest-neighbour pixels.
    """

    def __init__(self, out_dir: str, a: np.ndarray, b: np.ndarray, scale: int = 2) -> None:
        super().__init__()
        self.out_dir, self.a, self.b, self.scale = out_dir, a, b, scale
        self.paths: list[str] = []
        self.last_grid: np.ndarray | None = None

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self.last_grid = translation_grid(self.model, self.a, self.b)
        self.paths.append(save_png(self.last_grid, os.path.join(self.out_dir, f"epoch_{epoch + 1:04d}.png"),
                                   scale=self.scale))

    def get_state(self) -> dict:
        return {"paths": list(self.paths)}

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
