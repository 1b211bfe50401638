"""Train pix2pix or CycleGAN on a translation source, with the outputs and guarantees of a GAN run:
``train.py --model pix2pix``. :class:`TranslationTrainer` is what is particular to these models; the run itself
(claim, step checkpoints, resume, SIGTERM, full disk, divergence guard, TensorBoard, progress lines) is
:mod:`tfgan_zoo.lifecycle`'s, the same as a GAN's.

Files in ``out``: ``config.json``; ``samples/epoch_NNNN.png`` (8 fixed test inputs: rows input | output | target
for pix2pix; for CycleGAN a | G(a) | F(G(a)) and b | F(b) | G(F(b))); ``history.csv``; ``curves.png``;
``checkpoints/`` (``epoch_NNNN.keras`` after every epoch and ``step_NNNNNNNN.keras`` every ``checkpoint_every``
steps: the model with its optimizers, image pools and seed state, plus ``.json`` with the position, size and
SHA-256, written by :class:`~tfgan_zoo.callbacks.GANCheckpoint`; the newest ``keep_checkpoints`` are kept);
``tensorboard/``; ``generator/`` (SavedModel: pix2pix ``serve(images)``; CycleGAN
``a_to_b`` (also ``serve``) and ``b_to_a``); ``metrics.json`` and ``summary.json``.

Metrics (:mod:`tfgan_zoo.metrics.translation`): on the first ``n_eval`` pairs of the source's test split, whose
true mapping is known (for CycleGAN the paired test split: each translated A against the B of the same image),
L1 and SSIM against the target and, for MNIST sources, the share of translations the committed MNIST classifier
reads as the input's digit.

``resume=True`` continues from the newest intact checkpoint, mid-epoch ones included (a truncated or corrupt newer
one is skipped with a warning): the weights, optimizers (and their step counts, hence the learning-rate schedule),
pools and seed state are loaded, and the data stream is the uninterrupted one's from that step on (a seeded
stream, skipped ahead), so the run ends as an uninterrupted one would (bitwise with ``deterministic``).
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from . import checkpointing, data, lifecycle
from .callbacks import TranslationGrid
from .callbacks.samples import translation_grid
from .choices import TRANSLATION_DEFAULT_LOSS as DEFAULT_LOSS  # noqa: F401 - former home
from .choices import TRANSLATION_MODELS as MODELS  # noqa: F401 - former home
from .config import TranslationConfig
from .images import save_png
from .io import atomic_path, write_text
from .lifecycle import Prepared


def _build(cfg: TranslationConfig, shape, total_steps: int) -> keras.Model:
    from . import models
    from .models.translation import ConstantThenLinearDecay
    from .nets.translation import cyclegan_generator, patchgan_discriminator, unet_generator

    small = shape[0] <= 64
    width = cfg.width or (32 if small else 64)
    layers_ = cfg.patch_layers or (2 if small else 3)
    common = dict(loss=cfg.resolved_loss, constraint=cfg.constraint, penalty=cfg.penalty,
                  penalty_weight=cfg.penalty_weight, seed=cfg.seed)
    if cfg.model == "pix2pix":
        model = models.Pix2Pix(unet_generator(shape, width=width),
                               patchgan_discriminator(shape, width=width, n_layers=layers_, conditional=True),
                               l1_weight=cfg.l1_weight, **common)
    else:
        g = [cyclegan_generator(shape, width=width, n_blocks=cfg.n_blocks, name=n) for n in ("generator_ab",
                                                                                          "generator_ba")]
        d = [patchgan_discriminator(shape, width=width, n_layers=layers_, name=n) for n in ("discriminator_a",
                                                                                          "discriminator_b")]
        model = models.CycleGAN(*g, *d, cycle_weight=cfg.cycle_weight, identity_weight=cfg.identity_weight,
                                pool_size=cfg.pool_size, **common)
    lr: Any = cfg.lr
    if cfg.lr_decay == "linear":
        lr = ConstantThenLinearDecay(cfg.lr, total_steps // 2, total_steps - total_steps // 2)
    model.compile(d_optimizer=keras.optimizers.Adam(lr, beta_1=0.5, name="d_adam"),
                  g_optimizer=keras.optimizers.Adam(lr, beta_1=0.5, name="g_adam"))
    return model


def save_samples(model, a, b, path: str) -> str:
    """The sample grid of a translation model (module docstring) as one PNG."""
    return save_png(translation_grid(model, a, b), path, scale=2)


def latest_checkpoint(out: str) -> checkpointing.Checkpoint | None:
    """The newest intact checkpoint of ``out/checkpoints`` (:func:`tfgan_zoo.checkpointing.latest_good`: a newer
    truncated or corrupt one is skipped with a warning), or None when there is none."""
    return checkpointing.latest_good(os.path.join(out, "checkpoints"))


def export_translator(model, path: str) -> str:
    """A SavedModel of the trained generator(s), atomically: pix2pix ``serve(images)``; CycleGAN ``a_to_b`` (also
    ``serve``) and ``b_to_a``. Images float32 ``[batch, h, w, c]`` in [-1, 1] in and out."""
    archive = keras.export.ExportArchive()
    pairs = [("serve", model.generator)] if not hasattr(model, "generator_ab") else [
        ("serve", model.generator_ab), ("a_to_b", model.generator_ab), ("b_to_a", model.generator_ba)]
    def endpoint(g):
        def fn(x):
            return tf.clip_by_value(tf.cast(g(x, training=False), tf.float32), -1.0, 1.0)
        return fn

    for name, g in pairs:
        archive.track(g)
        spec = [tf.TensorSpec([None, *g.input_shape[1:]], tf.float32, name="images")]
        archive.add_endpoint(name=name, fn=endpoint(g), input_signature=spec)
    with atomic_path(path) as tmp:
        archive.write_out(tmp, verbose=False)
        with open(os.path.join(tmp, "tfgan_zoo_translator.json"), "w", encoding="utf-8") as f:
            json.dump({"model": model.name, "endpoints": [n for n, _ in pairs],
                       "image_shape": [int(s) for s in model.call(tf.zeros((1, *pairs[0][1].input_shape[1:])))
                                       .shape[1:]]}, f, indent=2)
    return path


def evaluate(model, cfg: TranslationConfig, test: tuple | None = None) -> dict:
    """L1, SSIM and (MNIST sources) label preservation on the test split's known mapping (module docstring);
    ``test`` is that split's ``(a, b, labels)`` when the caller has read it."""
    from .metrics.translation import translation_report

    source, split = cfg.pairs, _test_split(cfg)
    a, b, labels = test if test is not None else data.pair_arrays(source, split=split, paired=True,
                                                                  data_dir=cfg.data_dir, image_size=cfg.image_size)
    a, b = a[:cfg.n_eval], b[:cfg.n_eval]
    labels = None if labels is None or not str(source).startswith("mnist") else labels[:cfg.n_eval]
    out = np.concatenate([model.translate(a[i:i + 250]).numpy() if not hasattr(model, "generator_ab")
                          else model.translate(a[i:i + 250], "a_to_b").numpy() for i in range(0, len(a), 250)])
    report = translation_report(out, b, labels=labels, padded=False)
    report.update(split=split, source=str(source), n_pairs=int(len(a)))
    return report



def _test_split(cfg: TranslationConfig) -> str:
    """The split with the known mapping: the built-in sources' test split; a folder has only one."""
    return "test" if not os.path.isdir(str(cfg.pairs)) else "train"


class TranslationTrainer(lifecycle.Trainer):
    """pix2pix or CycleGAN (:class:`~tfgan_zoo.config.TranslationConfig`) for :func:`tfgan_zoo.lifecycle.run`:
    the pair stream, the compiled model, the test-input grid, the exported translator and the metrics."""

    cfg: TranslationConfig

    def __init__(self, cfg: TranslationConfig) -> None:
        super().__init__(cfg)
        self.curve_keys = ("d_loss", "g_loss", "l1") if cfg.model == "pix2pix" else ("d_loss", "g_loss", "cycle")
        self.source = data.PairSource(cfg.pairs, cfg.data_dir, cfg.image_size)  # each split read once per run

    @functools.cached_property
    def test_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The paired test split in [-1, 1], made once: the grid's inputs and the metrics' pairs."""
        return self.source.arrays(_test_split(self.cfg), paired=True)

    def open_data(self, start: int) -> Prepared:
        cfg = self.cfg
        paired = cfg.model == "pix2pix"
        n, shape = self.source.examples("train", paired=paired)
        per_pass = n // cfg.batch_size
        if per_pass < 1:
            raise ValueError(f"--batch-size {cfg.batch_size} is larger than the {n} training pairs; lower it.")
        ds = self.source.dataset("train", batch_size=cfg.batch_size, paired=paired, seed=cfg.seed).repeat().skip(start)
        return Prepared(ds, shape, None, per_pass, start)

    def build(self, prepared: Prepared, total_steps: int) -> keras.Model:
        return _build(self.cfg, prepared.image_shape, total_steps)

    def callbacks(self, model: keras.Model, out: str) -> tuple[list, list, Any]:
        a, b, _ = self.test_pairs
        grid = TranslationGrid(os.path.join(out, "samples"), a[:8], b[:8])
        return [grid], [], grid

    def finish(self, model: keras.Model, out: str, summary: dict, strategy: tf.distribute.Strategy) -> None:
        """``generator/`` (:func:`export_translator`), ``metrics.json`` (:func:`evaluate`) and their summary."""
        cfg = self.cfg
        export_translator(model, os.path.join(out, "generator"))
        metrics = evaluate(model, cfg, self.test_pairs)
        write_text(os.path.join(out, "metrics.json"), json.dumps(metrics, indent=2) + "\n")
        summary.update(model=cfg.model, pairs=str(cfg.pairs), loss=cfg.resolved_loss, epochs=cfg.epochs,
                       steps_per_epoch=cfg.steps_per_epoch or None,
                       metrics={k: metrics[k] for k in ("l1", "ssim", "label_preservation") if k in metrics},
                       generator=os.path.join(out, "generator"))


def run(cfg: TranslationConfig, resume: bool = False, verbose: int | str = "auto") -> dict:
    """Train ``cfg.model`` on ``cfg.pairs`` and write the files of the module docstring; returns the summary
    (:func:`tfgan_zoo.training.run` with a :class:`~tfgan_zoo.config.TranslationConfig` does the same)."""
    return lifecycle.run(TranslationTrainer(cfg), verbose=verbose, resume=resume)
