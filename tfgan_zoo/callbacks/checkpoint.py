"""Checkpoints as callbacks: :class:`GANCheckpoint` writes the whole GAN with its training state through
:mod:`tfgan_zoo.checkpointing` (which reads and writes the files), :class:`KeepBest` keeps the best generator."""

from __future__ import annotations

import math
import os
import sys

import keras

from .. import checkpointing
from ..checkpointing import Checkpoint, Position
from ..divergence import check_finite
from .base import StepCallback, _prior


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
        from ..export import read_generator_info

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
        from ..export import export_generator

        best = {"metric": self.monitor, "value": float(value), "epoch": epoch + 1, "step": self.global_step}
        export_generator(self.model.sampling_generator, self.path, prior=_prior(self.model), selected=best)
        self.best = best

    def get_state(self) -> dict:
        return {"best": dict(self.best) if self.best else None}

    def set_state(self, state: dict) -> None:
        self.best = dict(state["best"]) if state.get("best") else None
