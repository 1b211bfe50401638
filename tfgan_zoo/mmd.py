"""The unbiased estimator of the squared maximum mean discrepancy, shared by KID and the MMD GAN losses.

For samples ``X = {x_1..x_m}``, ``Y = {y_1..y_n}`` and a kernel ``k``::

    MMD^2_u = 1/(m(m-1)) sum_{i != j} k(x_i, x_j) + 1/(n(n-1)) sum_{i != j} k(y_i, y_j) - 2/(m n) sum_{i,j} k(x_i, y_j)

(Gretton et al., 2012, eq. 3). :func:`mmd2_unbiased_from_kernels` takes the three kernel matrices and an
array namespace (``numpy`` for :mod:`tfgan_zoo.metrics.kid` in float64, ``keras.ops`` for the losses in
:mod:`tfgan_zoo.losses`), so the formula is written once.
"""

from __future__ import annotations

from typing import Any


def mmd2_unbiased_from_kernels(kxx: Any, kyy: Any, kxy: Any, xp: Any) -> Any:
    """``MMD^2_u`` from ``k(X, X)`` (m, m), ``k(Y, Y)`` (n, n) and ``k(X, Y)`` (m, n); ``xp`` is ``numpy`` or
    ``keras.ops`` (anything with ``sum``, ``trace``, ``mean``, ``diagonal`` and ``ones_like``). Needs
    ``m, n >= 2``. The sizes are counted in the kernels' dtype, so a compiled step with an unknown batch size
    works too.

    Parameters
    ----------
    kxx : array or tensor (m, m)
        ``k(x_i, x_j)``, the kernel within the first sample.
    kyy : array or tensor (n, n)
        ``k(y_i, y_j)``, the kernel within the second sample.
    kxy : array or tensor (m, n)
        ``k(x_i, y_j)``, the kernel between the samples.
    xp : module
        The array namespace: ``numpy`` or ``keras.ops``.

    Returns
    -------
    scalar of the kernels' dtype
        ``MMD^2_u`` (a numpy scalar or a 0-d tensor); can be slightly negative.

    Examples
    --------
    With the linear kernel ``k(x, y) = x^T y`` and two point masses, all ``x_i = a`` and all
    ``y_j = b``, every term is known and ``MMD^2_u = a^T a + b^T b - 2 a^T b = |a - b|^2``:

    >>> import numpy as np
    >>> from tfgan_zoo.mmd import mmd2_unbiased_from_kernels
    >>> a, b = np.array([1.0, 2.0]), np.array([4.0, 6.0])
    >>> x, y = np.tile(a, (3, 1)), np.tile(b, (2, 1))
    >>> float(mmd2_unbiased_from_kernels(x @ x.T, y @ y.T, x @ y.T, np))
    25.0
    >>> float(np.sum((a - b) ** 2))
    25.0

    The diagonals are left out of the within-set means: kernels that differ only there (here the
    identity against zeros) give the same value:

    >>> float(mmd2_unbiased_from_kernels(np.eye(3), np.eye(2), np.zeros((3, 2)), np))
    0.0
    """
    m, n = (xp.sum(xp.ones_like(xp.diagonal(k))) for k in (kxx, kyy))
    within_x = (xp.sum(kxx) - xp.trace(kxx)) / (m * (m - 1))
    within_y = (xp.sum(kyy) - xp.trace(kyy)) / (n * (n - 1))
    return within_x + within_y - 2.0 * xp.mean(kxy)
