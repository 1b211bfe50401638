"""End-to-end training run: data -> networks -> GAN -> fit -> files.

``scripts/train.py`` is a thin command line over :func:`run`. The life of a run (claim, resume, checkpoints,
signals, full disk, divergence, logs, summary) is :mod:`tfgan_zoo.lifecycle`'s, the same for every kind of
model; :class:`GANTrainer` is what is particular to a GAN from noise.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from typing import Any

import keras
import tensorflow as tf

from . import callbacks as cb
from . import checkpointing, constraints, data, distribute, lifecycle, models, nets
from .choices import CONV_ARCHITECTURES
from .config import RunConfig, TrainConfig, TranslationConfig
from .export import export_generator
from .lifecycle import DiskFullError, Prepared  # noqa: F401 - public here since before the lifecycle module
from .networks import build_networks
from .runfolder import Claim
from .shapes import upsampling_plan

_last_good = lifecycle.last_good_note


def real_batch_size(cfg: TrainConfig) -> int:
    """Real images one generator step reads: ``cfg.batch_size``, times the critic updates when each has its
    own batch (``cfg.critic_batches == "fresh"``)."""
    return cfg.batch_size * (models.n_critic_of(cfg.loss, cfg.n_critic) if cfg.critic_batches == "fresh" else 1)


def open_data(cfg: TrainConfig, start_batch: int = 0) -> Prepared:
    """The training stream of ``cfg`` from batch ``start_batch`` on, its image shape, (conditional
    runs) its number of classes and its batches per pass.

    The shape is found first, cheaply (image headers, dataset metadata), and checked
    against the architecture, so a size the DCGAN cannot produce is refused before
    any image is decoded. The stream (:func:`tfgan_zoo.data.stream`) depends on
    ``cfg.seed`` only, so a run resumed at step ``k`` gets the batches an
    uninterrupted run gets from step ``k`` on.
    """
    source = data.open(cfg.dataset, cfg.data_dir)  # resolved once; a folder is scanned once for all of this
    shape = source.image_shape(cfg.image_size, cfg.channels)
    if cfg.arch in CONV_ARCHITECTURES:
        if shape[0] != shape[1]:
            raise ValueError(f"The DCGAN networks need square images, the data is {shape[1]}x{shape[0]}; "
                             "pass --image-size N to resize and centre-crop it.")
        upsampling_plan(shape[0])
    if cfg.arch == "resnet" and not (shape[0] == shape[1] and shape[0] in (28, 32, 64, 128)):
        raise ValueError(f"The ResNet networks are built for 32, 64 and 128 pixels (28 padded inside them); the data "
                         f"is {shape[1]}x{shape[0]}. Pass --image-size 32, 64 or 128.")
    labelled = cfg.conditioning not in (None, "infogan")
    ds, per_pass = source.stream(start_batch=start_batch, split="train", image_size=cfg.image_size,
                                 channels=cfg.channels, batch_size=real_batch_size(cfg), seed=cfg.seed,
                                 skip_corrupt=cfg.skip_corrupt, with_labels=labelled)
    num_classes = source.num_classes() if labelled else None
    return Prepared(ds, shape, num_classes, per_pass, start_batch)


def resolve_transpose_impl(cfg: TrainConfig, point: checkpointing.Checkpoint | None = None) -> str:
    """The DCGAN's transposed-convolution implementation for a run: ``"native"`` or ``"subpixel"``.

    A new run resolves ``cfg.transpose_impl`` (``"auto"``: sub-pixel on CPUs, see
    :func:`tfgan_zoo.nets.resolve_transpose_impl`). A resumed run keeps its checkpoint's (runs
    from before the option built native layers): Keras stores weights under class-derived
    names, so they load only into the implementation they were saved from.
    """
    if point is None:
        return nets.resolve_transpose_impl(cfg.transpose_impl)
    saved = point.state.get("config", {}).get("transpose_impl", "native")
    if cfg.transpose_impl not in ("auto", saved):
        raise checkpointing.CheckpointMismatchError(
            f"{point.path} was trained with --transpose-impl {saved}, and its weights load only into layers of "
            f"that implementation (the function is the same); resume without --transpose-impl "
            f"{cfg.transpose_impl}, or start a new run in another --out.")
    return saved


def build_model(cfg: TrainConfig, image_shape: tuple[int, int, int] | None = None,
                num_classes: int | None = None, total_steps: int | None = None) -> models.GAN:
    """Networks and compiled GAN for ``cfg`` (precision policy must already be set).

    ``total_steps`` (generator steps of the whole run) is needed by ``cfg.lr_decay="linear"``
    (default: ``cfg.epochs * cfg.steps_per_epoch``).

    Call it inside ``strategy.scope()`` to train with a distribution strategy; with more
    than one replica the batch-normalization layers are synchronized across replicas.
    """
    shape = image_shape or data.image_shape(cfg.dataset, cfg.image_size, cfg.channels, cfg.data_dir)
    if cfg.conditioning not in (None, "infogan") and num_classes is None:
        num_classes = data.num_classes(cfg.dataset, cfg.data_dir)
    codes = (cfg.info_categorical, cfg.info_continuous)
    g, d = build_networks(cfg, shape, num_classes)
    if distribute.num_replicas() > 1:  # under a strategy's scope: batch statistics of the global batch
        distribute.synchronize_batch_norm(g, d)
    if cfg.constraint == "gran":  # the GAN keeps a network that already carries its constraint
        d = constraints.PiecewiseGradientNormalized(d, k=cfg.gran_k, epsilon=cfg.gran_epsilon)
    gan = models.build_gan(cfg.loss, g, d, latent_dim=cfg.latent_dim, n_critic=cfg.n_critic,
                           critic_batches=cfg.critic_batches, seed=cfg.seed,
                           constraint=cfg.constraint, clip_value=cfg.clip_value, penalty=cfg.penalty,
                           penalty_weight=cfg.penalty_weight, ema=cfg.ema, ema_start=cfg.ema_start, prior=cfg.prior,
                           augment=cfg.augment, conditional=cfg.conditioning,
                           **({"progressive_bits": cfg.progressive_augment,
                               "progressive_fade_steps": cfg.pa_fade_steps} if cfg.progressive_augment else {}),
                           num_classes=num_classes, info_categorical=codes[0], info_continuous=codes[1],
                           info_weight=cfg.info_weight, ac_weight=cfg.ac_weight,
                           ac_fake_weight=cfg.ac_fake_weight,
                           **({"label_smoothing": cfg.label_smoothing} if cfg.label_smoothing else {}),
                           **({"feature_matching": cfg.feature_matching, "feature_layer": cfg.feature_layer}
                              if cfg.feature_matching else {}))
    d_opt, g_opt = gan.default_optimizers()
    if total_steps is None and cfg.steps_per_epoch is not None:
        total_steps = cfg.epochs * cfg.steps_per_epoch
    set_learning_rates(d_opt, g_opt, cfg, total_steps, gan.n_critic)
    gan.compile(d_optimizer=d_opt, g_optimizer=g_opt, jit_compile=cfg.keras_jit_compile)
    return gan


def set_learning_rates(d_opt: keras.optimizers.Optimizer, g_opt: keras.optimizers.Optimizer,
                       cfg: TrainConfig, total_steps: int | None = None, n_critic: int = 1) -> None:
    """``cfg.lr_d``/``cfg.lr_g`` into the optimizers (when set; else they keep the loss's default).

    With ``cfg.lr_decay="linear"`` each rate becomes ``lr(t) = lr0 * max(0, 1 - t / T)`` of the
    optimizer's own update count ``t`` (restored with its checkpoint), with ``T = total_steps`` for
    the generator and ``total_steps * n_critic`` for the discriminator: both reach 0 at the run's
    last step. A resumed run with another ``--epochs`` decays over its new length from where it is.
    """
    for opt, lr, updates in ((d_opt, cfg.lr_d, n_critic), (g_opt, cfg.lr_g, 1)):
        if cfg.lr_decay == "linear":
            if total_steps is None:
                raise ValueError("lr_decay='linear' needs the run's length: pass total_steps (or set "
                                 "steps_per_epoch in the config).")
            current = opt.inner_optimizer if isinstance(opt, keras.optimizers.LossScaleOptimizer) else opt
            schedule = current._learning_rate  # a variable, or the schedule set earlier
            base = lr if lr is not None else float(
                schedule.initial_learning_rate if isinstance(schedule, keras.optimizers.schedules.PolynomialDecay)
                else keras.ops.convert_to_numpy(schedule))
            current.learning_rate = keras.optimizers.schedules.PolynomialDecay(
                base, max(1, int(total_steps) * updates), end_learning_rate=0.0, power=1.0)
        elif lr is not None:
            opt.learning_rate = lr


def _data_failure(cfg: TrainConfig, error: Exception, last_good: checkpointing.Checkpoint | None) -> Exception | None:
    """A read or decode error of a streamed image folder mid-run, as an error naming the files (else None).

    Folders larger than :data:`tfgan_zoo.data.MEMORY_BUDGET_BYTES` are decoded anew each epoch; every file was
    decodable when the run started, so a failure now means a file was damaged, replaced or removed since.
    """
    if not isinstance(data.open(cfg.dataset, cfg.data_dir), data.FolderSource):  # a stat, no scan
        return None
    good = _last_good(last_good, cfg.out)
    try:
        data.check_folder(cfg.dataset)
    except data.CorruptImageError as e:
        listed = ", ".join(e.paths[:5]) + (f" and {len(e.paths) - 5} more" if len(e.paths) > 5 else "")
        return data.CorruptImageError(
            f"Training stopped: {len(e.paths)} image file(s) of {cfg.dataset} can no longer be read: {listed} "
            f"(they were readable when the run started). Restore or replace them, then continue. {good}", e.paths)
    first = str(getattr(error, "message", error)).strip().splitlines()[0]
    return data.CorruptDatasetError(
        f"Training stopped: reading {cfg.dataset} failed ({first}); a file was removed or changed while the run "
        f"was reading it. Put it back, then continue. {good}")


class GANTrainer(lifecycle.Trainer):
    """A GAN from noise (:class:`~tfgan_zoo.config.TrainConfig`) for :func:`tfgan_zoo.lifecycle.run`: its data
    stream, networks and compiled GAN, its sample grid, FID, best-generator and progressive-augmentation
    callbacks, and the exported generator."""

    cfg: TrainConfig

    def open_data(self, start: int) -> Prepared:
        return open_data(self.cfg, start)

    def settle(self, point: checkpointing.Checkpoint | None) -> TrainConfig:
        """``transpose_impl`` resolved (config.json and the checkpoints record the implementation the layers
        have)."""
        if self.cfg.arch not in CONV_ARCHITECTURES:
            return self.cfg
        return dataclasses.replace(self.cfg, transpose_impl=resolve_transpose_impl(self.cfg, point))

    def build(self, prepared: Prepared, total_steps: int) -> models.GAN:
        return build_model(self.cfg, prepared.image_shape, prepared.num_classes, total_steps=total_steps)

    def restore(self, model: models.GAN, point: checkpointing.Checkpoint, total_steps: int) -> None:
        checkpointing.restore_weights(model, point)
        set_learning_rates(model.d_optimizer, model.g_optimizer, self.cfg, total_steps,
                           model.n_critic)  # a resumed run may change them
        model.record_optimizer_config()

    def callbacks(self, model: models.GAN, out: str) -> tuple[list, list, Any]:
        cfg = self.cfg
        before: list = [] if cfg.fid_every is None else [cb.FIDCallback(
            cfg.fid_every, cfg.fid_samples, real=cfg.dataset, network=cfg.fid_network, seed=cfg.seed,
            data_dir=cfg.data_dir, kid=bool(cfg.progressive_augment) and cfg.pa_monitor == "kid")]  # first: fid
        self.keep = None
        if cfg.keep_best:  # after the FID callback, which writes logs["fid"]
            self.keep = cb.KeepBest(os.path.join(out, "generator"), monitor=cfg.keep_best)
            before.append(self.keep)
        if cfg.fid_every is not None:  # wall-clock seconds beside each FID (evaluations included)
            before.append(cb.WallClock())
        if cfg.progressive_augment:  # after the evaluation it follows
            before.append(cb.ProgressiveAugmentationSchedule(cfg.pa_monitor, patience=cfg.pa_patience,
                                                             start=cfg.pa_start))
        grid = cb.SampleGrid(os.path.join(out, "samples"), n_images=cfg.n_samples, seed=cfg.seed)
        after = [cb.CodeTraversal(os.path.join(out, "traversals"), seed=cfg.seed)] if cfg.infogan else []
        return [*before, grid], after, grid

    def images_per_step(self) -> int:
        return real_batch_size(self.cfg)

    def data_failure(self, error: Exception, last_good: checkpointing.Checkpoint | None) -> Exception | None:
        return _data_failure(self.cfg, error, last_good)

    def finish(self, model: models.GAN, out: str, summary: dict, strategy: tf.distribute.Strategy) -> None:
        """``generator/`` (the best evaluation's with ``keep_best``, the last one beside it as
        ``generator_last/``), the equilibrium loss and the replicas in the summary."""
        cfg, keep, steps = self.cfg, self.keep, summary["generator_steps"]
        if keep is None:
            export_generator(model.sampling_generator, os.path.join(out, "generator"), prior=model.prior)
        else:  # generator/ is the best evaluation's; the last one goes beside it
            export_generator(model.sampling_generator, os.path.join(out, "generator_last"), prior=model.prior)
            if keep.best is None:
                print(f"warning: no finite {cfg.keep_best} was computed, so {out}/generator is the last generator "
                      f"(step {steps}).", file=sys.stderr)
                export_generator(model.sampling_generator, os.path.join(out, "generator"), prior=model.prior,
                                 selected={"metric": cfg.keep_best, "value": None, "epoch": cfg.epochs,
                                           "step": steps})
            summary["best"] = keep.best
        summary["equilibrium_d_loss"] = model.equilibrium_d_loss
        summary["replicas"] = distribute.num_replicas(strategy)


def trainer_for(cfg: RunConfig) -> lifecycle.Trainer:
    """The trainer of a configuration: :class:`GANTrainer` for a :class:`~tfgan_zoo.config.TrainConfig`,
    :class:`tfgan_zoo.translate.TranslationTrainer` for a :class:`~tfgan_zoo.config.TranslationConfig`."""
    if isinstance(cfg, TranslationConfig):
        from .translate import TranslationTrainer

        return TranslationTrainer(cfg)
    if isinstance(cfg, TrainConfig):
        return GANTrainer(cfg)
    raise TypeError(f"training.run takes a TrainConfig or a TranslationConfig, got {type(cfg).__name__}.")


def run(cfg: RunConfig | Claim, verbose: int | str = "auto", prepared: Prepared | None = None,
        resume: bool | checkpointing.Checkpoint = False,
        strategy: tf.distribute.Strategy | None = None, handle_signals: bool = True) -> dict[str, Any]:
    """Train and write into ``cfg.out``: a GAN for a :class:`~tfgan_zoo.config.TrainConfig`, pix2pix or
    CycleGAN for a :class:`~tfgan_zoo.config.TranslationConfig`, through the one lifecycle of
    :mod:`tfgan_zoo.lifecycle`.

    ``cfg`` may be a :class:`~tfgan_zoo.runfolder.Claim` (the configuration already validated and its folder
    locked, as the command line does before TensorFlow loads): it is trusted, and released by its maker.
    Otherwise the run validates ``cfg`` and locks ``cfg.out`` itself, once, for the whole run, so a second run
    into the same folder is refused.

    Files: ``config.json``, ``samples/epoch_NNNN.png`` (GANs: and ``samples/progress.gif``, all of them as
    an animation, at the end; translation: the fixed test inputs with their translations), ``history.csv``,
    ``curves.png``, ``tensorboard/`` (event files, unless ``cfg.tensorboard`` is off;
    :class:`~tfgan_zoo.monitoring.TensorBoardGAN`), ``checkpoints/`` (``epoch_NNNN.keras`` after each epoch,
    ``step_NNNNNNNN.keras`` every ``cfg.checkpoint_every`` steps, each with its ``.json`` state; see
    :mod:`tfgan_zoo.checkpointing`), ``generator/`` (SavedModel) and ``summary.json`` (wall time, throughput,
    final metrics; translation runs also ``metrics.json``).
    ``prepared`` is the result of :func:`open_data` when the caller already has it
    (from the resumed step on).
    ``strategy`` (default: ``distribute.make_strategy(cfg.strategy)``, made before ``prepared``
    for a multi-worker run) holds the model; ``cfg.batch_size`` is the global batch. Only the
    chief writes into ``cfg.out``; other workers write into a temporary folder, removed at the end
    (all of them resume from the chief's checkpoints).

    ``resume=True`` continues from the newest good checkpoint in ``cfg.out/checkpoints``
    (:func:`tfgan_zoo.checkpointing.latest_good`; a fresh start if there is none);
    a :class:`~tfgan_zoo.checkpointing.Checkpoint` continues from that one. Weights,
    optimizer states, EMA weights, the noise seed state, the epoch and step, the
    metric running means, the history, loss curves and the data order are restored,
    so the run ends as an uninterrupted one would (bitwise with ``cfg.deterministic``).

    ``handle_signals=True`` (in the main thread, and not across several workers, which must stop at the same
    step) makes SIGTERM and SIGINT finish the current step, write a checkpoint there and raise
    :class:`~tfgan_zoo.preemption.TrainingInterrupted`.

    Raises
    ------
    ValueError
        An invalid setting, or data the networks cannot take.
    tfgan_zoo.checkpointing.CheckpointError
        The checkpoint to resume is unusable or belongs to another model or settings.
    tfgan_zoo.guard.TrainingDiverged
        A loss or weight became non-finite; the message names the step and the last
        good checkpoint.
    tfgan_zoo.preemption.TrainingInterrupted
        SIGTERM or SIGINT arrived; the message names the checkpoint written at the stopping step.
    DiskFullError
        A write failed for lack of space; the message names the last good checkpoint.
    tfgan_zoo.runlock.RunFolderInUseError
        Another live process is training into ``cfg.out``.
    """
    claim = cfg if isinstance(cfg, Claim) else None
    trainer = trainer_for(claim.cfg if claim else cfg)
    return lifecycle.run(trainer, verbose=verbose, prepared=prepared, resume=resume, strategy=strategy,
                         handle_signals=handle_signals, claim=claim)
