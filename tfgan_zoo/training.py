"""End-to-end training run: data -> networks -> GAN -> fit -> files.

``scripts/train.py`` is a thin command line over :func:`run`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from typing import TYPE_CHECKING, Any

import keras

from . import callbacks as cb
from . import data, distribute, models, nets
from .config import TrainConfig
from .export import export_generator
from .io import write_text
from .precision import set_precision
from .shapes import upsampling_plan

if TYPE_CHECKING:
    import tensorflow as tf


def open_data(cfg: TrainConfig) -> tuple[Any, tuple[int, int, int], int | None]:
    """The training dataset of ``cfg``, its image shape and (conditional runs) its number of classes.

    The shape is found first, cheaply (image headers, dataset metadata), and checked
    against the architecture, so a size the DCGAN cannot produce is refused before
    any image is decoded.
    """
    shape = data.image_shape(cfg.dataset, cfg.image_size, cfg.channels, cfg.data_dir)
    if cfg.arch == "dcgan":
        if shape[0] != shape[1]:
            raise ValueError(f"The DCGAN networks need square images, the data is {shape[1]}x{shape[0]}; "
                             "pass --image-size N to resize and centre-crop it.")
        upsampling_plan(shape[0])
    labelled = cfg.conditioning not in (None, "infogan")
    ds = data.load(cfg.dataset, split="train", image_size=cfg.image_size, channels=cfg.channels,
                   batch_size=cfg.batch_size, seed=cfg.seed, data_dir=cfg.data_dir, skip_corrupt=cfg.skip_corrupt,
                   with_labels=labelled)
    num_classes = data.num_classes(cfg.dataset, cfg.data_dir) if labelled else None
    return ds, shape, num_classes


def build_model(cfg: TrainConfig, image_shape: tuple[int, int, int] | None = None,
                num_classes: int | None = None) -> models.GAN:
    """Networks and compiled GAN for ``cfg`` (precision policy must already be set).

    Call it inside ``strategy.scope()`` to train with a distribution strategy; with more
    than one replica the batch-normalization layers are synchronized across replicas.
    """
    kwargs = {} if cfg.arch == "mlp" else {"norm": None if cfg.d_norm == "none" else cfg.d_norm}
    shape = image_shape or data.image_shape(cfg.dataset, cfg.image_size, cfg.channels, cfg.data_dir)
    if cfg.conditioning not in (None, "infogan") and num_classes is None:
        num_classes = data.num_classes(cfg.dataset, cfg.data_dir)
    codes = (cfg.info_categorical, cfg.info_continuous)
    g, d = nets.build(cfg.arch, shape, cfg.latent_dim, conditional=cfg.conditioning, num_classes=num_classes,
                      info_codes=codes, **kwargs)
    if distribute.num_replicas() > 1:  # under a strategy's scope: batch statistics of the global batch
        distribute.synchronize_batch_norm(g, d)
    gan = models.build_gan(cfg.loss, g, d, latent_dim=cfg.latent_dim, n_critic=cfg.n_critic, seed=cfg.seed,
                           constraint=cfg.constraint, clip_value=cfg.clip_value, penalty=cfg.penalty,
                           penalty_weight=cfg.penalty_weight, ema=cfg.ema, conditional=cfg.conditioning,
                           num_classes=num_classes, info_categorical=codes[0], info_continuous=codes[1],
                           info_weight=cfg.info_weight)
    d_opt, g_opt = gan.default_optimizers()
    if cfg.lr_d is not None:
        d_opt.learning_rate = cfg.lr_d
    if cfg.lr_g is not None:
        g_opt.learning_rate = cfg.lr_g
    gan.compile(d_optimizer=d_opt, g_optimizer=g_opt, jit_compile=cfg.keras_jit_compile)
    return gan


def run(cfg: TrainConfig, verbose: int | str = "auto", prepared: tuple | None = None,
        strategy: tf.distribute.Strategy | None = None) -> dict[str, Any]:
    """Train and write into ``cfg.out``.

    Files: ``config.json``, ``samples/epoch_NNNN.png``, ``history.csv``,
    ``curves.png``, ``checkpoints/epoch_NNNN.keras``, ``generator/``
    (SavedModel) and ``summary.json`` (wall time, throughput, final metrics).
    ``prepared`` is the result of :func:`open_data` when the caller already has it.
    ``strategy`` (default: ``distribute.make_strategy(cfg.strategy)``, made before ``prepared``
    for a multi-worker run) holds the model; ``cfg.batch_size`` is the global batch. Only the
    chief writes into ``cfg.out``; other workers write into a temporary folder, removed at the end.
    """
    cfg.validate()
    strategy = distribute.make_strategy(cfg.strategy) if strategy is None else strategy
    distribute.check_global_batch(cfg.batch_size, strategy)
    ds, shape, num_classes = prepared or open_data(cfg)
    out = distribute.worker_output_dir(cfg.out, strategy)
    os.makedirs(out, exist_ok=True)
    write_text(os.path.join(out, "config.json"), json.dumps(dataclasses.asdict(cfg), indent=2) + "\n")
    set_precision(cfg.precision)
    keras.utils.set_random_seed(cfg.seed)
    with strategy.scope():
        gan = build_model(cfg, shape, num_classes)
    callbacks = [] if cfg.fid_every is None else [cb.FIDCallback(
        cfg.fid_every, cfg.fid_samples, real=cfg.dataset, network=cfg.fid_network, seed=cfg.seed,
        data_dir=cfg.data_dir)]  # first, so the CSV and summary get the fid column
    callbacks += [
        cb.SampleGrid(os.path.join(out, "samples"), n_images=cfg.n_samples, seed=cfg.seed),
        cb.HistoryCSV(os.path.join(out, "history.csv")),
        cb.LossCurves(os.path.join(out, "curves.png")),
        cb.GANCheckpoint(os.path.join(out, "checkpoints")),
    ]
    if cfg.infogan:
        callbacks.append(cb.CodeTraversal(os.path.join(out, "traversals"), seed=cfg.seed))
    if verbose == "auto":
        verbose = 1 if sys.stdout.isatty() else 2
    t0 = time.perf_counter()
    history = gan.fit(ds, epochs=cfg.epochs, steps_per_epoch=cfg.steps_per_epoch, callbacks=callbacks,
                      verbose=verbose, shuffle=False)  # the dataset shuffles itself
    wall = time.perf_counter() - t0
    export_generator(gan.sampling_generator, os.path.join(out, "generator"))
    grid = next(c for c in callbacks if isinstance(c, cb.SampleGrid))
    curves = next(c for c in callbacks if isinstance(c, cb.LossCurves))
    steps = curves.steps[-1] if curves.steps else 0
    summary = {
        "wall_time_s": round(wall, 2),
        "generator_steps": steps,
        "images_per_s": round(steps * cfg.batch_size / wall, 1) if wall > 0 else None,
        "final": {k: float(v[-1]) for k, v in history.history.items()},
        "equilibrium_d_loss": gan.equilibrium_d_loss,
        "replicas": distribute.num_replicas(strategy),
        "samples": grid.paths[-1] if grid.paths else None,
    }
    write_text(os.path.join(out, "summary.json"), json.dumps(summary, indent=2) + "\n")
    distribute.remove_worker_output_dir(out, cfg.out)
    return summary
