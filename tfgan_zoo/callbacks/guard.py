"""Divergence guard (the callback; the checks themselves are in :mod:`tfgan_zoo.divergence`): stop training at the first non-finite loss or weight, naming the step and the last good checkpoint.

:class:`DivergenceGuard` checks the logged losses and metrics after every step
(they are read anyway for the progress bar and the loss curves) and all weights and
optimizer variables at every epoch end; :class:`~tfgan_zoo.callbacks.GANCheckpoint`
checks the weights before every save, so a non-finite model is never checkpointed.

Under loss scaling (``mixed_float16``) a step whose gradients are not finite is
skipped by ``LossScaleOptimizer`` (the weights stay as they were, the scale is
halved, and :class:`~tfgan_zoo.models.GAN` leaves its losses out of the epoch
means): that is not a failure. The guard counts such steps and stops only when
``max_consecutive_skips`` steps in a row were skipped (the scale has collapsed).
"""


from __future__ import annotations

import math

import keras

from ..checkpointing import Checkpoint
from ..divergence import check_finite, diverged
from .base import StepCallback
from .checkpoint import GANCheckpoint


class DivergenceGuard(StepCallback):
    """Stop ``fit`` with :class:`TrainingDiverged` when losses or weights stop being finite.

    Parameters
    ----------
    checkpoint : GANCheckpoint, optional
        Named in the message as the last good checkpoint (its ``last_saved``).
    max_consecutive_skips : int
        Under loss scaling, this many steps in a row skipped for non-finite gradients
        count as divergence (the loss scale has fallen by ``2 ** max_consecutive_skips``).

    Attributes
    ----------
    skipped_steps : int
        Steps in which a loss-scaled update was skipped.
    """

    def __init__(self, checkpoint: GANCheckpoint | None = None, max_consecutive_skips: int = 50) -> None:
        super().__init__()
        if max_consecutive_skips < 1:
            raise ValueError("max_consecutive_skips must be >= 1.")
        self.checkpoint = checkpoint
        self.max_consecutive_skips = max_consecutive_skips
        self.skipped_steps = 0
        self._consecutive = 0
        self._scaled: list[tuple[keras.optimizers.Optimizer, int, int]] = []

    @property
    def last_good(self) -> Checkpoint | None:
        return getattr(self.checkpoint, "last_saved", None)

    def on_train_begin(self, logs=None) -> None:
        """Find the loss-scaled optimizers and the updates each makes per step."""
        self._scaled = []
        for name, per_step in (("d_optimizer", getattr(self.model, "n_critic", 1)), ("g_optimizer", 1),
                               ("optimizer", 1)):
            opt = getattr(self.model, name, None)
            if isinstance(opt, keras.optimizers.LossScaleOptimizer):
                self._scaled.append((opt, per_step, int(opt.iterations)))

    def _count_skips(self, new_steps: int) -> bool:
        """Whether a loss-scaled update of these steps was skipped; raises after too many in a row."""
        skipped = False
        for i, (opt, per_step, before) in enumerate(self._scaled):
            now = int(opt.iterations)  # counts applied updates only
            skipped |= now - before < per_step * new_steps
            self._scaled[i] = (opt, per_step, now)
        if skipped:
            self.skipped_steps += 1
            self._consecutive += 1
            if self._consecutive >= self.max_consecutive_skips:
                raise diverged(f"{self._consecutive} steps in a row were skipped by loss scaling (non-finite "
                               "gradients at every loss scale)", self.global_step, self.last_good)
        else:
            self._consecutive = 0
        return skipped

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        new = self._advance(batch)
        if self._scaled and self._count_skips(new):
            return  # a skipped step changed no weight: its non-finite loss is not a failure
        bad = {}
        for key, value in (logs or {}).items():
            try:
                x = float(value)
            except (TypeError, ValueError):
                continue
            if not math.isfinite(x):
                bad[key] = x
        if bad:
            what = ", ".join(f"{k}={v}" for k, v in bad.items())
            raise diverged(f"{what} (epoch {self.epoch + 1}, step {self.step_in_epoch} of it)", self.global_step,
                           self.last_good)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        if self.checkpoint is None:  # else its epoch-end save makes the same check before writing
            check_finite(self.model, self.global_step, self.last_good)
