"""Train pix2pix or CycleGAN on a translation source, with the outputs of a GAN run: ``train.py --model pix2pix``.

Files in ``out``: ``config.json``; ``samples/epoch_NNNN.png`` (8 fixed test inputs: rows input | output | target
for pix2pix; for CycleGAN a | G(a) | F(G(a)) and b | F(b) | G(F(b))); ``history.csv``; ``curves.png``;
``checkpoints/epoch_NNNN.keras`` (after every epoch, the model with its optimizers and image pools, plus ``.json``
with the position, size and SHA-256, written as a GAN run's are by :mod:`tfgan_zoo.checkpointing`; the newest
``keep_checkpoints`` are kept); ``generator/`` (SavedModel: pix2pix ``serve(images)``; CycleGAN
``a_to_b`` (also ``serve``) and ``b_to_a``); ``metrics.json`` and ``summary.json``.

Metrics (:mod:`tfgan_zoo.metrics.translation`): on the first ``n_eval`` pairs of the source's test split, whose
true mapping is known (for CycleGAN the paired test split: each translated A against the B of the same image),
L1 and SSIM against the target and, for MNIST sources, the share of translations the committed MNIST classifier
reads as the input's digit.

``resume=True`` continues from the newest intact epoch checkpoint (a truncated or corrupt newer one is skipped
with a warning): the model, its optimizers (and their step counts,
hence the learning-rate schedule) and pools are loaded, and the data stream is the uninterrupted one's from that
step on (a seeded stream, skipped ahead).
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
import warnings
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from . import checkpointing, data, images
from .callbacks import HistoryCSV, LossCurves
from .io import atomic_path, write_text

MODELS = ("pix2pix", "cyclegan")
DEFAULT_LOSS = {"pix2pix": "nsgan", "cyclegan": "lsgan"}


@dataclasses.dataclass
class TranslationConfig:
    """Settings of a translation run (the ``train.py`` flags that apply to it)."""

    model: str = "pix2pix"
    pairs: str = "mnist-edges"
    loss: str | None = None  # None: pix2pix nsgan, cyclegan lsgan
    epochs: int = 1
    steps_per_epoch: int | None = None
    batch_size: int = 32
    seed: int = 0
    out: str = "runs/pix2pix"
    width: int | None = None  # generator and discriminator width (default 32 for images up to 64 px, else 64)
    patch_layers: int | None = None  # PatchGAN depth (default 2 for images up to 64 px: 34x34 patches; else 3)
    n_blocks: int = 6  # CycleGAN generator residual blocks
    l1_weight: float = 100.0
    cycle_weight: float = 10.0
    identity_weight: float = 0.5
    pool_size: int = 50
    constraint: str = "none"
    penalty: str = "none"
    penalty_weight: float | None = None
    lr: float = 2e-4
    lr_decay: str = "none"  # "linear": constant for the first half of the run, then linearly to 0 (pix2pix/CycleGAN)
    precision: str = "float32"
    image_size: int | None = None
    data_dir: str | None = None
    n_eval: int = 1000
    keep_checkpoints: int = 3

    def validate(self) -> None:
        from .composition import check_combination
        from .data.translation_pairs import PAIR_SOURCES

        if self.model not in MODELS:
            raise ValueError(f"Unknown model {self.model!r}. Valid: gan, {', '.join(MODELS)}.")
        if self.pairs not in PAIR_SOURCES and not os.path.isdir(str(self.pairs)):
            raise ValueError(f"--pairs {self.pairs!r} is neither a built-in source ({', '.join(PAIR_SOURCES)}) nor a "
                             "folder with A/ and B/ sub-folders.")
        if self.loss in ("mmd", "mmd-gp"):
            raise ValueError(f"--loss {self.loss} has a feature-map critic; the translation models need a loss that "
                             "compares real and generated logits (any other --loss).")
        if self.constraint not in ("none", "clip", "sn"):
            raise ValueError(f"--constraint {self.constraint} is not available for --model {self.model} (its "
                             "discriminators score patches); use none, clip or sn.")
        check_combination(self.resolved_loss, self.constraint, self.penalty)
        for name in ("epochs", "batch_size", "n_blocks", "n_eval", "keep_checkpoints"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}.")
        if self.lr_decay not in ("none", "linear"):
            raise ValueError(f"Unknown lr_decay {self.lr_decay!r}. Valid: none, linear.")

    @property
    def resolved_loss(self) -> str:
        return self.loss or DEFAULT_LOSS[self.model]


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


class _Samples(keras.callbacks.Callback):
    """``samples/epoch_NNNN.png`` of fixed test inputs after every epoch."""

    def __init__(self, out: str, a: np.ndarray, b: np.ndarray, first_epoch: int = 0) -> None:
        super().__init__()
        self.out, self.a, self.b, self.first_epoch = out, a, b, first_epoch
        self.last: str | None = None

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self.last = save_samples(self.model, self.a, self.b,
                                 os.path.join(self.out, "samples", f"epoch_{epoch + 1:04d}.png"))


def save_samples(model, a, b, path: str) -> str:
    """The sample grid of a translation model (module docstring) as one PNG."""
    n = len(a)
    if hasattr(model, "generator_ab"):
        fb = model.translate(a, "a_to_b").numpy()
        fa = model.translate(b, "b_to_a").numpy()
        rows = [a, fb, model.translate(fb, "b_to_a").numpy(), b, fa, model.translate(fa, "a_to_b").numpy()]
    else:
        rows = [a, model.translate(a).numpy(), b]
    return images.save_grid(np.concatenate(rows), path, nrow=n)


class _EpochCheckpoint(keras.callbacks.Callback):
    """An epoch-end checkpoint by :func:`tfgan_zoo.checkpointing.write` (atomic, with size and SHA-256 in its
    state file), then the run's older ones pruned to the newest ``keep``: the format and rules of a GAN run."""

    def __init__(self, folder: str, steps_per_epoch: int, run_id: str, keep: int) -> None:
        super().__init__()
        self.folder, self.steps_per_epoch, self.run_id, self.keep = folder, steps_per_epoch, run_id, keep

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        position = checkpointing.Position(epoch + 1, 0, (epoch + 1) * self.steps_per_epoch)
        state = {"run_id": self.run_id, "logs": {k: float(v) for k, v in (logs or {}).items()}}
        ckpt = checkpointing.write(self.folder, position, self.model.save, state)
        checkpointing.prune(self.folder, self.keep, ckpt)


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


def evaluate(model, cfg: TranslationConfig) -> dict:
    """L1, SSIM and (MNIST sources) label preservation on the test split's known mapping (module docstring)."""
    from .metrics.translation import translation_report

    source = cfg.pairs
    split = "test" if not os.path.isdir(str(source)) else "train"
    a, b, labels = data.pair_arrays(source, split=split, paired=True, data_dir=cfg.data_dir,
                                    image_size=cfg.image_size)
    a, b = a[:cfg.n_eval], b[:cfg.n_eval]
    labels = None if labels is None or not str(source).startswith("mnist") else labels[:cfg.n_eval]
    out = np.concatenate([model.translate(a[i:i + 250]).numpy() if not hasattr(model, "generator_ab")
                          else model.translate(a[i:i + 250], "a_to_b").numpy() for i in range(0, len(a), 250)])
    report = translation_report(out, b, labels=labels, padded=False)
    report.update(split=split, source=str(source), n_pairs=int(len(a)))
    return report


def run(cfg: TranslationConfig, resume: bool = False, verbose: int | str = "auto") -> dict:
    """Train ``cfg.model`` on ``cfg.pairs`` and write the files of the module docstring; returns the summary."""
    from .precision import set_precision

    cfg.validate()
    set_precision(cfg.precision)
    keras.utils.set_random_seed(cfg.seed)
    paired = cfg.model == "pix2pix"
    a_all, b_all, _ = data.pair_arrays(cfg.pairs, split="train", paired=paired, data_dir=cfg.data_dir,
                                       image_size=cfg.image_size)
    shape = tuple(int(s) for s in a_all.shape[1:])
    steps = cfg.steps_per_epoch or max(len(a_all), len(b_all)) // cfg.batch_size
    if steps < 1:
        raise ValueError(f"--batch-size {cfg.batch_size} is larger than the {len(a_all)} training pairs.")
    point = latest_checkpoint(cfg.out) if resume else None
    if point is not None and point.position.step:
        raise checkpointing.CheckpointError(f"{point.describe()} is not at an epoch's end; translation runs resume "
                                            "from epoch checkpoints only.")
    start_epoch = point.position.epoch if point else 0
    os.makedirs(cfg.out, exist_ok=True)
    # config.json in train.py's keys, so --resume (and --config) reads it back
    saved = {k: v for k, v in dataclasses.asdict(cfg).items() if k not in ("lr", "n_eval", "loss")}
    saved.update(loss=cfg.resolved_loss, lr_d=cfg.lr, lr_g=cfg.lr)
    write_text(os.path.join(cfg.out, "config.json"), json.dumps(saved, indent=2) + "\n")
    if point:  # latest_good has checked its size and SHA-256
        model = checkpointing.load_model(point.path, f"a {cfg.model} model", verify=False)
    else:
        model = _build(cfg, shape, cfg.epochs * steps)
    ds = data.pairs(cfg.pairs, split="train", batch_size=cfg.batch_size, paired=paired, seed=cfg.seed,
                    data_dir=cfg.data_dir, image_size=cfg.image_size).repeat().skip(start_epoch * steps)
    test_a, test_b, _ = data.pair_arrays(cfg.pairs, split="test" if not os.path.isdir(str(cfg.pairs)) else "train",
                                         paired=True, data_dir=cfg.data_dir, image_size=cfg.image_size)
    samples = _Samples(cfg.out, test_a[:8], test_b[:8])
    keys = ("d_loss", "g_loss", "l1") if paired else ("d_loss", "g_loss", "cycle")
    callbacks = [HistoryCSV(os.path.join(cfg.out, "history.csv"), append=bool(point)),
                 LossCurves(os.path.join(cfg.out, "curves.png"), keys=keys), samples,
                 _EpochCheckpoint(os.path.join(cfg.out, "checkpoints"), steps,
                                  point.state.get("run_id") if point else checkpointing.new_run_id(),
                                  cfg.keep_checkpoints)]
    t0 = time.perf_counter()
    warnings.filterwarnings("ignore", message=".*shuffle=True. was passed")  # Keras, for every tf.data fit
    if start_epoch < cfg.epochs:
        model.fit(ds, epochs=cfg.epochs, initial_epoch=start_epoch, steps_per_epoch=steps, callbacks=callbacks,
                  verbose=verbose)
    wall = time.perf_counter() - t0
    export_translator(model, os.path.join(cfg.out, "generator"))
    metrics = evaluate(model, cfg)
    write_text(os.path.join(cfg.out, "metrics.json"), json.dumps(metrics, indent=2) + "\n")
    summary = {"model": cfg.model, "pairs": str(cfg.pairs), "loss": cfg.resolved_loss, "epochs": cfg.epochs,
               "steps_per_epoch": steps, "generator_steps": int(model.g_optimizer.iterations),
               "wall_time_s": round(wall, 2), "resumed_from": point.path if point else None,
               "metrics": {k: metrics[k] for k in ("l1", "ssim", "label_preservation") if k in metrics},
               "samples": samples.last, "generator": os.path.join(cfg.out, "generator")}
    write_text(os.path.join(cfg.out, "summary.json"), json.dumps(summary, indent=2) + "\n")
    return summary
