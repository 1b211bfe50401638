"""Former home of the run monitors, kept so ``tfgan_zoo.monitoring`` names still import.

They live in :mod:`tfgan_zoo.callbacks.monitoring`.
"""

from .callbacks.monitoring import EVENTS_GLOB, ProgressLog, TensorBoardGAN, purge_events_after, read_scalars

__all__ = ["EVENTS_GLOB", "ProgressLog", "TensorBoardGAN", "purge_events_after", "read_scalars"]
