"""Non-finite losses and weights: the checks the divergence guard and the checkpoints share."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from .checkpointing import Checkpoint


class TrainingDiverged(RuntimeError):
    """Training produced non-finite values. ``step`` is the global step; ``last_good`` the last good checkpoint.

    Parameters
    ----------
    message : str
        The error message (what went non-finite, where, and the last good checkpoint).
    step : int
        The global step at which it happened.
    last_good : Checkpoint or None
        The last checkpoint written before it, None when there is none.
    """

    def __init__(self, message: str, step: int, last_good: Checkpoint | None) -> None:
        super().__init__(message)
        self.step = step
        self.last_good = last_good


def _last_good(ckpt: Checkpoint | None) -> str:
    if ckpt is None:
        return "No checkpoint was written before it."
    return f"Last good checkpoint: {ckpt.describe()}."


def diverged(what: str, step: int, last_good: Checkpoint | None) -> TrainingDiverged:
    """The error for ``what`` went non-finite at global ``step``."""
    return TrainingDiverged(f"Training diverged at step {step}: {what}. {_last_good(last_good)}", step, last_good)


def _named_variables(model: keras.Model) -> list[tuple[str, Any]]:
    """``(owner/path, variable)`` for the networks' and the optimizers' variables (each variable once)."""
    owners = [(name, getattr(model, name, None)) for name in
              ("generator", "discriminator", "ema_generator", "d_optimizer", "g_optimizer", "optimizer")]
    owners = [(name, obj) for name, obj in owners if obj is not None] + [("model", model)]
    out, seen = [], set()
    for name, obj in owners:
        for v in obj.variables if isinstance(obj, keras.optimizers.Optimizer) else obj.weights:
            if id(v) not in seen:
                seen.add(id(v))
                out.append((f"{name}/{v.path}", v))
    return out


def non_finite_variables(model: keras.Model) -> list[str]:
    """Names of the model's and its optimizers' floating-point variables holding NaN or infinity."""
    return [name for name, v in _named_variables(model)
            if "float" in str(v.dtype) and not np.isfinite(np.asarray(v)).all()]


def check_finite(model: keras.Model, step: int, last_good: Checkpoint | None) -> None:
    """Raise :class:`TrainingDiverged` if any weight or optimizer variable is not finite."""
    bad = non_finite_variables(model)
    if bad:
        more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
        raise diverged(f"non-finite values in {', '.join(bad[:3])}{more}", step, last_good)
