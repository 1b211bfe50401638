"""Former home of the divergence guard, kept so ``tfgan_zoo.guard`` names still import.

The checks live in :mod:`tfgan_zoo.divergence`, the callback in :mod:`tfgan_zoo.callbacks.guard`.
"""

from .callbacks.guard import DivergenceGuard
from .divergence import TrainingDiverged, check_finite, diverged, non_finite_variables

__all__ = ["DivergenceGuard", "TrainingDiverged", "check_finite", "diverged", "non_finite_variables"]
