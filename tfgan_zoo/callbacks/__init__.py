"""Keras callbacks for GAN training: sample grids, loss curves, CSV history, checkpoints.

Every file is written atomically (temporary name, then rename). Callbacks with a
``get_state``/``set_state`` pair have their state saved in each checkpoint of
:class:`GANCheckpoint`, so a resumed run continues their files.
"""

from .base import IntervalCallback, StepCallback
from .budget import TimeBudget
from .checkpoint import GANCheckpoint, KeepBest
from .fid import FIDCallback
from .guard import DivergenceGuard
from .history import HistoryCSV, LossCurves, WallClock
from .monitoring import ProgressLog, TensorBoardGAN
from .samples import CodeTraversal, SampleGrid, TranslationGrid
from .schedule import ProgressiveAugmentationSchedule

__all__ = [
    "CodeTraversal", "DivergenceGuard", "FIDCallback", "GANCheckpoint", "HistoryCSV", "IntervalCallback", "KeepBest",
    "LossCurves", "ProgressLog", "ProgressiveAugmentationSchedule", "SampleGrid", "StepCallback", "TensorBoardGAN",
    "TimeBudget", "TranslationGrid", "WallClock",
]
