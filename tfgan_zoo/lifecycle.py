"""The life of a run, the same for every kind of model: claim the folder, open the data once, build, resume,
fit with the standard callbacks, then export and summarise.

A :class:`Trainer` says what is particular to one kind of run (its data, its model, its own callbacks such as
sample grids or FID, its export); :func:`run` does the rest for all of them, so every trainer gets every
guarantee of a run:

* the configuration validated once and the run folder locked once (:mod:`tfgan_zoo.runfolder`);
* checkpoints every ``checkpoint_every`` steps and at every epoch end, written atomically with their size and
  SHA-256 (:class:`~tfgan_zoo.callbacks.GANCheckpoint`); ``resume`` continues from the newest intact one;
* SIGTERM/SIGINT finish the step, checkpoint it and stop (:class:`~tfgan_zoo.preemption.StopOnSignal`);
* a full disk stops with :class:`DiskFullError` naming the last good checkpoint;
* a non-finite loss or weight stops with :class:`~tfgan_zoo.divergence.TrainingDiverged`
  (:class:`~tfgan_zoo.callbacks.DivergenceGuard`);
* ``history.csv``, ``curves.png``, TensorBoard event files and progress lines in logs.

:class:`tfgan_zoo.training.GANTrainer` (GANs from noise) and :class:`tfgan_zoo.translate.TranslationTrainer`
(pix2pix, CycleGAN) are the trainers; :func:`tfgan_zoo.training.run` picks one for its configuration.
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
from . import checkpointing, distribute, runfolder
from .config import RunConfig
from .divergence import TrainingDiverged
from .io import causes, is_disk_full, write_text
from .precision import set_precision
from .preemption import StopOnSignal, TrainingInterrupted


class DiskFullError(RuntimeError):
    """A file of the run could not be written: the disk (or quota) is full. ``last_good`` is the newest
    checkpoint, intact: nothing is pruned or overwritten on a failed write."""

    def __init__(self, message: str, last_good: checkpointing.Checkpoint | None) -> None:
        super().__init__(message)
        self.last_good = last_good


class Prepared(NamedTuple):
    """The training data of a run, as a trainer's ``open_data`` returns it."""

    dataset: Any  # endless stream of batches, from batch ``start_batch`` on
    image_shape: tuple[int, int, int]
    num_classes: int | None
    batches_per_pass: int
    start_batch: int = 0


def _op_determinism_enabled() -> bool:
    """Whether TensorFlow's process-wide op determinism is on (False where TensorFlow cannot say)."""
    from tensorflow.python.framework import config as tf_config  # no public getter in TF 2.21

    return bool(getattr(tf_config, "is_op_determinism_enabled", lambda: False)())


def _disable_op_determinism() -> None:
    """Switch TensorFlow's op determinism off again (a no-op where TensorFlow has no switch for it)."""
    from tensorflow.python.framework import config as tf_config

    getattr(tf_config, "disable_op_determinism", lambda: None)()


def _written_file(error: BaseException | None) -> str | None:
    """The file a failed write was writing, from the error or its causes (a temporary name as its target's)."""
    for e in causes(error):
        name = getattr(e, "filename", None)
        if isinstance(name, str) and name:
            folder, base = os.path.split(name)
            target = re.match(r"^\.(.+)\.[^.]+\.tmp", base)  # io.atomic_path's temporary names
            return os.path.join(folder, target.group(1) if target else base)
    return None


def last_good_note(last_good: checkpointing.Checkpoint | None, out: str, fix: str = "") -> str:
    """``The last good checkpoint is ...; [fix and ]continue from it with --resume --out OUT.`` for messages."""
    if last_good is None:
        return f"No checkpoint was written yet; {fix} and start the run again." if fix else \
            "No checkpoint was written yet."
    return f"The last good checkpoint is {last_good.describe()}; {fix + ' and ' if fix else ''}continue from it " \
           f"with --resume --out {out}."


def _disk_full(error: BaseException, last_good: checkpointing.Checkpoint | None, out: str) -> DiskFullError:
    where = _written_file(error) or f"into {out}"
    return DiskFullError(f"The disk is full (no space left writing {where}). "
                         f"{last_good_note(last_good, out, 'free some space')}", last_good)


class Trainer:
    """What one kind of run supplies to :func:`run`; the lifecycle does everything else.

    Parameters
    ----------
    cfg : RunConfig
        The run's configuration (a subclass of :class:`~tfgan_zoo.config.RunConfig`).

    Attributes
    ----------
    curve_keys : tuple of str
        The step metrics drawn in ``curves.png``.
    """

    curve_keys: tuple[str, ...] = ("d_loss", "g_loss")

    def __init__(self, cfg: RunConfig) -> None:
        self.cfg = cfg

    def open_data(self, start: int) -> Prepared:
        """The training stream from global step ``start`` on (a resumed run gets the uninterrupted run's
        batches), its image shape, classes and batches per pass."""
        raise NotImplementedError

    def settle(self, point: checkpointing.Checkpoint | None) -> RunConfig:
        """The configuration as the run records it (e.g. an ``auto`` setting resolved); default: unchanged."""
        return self.cfg

    def check_resumable(self, point: checkpointing.Checkpoint, prepared: Prepared, steps_per_epoch: int) -> None:
        """Refuse a checkpoint this configuration does not continue (:func:`checkpointing.check_resumable`)."""
        checkpointing.check_resumable(point, dataclasses.asdict(self.cfg), prepared.image_shape, steps_per_epoch)

    def build(self, prepared: Prepared, total_steps: int) -> keras.Model:
        """The compiled model (called inside the strategy's scope, with the precision policy and seed set)."""
        raise NotImplementedError

    def restore(self, model: keras.Model, point: checkpointing.Checkpoint, total_steps: int) -> None:
        """Load the checkpoint's weights, optimizer states and seed state into the freshly built ``model``."""
        checkpointing.restore_weights(model, point)

    def callbacks(self, model: keras.Model, out: str) -> tuple[list, list, Any]:
        """The run's own callbacks: ``(before, after, grid)``. ``before`` run ahead of ``history.csv`` (so what
        they add to the epoch logs is recorded), ``after`` after the loss curves; ``grid`` is the sample-grid
        callback TensorBoard shows (with a ``last_grid``), or None."""
        return [], [], None

    def images_per_step(self) -> int:
        """Real images one step reads (for the throughput and progress lines)."""
        return int(self.cfg.batch_size)

    def data_failure(self, error: Exception, last_good: checkpointing.Checkpoint | None) -> Exception | None:
        """A read error of the input pipeline mid-run as an error naming the files, or None (re-raise as is)."""
        return None

    def finish(self, model: keras.Model, out: str, summary: dict, strategy: tf.distribute.Strategy) -> None:
        """Export what the run made and add the kind's own entries to ``summary``."""


def run(trainer: Trainer, verbose: int | str = "auto", prepared: Prepared | None = None,
        resume: bool | checkpointing.Checkpoint = False, strategy: tf.distribute.Strategy | None = None,
        handle_signals: bool = True, claim: runfolder.Claim | None = None) -> dict[str, Any]:
    """Run ``trainer`` from claim to summary (module docstring); returns the summary written to ``summary.json``.

    ``claim`` is a :func:`tfgan_zoo.runfolder.claim` of ``trainer.cfg`` already made (the command line makes it
    before TensorFlow loads); it is trusted and left to its maker to release. Without one the run claims the
    folder itself (validating the configuration) and releases it at the end. See
    :func:`tfgan_zoo.training.run` for the other parameters, the files and the errors.
    """
    cfg = trainer.cfg
    own = claim is None
    if own:
        claim = runfolder.claim(cfg)
    elif claim.cfg is not cfg:
        raise ValueError("The claim given is for another configuration: claim trainer.cfg itself.")
    state = {"last_good": resume if isinstance(resume, checkpointing.Checkpoint) else None}
    was_deterministic = _op_determinism_enabled()
    try:
        if strategy is None:
            strategy = distribute.make_strategy(getattr(cfg, "strategy", "default"))
        distribute.check_global_batch(cfg.batch_size, strategy)
        return _run(trainer, prepared, resume, strategy, verbose, handle_signals, state)
    except Exception as e:  # an OSError, or one that writers (h5py, PIL, Keras saving) wrapped
        if is_disk_full(e):
            raise _disk_full(e, state["last_good"], cfg.out) from e
        raise
    finally:
        if own:
            claim.release()
        if cfg.deterministic and not was_deterministic:  # process-wide: later compiles would lose XLA
            _disable_op_determinism()


def _resume_point(cfg: RunConfig, resume: bool | checkpointing.Checkpoint) -> checkpointing.Checkpoint | None:
    folder = os.path.join(cfg.out, "checkpoints")
    point = checkpointing.latest_good(folder) if resume is True else (resume or None)
    if resume is True and point is None:
        print(f"note: no checkpoint to resume from in {folder}; starting at step 0.", file=sys.stderr)
    return point


def _run(trainer: Trainer, prepared: Prepared | None, resume: bool | checkpointing.Checkpoint,
         strategy: tf.distribute.Strategy, verbose: int | str, handle_signals: bool, state: dict) -> dict[str, Any]:
    cfg = trainer.cfg
    point = _resume_point(cfg, resume)
    state["last_good"] = point
    start = point.position.global_step if point else 0
    prepared = prepared or trainer.open_data(start)
    if prepared.start_batch != start:
        raise ValueError(f"The prepared data starts at batch {prepared.start_batch}, the run at step {start}; "
                         f"prepare it from step {start}.")
    steps_per_epoch = cfg.steps_per_epoch or prepared.batches_per_pass
    cfg = trainer.cfg = trainer.settle(point)
    if point:
        trainer.check_resumable(point, prepared, steps_per_epoch)
    elif checkpointing.scan(os.path.join(cfg.out, "checkpoints"))[0]:
        print(f"note: {cfg.out}/checkpoints holds checkpoints of an earlier run; this new run replaces them at its "
              "first checkpoint (to continue that run instead, stop now and pass --resume).", file=sys.stderr)
    out = distribute.worker_output_dir(cfg.out, strategy)
    os.makedirs(out, exist_ok=True)
    write_text(os.path.join(out, "config.json"), json.dumps(cfg.saved_settings(), indent=2) + "\n")
    policy = set_precision(cfg.precision)  # "auto" resolved for this machine
    if cfg.deterministic:
        tf.config.experimental.enable_op_determinism()  # for this run only: run() switches it off again
    keras.utils.set_random_seed(cfg.seed)
    total_steps = cfg.epochs * steps_per_epoch
    with strategy.scope():
        model = trainer.build(prepared, total_steps)
    if point:
        trainer.restore(model, point, total_steps)

    before, after, grid = trainer.callbacks(model, out)
    history_csv, curves = cb.HistoryCSV(os.path.join(out, "history.csv")), \
        cb.LossCurves(os.path.join(out, "curves.png"), keys=trainer.curve_keys)
    callbacks = [*before, history_csv, curves, *after]
    if cfg.tensorboard:  # after the grid, FID and wall-clock callbacks: it writes what they produce
        callbacks.append(cb.TensorBoardGAN(os.path.join(out, "tensorboard"), cfg.tensorboard_every, grid=grid,
                                           seed=cfg.seed))
    if verbose == "auto":  # a terminal gets Keras' progress bar, a log file plain lines
        lines = not sys.stdout.isatty() and cfg.log_every > 0
        verbose = 1 if sys.stdout.isatty() else (0 if lines else 2)
        if lines:
            callbacks.append(cb.ProgressLog(cfg.log_every, batch_size=trainer.images_per_step()))
    guard = cb.DivergenceGuard()
    ckpt = cb.GANCheckpoint(os.path.join(out, "checkpoints"), keep=cfg.keep_checkpoints,
                            every_n_steps=cfg.checkpoint_every or None, callbacks=[*callbacks, guard],
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
        if "HistoryCSV" not in point.state.get("callbacks", {}):  # an older checkpoint: the file holds the rows
            history_csv.keep_file_rows(point.position.epoch)
    t0 = time.perf_counter()
    try:
        history = model.fit(prepared.dataset, epochs=cfg.epochs, initial_epoch=point.position.epoch if point else 0,
                            steps_per_epoch=steps_per_epoch, callbacks=callbacks, verbose=verbose,
                            shuffle=False)  # the stream shuffles itself
    except (TrainingDiverged, TrainingInterrupted):
        curves.plot()  # the curves up to the failure or the stop
        raise
    except tf.errors.OpError as e:  # the input pipeline's errors surface here, from inside the compiled step
        failure = trainer.data_failure(e, ckpt.last_saved or point)
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
    final = {k: float(v[-1]) for k, v in history.history.items()}
    if not final and history_csv.rows:  # resumed at the very end: nothing left to train
        final = {k: float(v) for k, v in history_csv.rows[-1].items() if k != "epoch"}
    per_step = trainer.images_per_step()
    summary = {
        "wall_time_s": round(wall, 2),
        "generator_steps": steps,
        "images_per_s": round((steps - start) * per_step / wall, 1) if wall > 0 and steps > start else None,
        "final": final,
        "samples": grid.paths[-1] if grid is not None and grid.paths else None,
        "resumed_from": point.path if point else None,
        "precision": policy,
    }
    trainer.finish(model, out, summary, strategy)
    write_text(os.path.join(out, "summary.json"), json.dumps(summary, indent=2) + "\n")
    distribute.remove_worker_output_dir(out, cfg.out)
    return summary
