"""Kernel Inception Distance: unbiased MMD^2 with a cubic polynomial kernel, averaged over subsets.

For feature vectors in R^d the kernel is::

    k(x, y) = (x^T y / d + 1)^3

and for samples X = {x_1..x_m}, Y = {y_1..y_n} the unbiased estimator of the
squared maximum mean discrepancy is::

    MMD^2_u = 1/(m(m-1)) sum_{i != j} k(x_i, x_j)
            + 1/(n(n-1)) sum_{i != j} k(y_i, y_j)
            - 2/(m n)    sum_{i, j}   k(x_i, y_j).

It can be slightly negative when the two distributions are equal. KID repeats
this on ``n_subsets`` random subsets of ``subset_size`` vectors drawn without
replacement from each set and reports the mean and the standard deviation
(ddof=0) over subsets. Unlike FID it has no bias that depends on the sample
count, which makes it usable on a few thousand images.
"""

from __future__ import annotations

import warnings

import numpy as np


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Kernel matrix ``(x @ y.T / d + 1) ** 3`` for ``x (m, d)``, ``y (n, d)``, in float64.

    Parameters
    ----------
    x, y : array (m, d), (n, d)
        Feature vectors, one per row, of the same dimension ``d``.

    Returns
    -------
    np.ndarray
        float64 ``(m, n)``: ``k(x_i, y_j)`` at ``[i, j]``.

    Examples
    --------
    With ``d = 2``, the all-ones vector has ``x^T x / d = 1``, so ``k = 2^3 = 8`` with itself, and
    ``k = 1`` with the zero vector:

    >>> import numpy as np
    >>> from tfgan_zoo.metrics.kid import polynomial_kernel
    >>> x = np.array([[1.0, 1.0], [0.0, 0.0]])
    >>> polynomial_kernel(x, x).tolist()
    [[8.0, 1.0], [1.0, 1.0]]
    >>> polynomial_kernel(np.ones((3, 4)), np.zeros((5, 4))).shape
    (3, 5)
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 between samples ``x (m, d)`` and ``y (n, d)`` with :func:`polynomial_kernel`.

    Needs ``m, n >= 2`` (the within-set sums exclude the diagonal).

    Parameters
    ----------
    x, y : array (m, d), (n, d)
        The two samples of feature vectors (same ``d``, finite).

    Returns
    -------
    float
        ``MMD^2_u`` (see the module docstring); can be slightly negative.

    Raises
    ------
    ValueError
        Arrays that are not 2-D, of different dimensions, with fewer than 2 rows, or holding NaN/inf.

    Examples
    --------
    Two point masses, all ``m`` vectors at ``a = 0`` and all ``n`` at ``b = (t, ..., t)``: every
    kernel value is known, ``k(a, a) = 1``, ``k(a, b) = 1`` and ``k(b, b) = (t^2 + 1)^3``, so
    ``MMD^2_u = k(a, a) + k(b, b) - 2 k(a, b) = (t^2 + 1)^3 - 1``:

    >>> import numpy as np
    >>> from tfgan_zoo.metrics.kid import mmd2_unbiased, polynomial_kernel
    >>> t = 0.5
    >>> mmd2_unbiased(np.zeros((5, 4)), np.full((3, 4), t))
    0.953125
    >>> (t ** 2 + 1) ** 3 - 1
    0.953125

    A set against itself gives about 0: expanding the formula with ``K = k(X, X)`` leaves
    ``2 (mean(K) - mean(diag(K))) / (m - 1)``, slightly negative and shrinking like ``1 / m``:

    >>> x = np.random.default_rng(0).normal(size=(200, 8))
    >>> k, m = polynomial_kernel(x, x), len(x)
    >>> bool(np.isclose(mmd2_unbiased(x, x), 2 * (k.mean() - np.diag(k).mean()) / (m - 1)))
    True
    >>> round(mmd2_unbiased(x, x), 3)
    -0.079
    """
    x = _check(x, "x")
    y = _check(y, "y")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"Feature dimensions differ: {x.shape[1]} and {y.shape[1]}.")
    m, n = x.shape[0], y.shape[0]
    if m < 2 or n < 2:
        raise ValueError(f"The unbiased MMD needs at least 2 samples per set, got {m} and {n}.")
    from ..mmd import mmd2_unbiased_from_kernels

    return float(mmd2_unbiased_from_kernels(polynomial_kernel(x, x), polynomial_kernel(y, y),
                                            polynomial_kernel(x, y), np))


def _check(f: np.ndarray, name: str) -> np.ndarray:
    f = np.asarray(f, dtype=np.float64)
    if f.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of feature vectors (n, d), got shape {f.shape}.")
    if not np.all(np.isfinite(f)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return f


def kid_subset_size(n: int, standard: int = 1000) -> int:
    """Subset size for KID over ``n`` vectors per set: the standard 1,000, or half the set when that is smaller.

    Subsets as large as the set are all the same set, so their spread (the reported std) would be 0 and say
    nothing; at most half the set leaves the subsets different. From 2,000 vectors on this is the standard size.

    Parameters
    ----------
    n : int
        Vectors in the smaller of the two feature sets.
    standard : int
        The size used when the sets are large enough (Bińkowski et al.: 1,000).

    Returns
    -------
    int
        ``min(standard, n // 2)``, at least 2.

    Examples
    --------
    >>> from tfgan_zoo.metrics.kid import kid_subset_size
    >>> kid_subset_size(10_000), kid_subset_size(1_000), kid_subset_size(250)
    (1000, 500, 125)
    """
    return max(2, min(int(standard), int(n) // 2))


def kernel_inception_distance(
    real_features: np.ndarray,
    fake_features: np.ndarray,
    n_subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """KID between two feature sets: ``(mean, std)`` of :func:`mmd2_unbiased` over random subsets.

    Parameters
    ----------
    real_features, fake_features : array (n_real, d), (n_fake, d)
        Features of the two image sets (the same network for both).
    n_subsets : int
        Number of subset pairs (standard: 100).
    subset_size : int
        Vectors per subset (standard: 1000), drawn without replacement; capped
        at ``min(n_real, n_fake)``.
    seed : int
        Seeds the subset draws, so the result is reproducible.

    Returns
    -------
    (mean, std) : tuple of float
        Mean and standard deviation (ddof=0) of the subset estimates.

    Examples
    --------
    Two samples of one distribution score about 0; shifting one of them by 1 in every
    coordinate does not:

    >>> import numpy as np
    >>> from tfgan_zoo.metrics.kid import kernel_inception_distance
    >>> real, fake = np.random.default_rng(0).normal(size=(2, 400, 8))
    >>> mean, std = kernel_inception_distance(real, fake, n_subsets=5, subset_size=200)
    >>> abs(mean) < 0.05
    True
    >>> kernel_inception_distance(real, fake + 1.0, n_subsets=5, subset_size=200)[0] > 5
    True

    Point masses at 0 and at ``(t, ..., t)`` give ``(t^2 + 1)^3 - 1`` on every subset (see
    :func:`mmd2_unbiased`), hence a standard deviation of 0:

    >>> kernel_inception_distance(np.zeros((50, 4)), np.full((50, 4), 0.5), n_subsets=3, subset_size=10)
    (0.953125, 0.0)
    """
    real = _check(real_features, "real_features")
    fake = _check(fake_features, "fake_features")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"Feature dimensions differ: real {real.shape[1]}, fake {fake.shape[1]}; use the same network for both."
        )
    if n_subsets < 1:
        raise ValueError(f"n_subsets must be >= 1, got {n_subsets}.")
    m = min(subset_size, real.shape[0], fake.shape[0])
    if m < 2:
        raise ValueError(
            f"KID needs at least 2 feature vectors per set, got {real.shape[0]} real and {fake.shape[0]} fake."
        )
    if n_subsets > 1 and m == min(real.shape[0], fake.shape[0]):
        warnings.warn(f"KID subsets of {m} from sets of {real.shape[0]} and {fake.shape[0]}: every subset of the "
                      "smaller set is the whole set, so the std is not an error bar. Pass subset_size="
                      "kid_subset_size(n) (at most half the set).", UserWarning, stacklevel=2)
    rng = np.random.default_rng(seed)
    values = np.empty(n_subsets)
    for i in range(n_subsets):
        x = real[rng.choice(real.shape[0], m, replace=False)]
        y = fake[rng.choice(fake.shape[0], m, replace=False)]
        values[i] = mmd2_unbiased(x, y)
    return float(values.mean()), float(values.std())


__all__ = ["kernel_inception_distance", "kid_subset_size", "mmd2_unbiased", "polynomial_kernel"]
