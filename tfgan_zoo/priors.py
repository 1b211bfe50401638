"""The distribution of the generator's noise ``z``: ``normal`` (N(0, I), the default) or ``uniform`` (U(-1, 1)^d,
as in Miyato et al. 2018 and PA-GAN). One function for the compiled step (Keras random ops, seeded by a
``keras.random.SeedGenerator``) and one for NumPy (fixed noise of sample grids and evaluations), so that
every place that draws ``z`` draws it from the prior the generator was trained on.

Sampling (not training) may truncate the prior, the "truncation trick" (Marchesi 2017; Brock et al. 2019, BigGAN):
each entry ``z_i`` is drawn from the prior conditioned on ``|z_i| <= t``, trading diversity for typical samples.
"""

from __future__ import annotations

import keras
import numpy as np

from .choices import PRIORS


def check_prior(prior: str) -> str:
    """Return ``prior`` or raise ``ValueError`` naming the valid ones.

    Parameters
    ----------
    prior : str
        Name of a distribution of ``z``: ``"normal"`` or ``"uniform"``.

    Returns
    -------
    str
        ``prior``, unchanged.

    Raises
    ------
    ValueError
        If ``prior`` is not a valid name.
    """
    if prior not in PRIORS:
        raise ValueError(f"Unknown prior {prior!r}. Valid priors: {', '.join(PRIORS)}.")
    return prior


def sample(prior: str, shape, seed) -> "keras.KerasTensor":
    """``z`` of ``shape`` from ``prior``: ``N(0, 1)`` or ``U(-1, 1)`` entries, float32, drawn with ``seed``
    (a ``keras.random.SeedGenerator`` or an int)."""
    if check_prior(prior) == "uniform":
        return keras.random.uniform(shape, -1.0, 1.0, seed=seed)
    return keras.random.normal(shape, seed=seed)


def check_truncation(truncation: float | None) -> float | None:
    """``truncation`` as a float (None: no truncation), or ``ValueError`` unless it is finite and > 0."""
    if truncation is None:
        return None
    t = float(truncation)
    if not (np.isfinite(t) and t > 0):
        raise ValueError(f"truncation must be a finite bound > 0 on |z_i| (e.g. 1.0 or 0.5; None: the whole prior), "
                         f"got {truncation!r}.")
    return t


def sample_numpy(prior: str, rng: np.random.Generator, shape, truncation: float | None = None) -> np.ndarray:
    """As :func:`sample`, from a NumPy generator (float32).

    ``truncation=t`` draws each entry from the prior conditioned on ``|z_i| <= t``: for ``normal`` the
    truncated normal on ``[-t, t]`` (density ``phi(z) / (2 Phi(t) - 1)`` there), for ``uniform`` ``U(-t, t)``
    (``t >= 1`` changes nothing). Without it the draws are the same as they always were for a seed.

    Parameters
    ----------
    prior : {"normal", "uniform"}
        ``N(0, 1)`` or ``U(-1, 1)`` entries.
    rng : numpy.random.Generator
        The generator the draws come from (advanced by them).
    shape : int or tuple of int
        Shape of the result, e.g. ``(n, latent_dim)``.
    truncation : float, optional
        Bound ``t > 0`` on ``|z_i|`` (finite); None draws from the whole prior.

    Returns
    -------
    numpy.ndarray
        float32 array of ``shape``.

    Raises
    ------
    ValueError
        If ``prior`` is unknown or ``truncation`` is not a finite number above 0.
    """
    t = check_truncation(truncation)
    if check_prior(prior) == "uniform":
        b = 1.0 if t is None else min(t, 1.0)
        return rng.uniform(-b, b, shape).astype(np.float32)
    if t is None:
        return rng.standard_normal(shape).astype(np.float32)
    from scipy.stats import truncnorm

    return truncnorm.rvs(-t, t, size=shape, random_state=rng).astype(np.float32)
