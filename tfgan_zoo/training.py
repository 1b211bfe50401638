"""End-to-end training run: data -> networks -> GAN -> fit -> files.

``scripts/train.py`` is a thin command line over :func:`run`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from typing import Any

import keras

from . import callbacks as cb
from . import data, models, nets
from .export import export_generator
from .io import write_text
from .choices import D_NORMS
from .precision import set_precision


@dataclasses.dataclass
class TrainConfig:
    """Everything a run needs; saved as ``config.json`` in the output folder."""

    loss: str = "nsgan"
    arch: str = "dcgan"
    dataset: str = "mnist"
    epochs: int = 1
    steps_per_epoch: int | None = None
    batch_size: int = 32
    latent_dim: int = 100
    lr_d: float | None = None
    lr_g: float | None = None
    n_critic: int | None = None
    precision: str = "float32"
    seed: int = 0
    out: str = "runs/gan"
    jit_compile: bool = True
    n_samples: int = 64
    d_norm: str = "none"

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first invalid field and the valid values."""
        if self.loss not in models.MODELS:
            raise ValueError(f"Unknown loss {self.loss!r}. Valid losses: {', '.join(models.MODELS)}.")
        if self.arch not in nets.ARCHITECTURES:
            raise ValueError(f"Unknown arch {self.arch!r}. Valid architectures: {', '.join(nets.ARCHITECTURES)}.")
        if self.dataset not in data.SOURCES:
            raise ValueError(f"Unknown dataset {self.dataset!r}. Valid datasets: {', '.join(data.SOURCES)}.")
        if self.d_norm not in D_NORMS:
            raise ValueError(f"Unknown d_norm {self.d_norm!r}. Valid values: {', '.join(D_NORMS)}.")
        if self.arch == "mlp" and self.d_norm != "none":
            raise ValueError("d_norm applies to the dcgan discriminator only; drop it or use --arch dcgan.")
        for name in ("epochs", "batch_size", "latent_dim", "n_samples"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}.")
        for name in ("steps_per_epoch", "n_critic"):
            v = getattr(self, name)
            if v is not None and int(v) < 1:
                raise ValueError(f"{name} must be >= 1, got {v}.")
        for name in ("lr_d", "lr_g"):
            v = getattr(self, name)
            if v is not None and not v > 0:
                raise ValueError(f"{name} must be > 0, got {v}.")


def build_model(cfg: TrainConfig) -> models.GAN:
    """Networks and compiled GAN for ``cfg`` (precision policy must already be set)."""
    kwargs = {} if cfg.arch == "mlp" else {"norm": None if cfg.d_norm == "none" else cfg.d_norm}
    g, d = nets.build(cfg.arch, data.image_shape(cfg.dataset), cfg.latent_dim, **kwargs)
    gan = models.build_gan(cfg.loss, g, d, latent_dim=cfg.latent_dim, n_critic=cfg.n_critic, seed=cfg.seed)
    d_opt, g_opt = gan.default_optimizers()
    if cfg.lr_d is not None:
        d_opt.learning_rate = cfg.lr_d
    if cfg.lr_g is not None:
        g_opt.learning_rate = cfg.lr_g
    gan.compile(d_optimizer=d_opt, g_optimizer=g_opt, jit_compile=cfg.jit_compile)
    return gan


def run(cfg: TrainConfig, verbose: int | str = "auto") -> dict[str, Any]:
    """Train and write into ``cfg.out``.

    Files: ``config.json``, ``samples/epoch_NNNN.png``, ``history.csv``,
    ``curves.png``, ``checkpoints/epoch_NNNN.keras``, ``generator/``
    (SavedModel) and ``summary.json`` (wall time, throughput, final metrics).
    """
    cfg.validate()
    out = cfg.out
    os.makedirs(out, exist_ok=True)
    write_text(os.path.join(out, "config.json"), json.dumps(dataclasses.asdict(cfg), indent=2) + "\n")
    set_precision(cfg.precision)
    keras.utils.set_random_seed(cfg.seed)
    ds = data.load(cfg.dataset, split="train", batch_size=cfg.batch_size, seed=cfg.seed)
    gan = build_model(cfg)
    callbacks = [
        cb.SampleGrid(os.path.join(out, "samples"), n_images=cfg.n_samples, seed=cfg.seed),
        cb.HistoryCSV(os.path.join(out, "history.csv")),
        cb.LossCurves(os.path.join(out, "curves.png")),
        cb.GANCheckpoint(os.path.join(out, "checkpoints")),
    ]
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    t0 = time.perf_counter()
    history = gan.fit(ds, epochs=cfg.epochs, steps_per_epoch=cfg.steps_per_epoch, callbacks=callbacks,
                      verbose=verbose, shuffle=False)  # the dataset shuffles itself
    wall = time.perf_counter() - t0
    export_generator(gan.generator, os.path.join(out, "generator"), cfg.latent_dim)
    steps = callbacks[2].steps[-1] if callbacks[2].steps else 0
    summary = {
        "wall_time_s": round(wall, 2),
        "generator_steps": steps,
        "images_per_s": round(steps * cfg.batch_size / wall, 1) if wall > 0 else None,
        "final": {k: float(v[-1]) for k, v in history.history.items()},
        "equilibrium_d_loss": gan.equilibrium_d_loss,
        "samples": callbacks[0].paths[-1] if callbacks[0].paths else None,
    }
    write_text(os.path.join(out, "summary.json"), json.dumps(summary, indent=2) + "\n")
    return summary
