"""End-to-end training run: data -> networks -> GAN -> fit -> files.

``scripts/train.py`` is a thin command line over :func:`run`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
import time
from typing import Any, NamedTuple

import keras
import tensorflow as tf

from . import callbacks as cb
from . import checkpointing, constraints, data, distribute, models, nets
from .callbacks import DivergenceGuard
from .choices import CONV_ARCHITECTURES
from .config import TrainConfig
from .divergence import TrainingDiverged
from .export import export_generator
from .io import causes, is_disk_full, write_text
from .precision import set_precision
from .preemption import StopOnSignal, TrainingInterrupted
from .runlock import acquire as lock_run_folder
from .shapes import upsampling_plan


class DiskFullError(RuntimeError):
    """A file of the run could not be written: the disk (or quota) is full. ``last_good`` is the newest
    checkpoint, intact: nothing is pruned or overwritten on a failed write."""

    def __init__(self, message: str, last_good: checkpointing.Checkpoint | None) -> None:
        super().__init__(message)
        self.last_good = last_good


def _written_file(error: BaseException | None) -> str | None:
    """The file a failed write was writing, from the error or its causes (a temporary name as its target's)."""
    for e in causes(error):
        name = getattr(e, "filename", None)
        if isinstance(name, str) and name:
            folder, base = os.path.split(name)
            target = re.match(r"^\.(.+)\.[^.]+\.tmp", base)  # io.atomic_path's temporary names
            return os.path.join(folder, target.group(1) if target else base)
    return None


def _last_good(last_good: checkpointing.Checkpoint | None, out: str, fix: str = "") -> str:
    """``The last good checkpoint is ...; [fix and ]continue from it with --resume --out OUT.`` for messages."""
    if last_good is None:
        return f"No checkpoint was written yet; {fix} and start the run again." if fix else \
            "No checkpoint was written yet."
    return f"The last good checkpoint is {last_good.describe()}; {fix + ' and ' if fix else ''}continue from it " \
           f"with --resume --out {out}."


def _disk_full(error: BaseException, last_good: checkpointing.Checkpoint | None, out: str) -> DiskFullError:
    where = _written_file(error) or f"into {out}"
    return DiskFullError(f"The disk is full (no space left writing {where}). "
                         f"{_last_good(last_good, out, 'free some space')}", last_good)


class Prepared(NamedTuple):
    """The training data of a run, as :func:`open_data` returns it."""

    dataset: Any  # endless stream of batches, from batch ``start_batch`` on
    image_shape: tuple[int, int, int]
    num_classes: int | None
    batches_per_pass: int
    start_batch: int = 0


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
    shape = data.image_shape(cfg.dataset, cfg.image_size, cfg.channels, cfg.data_dir)
    if cfg.arch in CONV_ARCHITECTURES:
        if shape[0] != shape[1]:
            raise ValueError(f"The DCGAN networks need square images, the data is {shape[1]}x{shape[0]}; "
                             "pass --image-size N to resize and centre-crop it.")
        upsampling_plan(shape[0])
    if cfg.arch == "resnet" and not (shape[0] == shape[1] and shape[0] in (28, 32, 64, 128)):
        raise ValueError(f"The ResNet networks are built for 32, 64 and 128 pixels (28 padded inside them); the data "
                         f"is {shape[1]}x{shape[0]}. Pass --image-size 32, 64 or 128.")
    labelled = cfg.conditioning not in (None, "infogan")
    ds, per_pass = data.stream(cfg.dataset, start_batch=start_batch, split="train", image_size=cfg.image_size,
                               channels=cfg.channels, batch_size=real_batch_size(cfg), seed=cfg.seed,
                               data_dir=cfg.data_dir, skip_corrupt=cfg.skip_corrupt, with_labels=labelled)
    num_classes = data.num_classes(cfg.dataset, cfg.data_dir) if labelled else None
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
    kwargs = {"transpose_impl": cfg.transpose_impl, "upsample": cfg.upsample} if cfg.arch in CONV_ARCHITECTURES else {}
    if cfg.arch in ("dcgan", "infogan"):
        kwargs["norm"] = None if cfg.d_norm == "none" else cfg.d_norm
    if cfg.arch == "resnet":
        kwargs.update(variant=cfg.resnet_variant, d_width=cfg.d_width)
    if cfg.width is not None:
        kwargs["width"] = cfg.width
    if cfg.generator_norm != "batch":
        kwargs["generator_norm"] = cfg.generator_norm
    if cfg.minibatch_discrimination:
        kwargs["minibatch_discrimination"] = cfg.minibatch_discrimination_bc
    if cfg.minibatch_stddev:
        kwargs["minibatch_stddev"] = cfg.minibatch_stddev
    if cfg.cascade > 1:
        kwargs["cascade"] = cfg.cascade
    if cfg.progressive_augment:
        kwargs["d_extra_channels"] = cfg.progressive_augment
    shape = image_shape or data.image_shape(cfg.dataset, cfg.image_size, cfg.channels, cfg.data_dir)
    if cfg.conditioning not in (None, "infogan") and num_classes is None:
        num_classes = data.num_classes(cfg.dataset, cfg.data_dir)
    codes = (cfg.info_categorical, cfg.info_continuous)
    g, d = nets.build(cfg.arch, shape, cfg.latent_dim, conditional=cfg.conditioning, num_classes=num_classes,
                      info_codes=codes, **kwargs)
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
    if data.source_kind(cfg.dataset) != "folder":
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


def run(cfg: TrainConfig, verbose: int | str = "auto", prepared: Prepared | None = None,
        resume: bool | checkpointing.Checkpoint = False,
        strategy: tf.distribute.Strategy | None = None, handle_signals: bool = True) -> dict[str, Any]:
    """Train and write into ``cfg.out``.

    Files: ``config.json``, ``samples/epoch_NNNN.png`` (and ``samples/progress.gif``, all of them as
    an animation, at the end), ``history.csv``, ``curves.png``, ``tensorboard/`` (event files, unless
    ``cfg.tensorboard`` is off; :class:`~tfgan_zoo.monitoring.TensorBoardGAN`), ``checkpoints/`` (``epoch_NNNN.keras`` after each epoch,
    ``step_NNNNNNNN.keras`` every ``cfg.checkpoint_every`` steps, each with its
    ``.json`` state; see :mod:`tfgan_zoo.checkpointing`), ``generator/``
    (SavedModel) and ``summary.json`` (wall time, throughput, final metrics).
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

    The chief holds a lock on ``cfg.out`` (:mod:`tfgan_zoo.runlock`) for the whole run, so a
    second run into the same folder is refused. ``handle_signals=True`` (in the main thread,
    and not across several workers, which must stop at the same step) makes SIGTERM and
    SIGINT finish the current step, write a checkpoint there and raise
    :class:`~tfgan_zoo.preemption.TrainingInterrupted`.

    Raises
    ------
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
    cfg.validate()
    strategy = distribute.make_strategy(cfg.strategy) if strategy is None else strategy
    distribute.check_global_batch(cfg.batch_size, strategy)
    lock = lock_run_folder(cfg.out) if distribute.is_chief(strategy) else None
    state = {"last_good": resume if isinstance(resume, checkpointing.Checkpoint) else None}
    try:
        return _run(cfg, prepared, resume, strategy, verbose, handle_signals, state)
    except Exception as e:  # an OSError, or one that writers (h5py, PIL, Keras saving) wrapped
        if is_disk_full(e):
            raise _disk_full(e, state["last_good"], cfg.out) from e
        raise
    finally:
        if lock is not None:
            lock.release()


def _run(cfg: TrainConfig, prepared: Prepared | None, resume: bool | checkpointing.Checkpoint,
         strategy: tf.distribute.Strategy, verbose: int | str, handle_signals: bool, state: dict) -> dict[str, Any]:
    chief_ckpt_dir = os.path.join(cfg.out, "checkpoints")
    point = checkpointing.latest_good(chief_ckpt_dir) if resume is True else (resume or None)
    if resume is True and point is None:
        print(f"note: no checkpoint to resume from in {chief_ckpt_dir}; starting at step 0.", file=sys.stderr)
    state["last_good"] = point
    start = point.position.global_step if point else 0
    ds, shape, num_classes, per_pass, first = prepared or open_data(cfg, start)
    if first != start:
        raise ValueError(f"The prepared data starts at batch {first}, the run at step {start}; "
                         f"prepare it with open_data(cfg, {start}).")
    steps_per_epoch = cfg.steps_per_epoch or per_pass
    if cfg.arch in CONV_ARCHITECTURES:  # config.json and the checkpoints record the implementation the layers have
        cfg = dataclasses.replace(cfg, transpose_impl=resolve_transpose_impl(cfg, point))
    if point:
        checkpointing.check_resumable(point, dataclasses.asdict(cfg), shape, steps_per_epoch)
    elif checkpointing.scan(chief_ckpt_dir)[0]:
        print(f"note: {chief_ckpt_dir} holds checkpoints of an earlier run; this new run replaces them at its first "
              "checkpoint (to continue that run instead, stop now and pass --resume).", file=sys.stderr)
    out = distribute.worker_output_dir(cfg.out, strategy)
    ckpt_dir = os.path.join(out, "checkpoints")
    os.makedirs(out, exist_ok=True)
    write_text(os.path.join(out, "config.json"), json.dumps(dataclasses.asdict(cfg), indent=2) + "\n")
    set_precision(cfg.precision)
    if cfg.deterministic:
        tf.config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(cfg.seed)
    with strategy.scope():
        gan = build_model(cfg, shape, num_classes, total_steps=cfg.epochs * steps_per_epoch)
    if point:
        checkpointing.restore_weights(gan, point)
        set_learning_rates(gan.d_optimizer, gan.g_optimizer, cfg, cfg.epochs * steps_per_epoch,
                           gan.n_critic)  # a resumed run may change them
        gan.record_optimizer_config()
    callbacks = [] if cfg.fid_every is None else [cb.FIDCallback(
        cfg.fid_every, cfg.fid_samples, real=cfg.dataset, network=cfg.fid_network, seed=cfg.seed,
        data_dir=cfg.data_dir, kid=bool(cfg.progressive_augment) and cfg.pa_monitor == "kid")]  # first: fid column
    if cfg.progressive_augment:  # after the evaluation it follows
        callbacks.append(cb.ProgressiveAugmentationSchedule(cfg.pa_monitor, patience=cfg.pa_patience,
                                                            start=cfg.pa_start))
    callbacks += [
        cb.SampleGrid(os.path.join(out, "samples"), n_images=cfg.n_samples, seed=cfg.seed),
        cb.HistoryCSV(os.path.join(out, "history.csv")),
        cb.LossCurves(os.path.join(out, "curves.png")),
    ]
    if cfg.fid_every is not None:  # wall-clock seconds beside each FID (evaluations included)
        callbacks.insert(1, cb.WallClock())
    keep = None
    if cfg.keep_best:  # after the FID callback, which writes logs["fid"]
        keep = cb.KeepBest(os.path.join(out, "generator"), monitor=cfg.keep_best)
        callbacks.insert(1, keep)
    if cfg.infogan:
        callbacks.append(cb.CodeTraversal(os.path.join(out, "traversals"), seed=cfg.seed))
    from .callbacks import ProgressLog, TensorBoardGAN

    grid = next(c for c in callbacks if isinstance(c, cb.SampleGrid))
    if cfg.tensorboard:  # after the grid, FID and wall-clock callbacks: it writes what they produce
        callbacks.append(TensorBoardGAN(os.path.join(out, "tensorboard"), cfg.tensorboard_every, grid=grid,
                                        seed=cfg.seed))
    if verbose == "auto":  # a terminal gets Keras' progress bar, a log file plain lines
        lines = not sys.stdout.isatty() and cfg.log_every > 0
        verbose = 1 if sys.stdout.isatty() else (0 if lines else 2)
        if lines:
            callbacks.append(ProgressLog(cfg.log_every, batch_size=real_batch_size(cfg)))
    guard = DivergenceGuard()
    ckpt = cb.GANCheckpoint(ckpt_dir, keep=cfg.keep_checkpoints, every_n_steps=cfg.checkpoint_every or None,
                            callbacks=[*callbacks, guard],
                            metadata={"config": dataclasses.asdict(cfg)})
    guard.checkpoint = ckpt
    callbacks += [guard, ckpt]  # the guard checks a step before it can be checkpointed
    stop = None
    if handle_signals and distribute.num_workers(strategy) == 1:
        stop = StopOnSignal(ckpt)
        callbacks.append(stop)  # after the checkpoint callback: it saves the stopping step through it
        stop.install_handlers()  # now: a signal during the setup below stops after the first step
    if point:
        ckpt.resume_from(point)
    curves = next(c for c in callbacks if isinstance(c, cb.LossCurves))
    history_csv = next(c for c in callbacks if isinstance(c, cb.HistoryCSV))
    t0 = time.perf_counter()
    try:
        history = gan.fit(ds, epochs=cfg.epochs, initial_epoch=point.position.epoch if point else 0,
                          steps_per_epoch=steps_per_epoch, callbacks=callbacks, verbose=verbose,
                          shuffle=False)  # the stream shuffles itself
    except (TrainingDiverged, TrainingInterrupted):
        curves.plot()  # the curves up to the failure or the stop
        raise
    except tf.errors.OpError as e:  # the input pipeline's errors surface here, from inside the compiled step
        failure = _data_failure(cfg, e, ckpt.last_saved or point)
        if failure is None:
            raise
        curves.plot()
        raise failure from None
    finally:
        state["last_good"] = ckpt.last_saved or point
        if stop is not None:
            stop.restore_handlers()
    wall = time.perf_counter() - t0
    steps = ckpt.global_step
    if keep is None:
        export_generator(gan.sampling_generator, os.path.join(out, "generator"), prior=gan.prior)
    else:  # generator/ is the best evaluation's; the last one goes beside it
        export_generator(gan.sampling_generator, os.path.join(out, "generator_last"), prior=gan.prior)
        if keep.best is None:
            print(f"warning: no finite {cfg.keep_best} was computed, so {out}/generator is the last generator "
                  f"(step {steps}).", file=sys.stderr)
            export_generator(gan.sampling_generator, os.path.join(out, "generator"), prior=gan.prior,
                             selected={"metric": cfg.keep_best, "value": None, "epoch": cfg.epochs, "step": steps})
    final = {k: float(v[-1]) for k, v in history.history.items()}
    if not final and history_csv.rows:  # resumed at the very end: nothing left to train
        final = {k: float(v) for k, v in history_csv.rows[-1].items() if k != "epoch"}
    summary = {
        "wall_time_s": round(wall, 2),
        "generator_steps": steps,
        "images_per_s": round((steps - start) * real_batch_size(cfg) / wall, 1) if wall > 0 and steps > start else None,
        "final": final,
        "equilibrium_d_loss": gan.equilibrium_d_loss,
        "replicas": distribute.num_replicas(strategy),
        "samples": grid.paths[-1] if grid.paths else None,
        "resumed_from": point.path if point else None,
    }
    if keep is not None:
        summary["best"] = keep.best
    write_text(os.path.join(out, "summary.json"), json.dumps(summary, indent=2) + "\n")
    distribute.remove_worker_output_dir(out, cfg.out)
    return summary
