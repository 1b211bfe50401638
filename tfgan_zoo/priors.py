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

    Examples
    --------
    >>> from tfgan_zoo.priors import check_prior
    >>> check_prior("uniform")
    'uniform'
    >>> check_prior("gaussian")
    Traceback (most recent call last):
        ...
    ValueError: Unknown prior 'gaussian'. Valid priors: normal, uniform.
    """
    if prior not in PRIORS:
        raise ValueError(f"Unknown prior {prior!r}. Valid priors: {', '.join(PRIORS)}.")
    return prior


def sample(prior: str, shape, seed) -> "keras.KerasTensor":
    """``z`` of ``shape`` from ``prior``: ``N(0, 1)`` or ``U(-1, 1)`` entries, float32, drawn with ``seed``
    (a ``keras.random.SeedGenerator`` or an int).

    Examples
    --------
    >>> import numpy as np
    >>> from tfgan_zoo.priors import sample
    >>> z = np.asarray(sample("uniform", (4, 3), seed=0))
    >>> z.shape, z.dtype
    ((4, 3), dtype('float32'))
    >>> bool(np.all(np.abs(z) <= 1.0))
    True
    >>> np.array_equal(z, np.asarray(sample("uniform", (4, 3), seed=0)))  # same seed, same draws
    True
    """
    if check_prior(prior) == "uniform":
        return keras.random.uniform(shape, -1.0, 1.0, seed=seed)
    return keras.random.normal(shape, seed=seed)


def check_truncation(truncation: float | None) -> float | None:
    """``truncation`` as a float (None: no truncation), or ``ValueError`` unless it is finite and > 0.

    Examples
    --------
    >>> from tfgan_zoo.priors import check_truncation
    >>> check_truncation(1)
    1.0
    >>> check_truncation(None) is None
    True
    >>> check_truncation(0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: truncation must be a finite bound > 0 on |z_i| ...
    """
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

    Examples
    --------
    >>> import numpy as np
    >>> from tfgan_zoo.priors import sample_numpy
    >>> z = sample_numpy("uniform", np.random.default_rng(0), (1000, 8))
    >>> z.shape, z.dtype
    ((1000, 8), dtype('float32'))
    >>> bool(z.min() >= -1.0 and z.max() <= 1.0), bool(abs(z.mean()) < 0.05)
    (True, True)
    >>> np.array_equal(z, sample_numpy("uniform", np.random.default_rng(0), (1000, 8)))  # same seed, same draws
    True

    Truncation bounds every entry, for the normal prior too:

    >>> t = sample_numpy("normal", np.random.default_rng(0), (1000, 8), truncation=0.5)
    >>> bool(np.abs(t).max() <= 0.5)
    True
    >>> bool(np.abs(sample_numpy("uniform", np.random.default_rng(0), 100, truncation=0.25)).max() <= 0.25)
    True
    """
    t = check_truncation(truncation)
    if check_prior(prior) == "uniform":
        b = 1.0 if t is None else min(t, 1.0)
        return rng.uniform(-b, b, shape).astype(np.float32)
    if t is None:
        return rng.standard_normal(shape).astype(np.float32)
    from scipy.stats import truncnorm

    return truncnorm.rvs(-t, t, size=shape, random_state=rng).astype(np.float32)
