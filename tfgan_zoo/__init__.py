"""tfgan_zoo: the GAN family as Keras 3 models for TensorFlow.

Submodules (imported on first use, so ``import tfgan_zoo`` is cheap):
``losses``, ``penalties``, ``models``, ``nets``, ``data``, ``callbacks``,
``export``, ``images``, ``precision``, ``training``, ``checkpointing``, ``guard``, ``choices``,
``metrics``, ``cache``, ``distribute``.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = ("cache", "callbacks", "checkpointing", "choices", "composition", "config", "constraints", "data",
               "distribute", "export", "guard", "images", "io", "losses", "metrics", "models", "nets", "penalties",
               "precision", "training")


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'tfgan_zoo' has no attribute {name!r}")


__all__ = list(_SUBMODULES) + ["__version__"]
