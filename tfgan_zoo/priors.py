"""The distribution of the generator's noise ``z``: ``normal`` (N(0, I), the default) or ``uniform`` (U(-1, 1)^d,
as in Miyato et al. 2018 and PA-GAN). One function for the compiled step (Keras random ops, seeded by a
``keras.random.SeedGenerator``) and one for NumPy (fixed noise of sample grids and evaluations), so that
every place that draws ``z`` draws it from the prior the generator was trained on.
"""

from __future__ import annotations

import keras
import numpy as np

from .choices import PRIORS


def check_prior(prior: str) -> str:
    """Return ``prior`` or raise ``ValueError`` naming the valid ones."""
    if prior not in PRIORS:
        raise ValueError(f"Unknown prior {prior!r}. Valid priors: {', '.join(PRIORS)}.")
    return prior


def sample(prior: str, shape, seed) -> "keras.KerasTensor":
    """``z`` of ``shape`` from ``prior``: ``N(0, 1)`` or ``U(-1, 1)`` entries, float32, drawn with ``seed``
    (a ``keras.random.SeedGenerator`` or an int)."""
    if check_prior(prior) == "uniform":
        return keras.random.uniform(shape, -1.0, 1.0, seed=seed)
    return keras.random.normal(shape, seed=seed)


def sample_numpy(prior: str, rng: np.random.Generator, shape) -> np.ndarray:
    """As :func:`sample`, from a NumPy generator (float32)."""
    if check_prior(prior) == "uniform":
        return rng.uniform(-1.0, 1.0, shape).astype(np.float32)
    return rng.standard_normal(shape).astype(np.float32)
