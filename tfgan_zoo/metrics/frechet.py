"""Fréchet distance between two Gaussians, without a general matrix square root.

The Fréchet (2-Wasserstein) distance between N(mu1, S1) and N(mu2, S2) is

    d^2 = ||mu1 - mu2||^2 + Tr(S1) + Tr(S2) - 2 Tr((S1 S2)^{1/2})

(FID when the Gaussians are fitted to Inception features). The only hard term
is ``Tr((S1 S2)^{1/2})``. S1 S2 is not symmetric, which is why the usual code
calls ``scipy.linalg.sqrtm`` (a Schur decomposition; its result can be complex,
and non-finite for singular inputs). We use instead that for any factor ``S1 = G G^T``

    eig(S1 S2) = eig(G^T S2 G) (nonzero part),   so   Tr((S1 S2)^{1/2}) = sum_i sqrt(lambda_i(G^T S2 G)),

and ``G^T S2 G`` is symmetric positive semi-definite: its eigenvalues come from
``eigvalsh`` (real by construction; tiny negative round-off is clipped to 0).
``G`` is the Cholesky factor of S1 (LAPACK ``dpotrf``). When S1 is not
numerically positive definite (singular, rank-deficient), a Cholesky
factorisation with complete pivoting (``dpstrf``) stops at the numerical rank
``r`` (tolerance ``d * eps * max(diag S1)``) and ``G`` is ``d x r``. Cost:
one Cholesky, two matrix products (triangular when S1 has full rank) and one
symmetric eigenvalue problem without eigenvectors -- several times cheaper than
an ``eigh`` with eigenvectors, and far cheaper than ``sqrtm``.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import scipy.linalg

from .moments import warn_if_singular


class _Moments(Protocol):
    n: int

    @property
    def mean(self) -> np.ndarray: ...

    @property
    def cov(self) -> np.ndarray: ...


def _as_cov(c: np.ndarray, name: str) -> np.ndarray:
    c = np.asarray(c, dtype=np.float64)
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise ValueError(f"{name} must be a square (d, d) matrix, got shape {c.shape}.")
    if not np.isfinite(c).all():
        raise ValueError(f"{name} contains NaN or infinity.")
    # Symmetry check on up to 64 evenly spaced rows against the matching columns
    # (a full c - c.T costs as much as a tenth of the whole distance at d = 2048).
    rows = np.unique(np.linspace(0, c.shape[0] - 1, num=min(64, c.shape[0])).astype(int)) if c.size else []
    if len(rows) and np.max(np.abs(c[rows, :] - c[:, rows].T)) > 1e-6 * np.max(np.abs(c[rows, :]), initial=1e-300):
        raise ValueError(f"{name} is not symmetric, so it is not a covariance matrix.")
    return c


def _trace_sqrt_product(cov1: np.ndarray, cov2: np.ndarray) -> float:
    """:func:`trace_sqrt_product` on already validated float64 inputs."""
    d = cov1.shape[0]
    if d == 0 or not np.any(np.diag(cov1) > 0):
        return 0.0
    # Plain Cholesky first (cheapest; backward stable whenever it completes);
    # cov1 is symmetric, so its transposed view is the Fortran-ordered input.
    c, info = scipy.linalg.lapack.dpotrf(cov1.T, lower=1, clean=0)
    if info == 0:
        cp = cov2.T  # read-only view: the first dtrmm must copy it (overwrite_b=0)
    else:
        # Not numerically positive definite: Cholesky with complete pivoting
        # stops at the numerical rank r, P^T cov1 P = L L^T with L d x r.
        c, piv, rank, info = scipy.linalg.lapack.dpstrf(cov1, lower=1)
        if info < 0:  # pragma: no cover - argument error inside LAPACK
            raise RuntimeError(f"LAPACK dpstrf failed with info={info}.")
        p = piv - 1
        if rank < d:
            g = np.empty((d, rank))
            g[p] = np.tril(c[:, :rank])  # G = P L, so G G^T = cov1
            m = g.T @ (cov2 @ g)
            ev = scipy.linalg.eigh(m, lower=True, eigvals_only=True, driver="evd", overwrite_a=True,
                                   check_finite=False)
            return float(np.sum(np.sqrt(np.clip(ev, 0.0, None))))
        cp = cov2[np.ix_(p, p)].T  # P^T cov2 P
    # Full rank: L is d x d lower triangular; M = L^T cp L with two triangular
    # products (half the flops of two general ones). dtrmm reads only L's lower
    # triangle, so the rest of ``c`` needs no clearing.
    x = scipy.linalg.blas.dtrmm(1.0, c, cp, side=1, lower=1, overwrite_b=0)
    m = scipy.linalg.blas.dtrmm(1.0, c, x, side=0, lower=1, trans_a=1, overwrite_b=1)
    # eigh reads only the lower triangle: no need to symmetrise the round-off.
    ev = scipy.linalg.eigh(m, lower=True, eigvals_only=True, driver="evd", overwrite_a=True, check_finite=False)
    return float(np.sum(np.sqrt(np.clip(ev, 0.0, None))))


def trace_sqrt_product(cov1: np.ndarray, cov2: np.ndarray) -> float:
    """``Tr((cov1 cov2)^{1/2})`` for symmetric PSD matrices, as ``sum sqrt(eigvalsh(G^T cov2 G))``.

    ``G G^T = cov1`` from a Cholesky factorisation, pivoted and truncated at the
    numerical rank when cov1 is singular; eigenvalues below 0 (round-off)
    count as 0. Always real and finite; 0 when either matrix is 0.

    Parameters
    ----------
    cov1, cov2 : array (d, d)
        Symmetric positive semi-definite matrices of one size (covariances).

    Returns
    -------
    float
        ``Tr((cov1 cov2)^{1/2})``, >= 0.

    Raises
    ------
    ValueError
        Non-square, non-symmetric or differently sized matrices, NaN/inf.
    """
    cov1 = _as_cov(cov1, "cov1")
    cov2 = _as_cov(cov2, "cov2")
    if cov1.shape != cov2.shape:
        raise ValueError(f"Covariances of different sizes: {cov1.shape} and {cov2.shape}.")
    return _trace_sqrt_product(cov1, cov2)


def frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """Fréchet distance between N(mu1, cov1) and N(mu2, cov2) (FID on Inception features).

    ``||mu1 - mu2||^2 + Tr(cov1) + Tr(cov2) - 2 Tr((cov1 cov2)^{1/2})``, in
    float64, with the trace term from :func:`trace_sqrt_product` (no
    ``sqrtm``): real, finite and >= 0 (round-off below 0 is clipped) also for
    singular covariances.

    Parameters
    ----------
    mu1, mu2 : array (d,)
        Means.
    cov1, cov2 : array (d, d)
        Symmetric positive semi-definite covariances.

    Returns
    -------
    float
        The squared Fréchet distance ``d^2`` (no square root is taken, as for FID), >= 0.

    Raises
    ------
    ValueError
        Shapes that do not match, non-square or non-symmetric covariances, NaN/inf.

    Examples
    --------
    Two isotropic Gaussians in 2-D, N(0, I) and N((3, 4), 4 I): 25 from the means, and
    2 + 8 - 2 * Tr(2 I) = 2 from the covariances.

    >>> import numpy as np
    >>> round(frechet_distance(np.zeros(2), np.eye(2), np.array([3.0, 4.0]), 4 * np.eye(2)), 6)
    27.0
    """
    mu1 = np.asarray(mu1, dtype=np.float64)
    mu2 = np.asarray(mu2, dtype=np.float64)
    cov1 = _as_cov(cov1, "cov1")
    cov2 = _as_cov(cov2, "cov2")
    if mu1.ndim != 1 or mu2.ndim != 1:
        raise ValueError(f"Means must be 1-D vectors, got shapes {mu1.shape} and {mu2.shape}.")
    d = mu1.shape[0]
    if mu2.shape[0] != d or cov1.shape != (d, d) or cov2.shape != (d, d):
        raise ValueError(
            f"Mismatched dimensions: mu1 {mu1.shape}, cov1 {cov1.shape}, mu2 {mu2.shape}, cov2 {cov2.shape}; "
            "both Gaussians must come from the same feature network (same feature dimension)."
        )
    if not (np.all(np.isfinite(mu1)) and np.all(np.isfinite(mu2))):
        raise ValueError("The means contain NaN or infinity.")
    diff = mu1 - mu2
    value = diff @ diff + np.trace(cov1) + np.trace(cov2) - 2.0 * _trace_sqrt_product(cov1, cov2)
    return float(max(value, 0.0))


def frechet_distance_from_moments(a: _Moments, b: _Moments) -> float:
    """:func:`frechet_distance` of two moment summaries (``.mean``, ``.cov``, ``.n``).

    Works with :class:`~tfgan_zoo.metrics.moments.RunningMoments` and
    :class:`~tfgan_zoo.metrics.moments.Statistics`. Warns
    (:class:`~tfgan_zoo.metrics.moments.SingularCovarianceWarning`) when either
    has no more samples than feature dimensions.

    Parameters
    ----------
    a, b : RunningMoments or Statistics
        The two summaries (anything with ``.mean`` ``(d,)``, ``.cov`` ``(d, d)`` and ``.n``).

    Returns
    -------
    float
        :func:`frechet_distance` of ``N(a.mean, a.cov)`` and ``N(b.mean, b.cov)``.
    """
    for name, m in (("first set", a), ("second set", b)):
        warn_if_singular(int(m.n), int(np.shape(m.mean)[0]), name)
    return frechet_distance(a.mean, a.cov, b.mean, b.cov)


def frechet_distance_from_features(features1: np.ndarray, features2: np.ndarray) -> float:
    """:func:`frechet_distance` between Gaussians fitted to two feature arrays ``(n_i, d)``.

    Covariances are unbiased (``n - 1``); warns when ``n_i <= d``.

    Parameters
    ----------
    features1, features2 : array (n_1, d), (n_2, d)
        Feature vectors of the two image sets (the same network for both), at least 2 each.

    Returns
    -------
    float
        :func:`frechet_distance` of the two fitted Gaussians.
    """
    from .moments import RunningMoments

    f1 = np.asarray(features1)
    f2 = np.asarray(features2)
    for name, f in (("features1", f1), ("features2", f2)):
        if f.ndim != 2:
            raise ValueError(f"{name} must be 2-D (n, d), got shape {f.shape}.")
    if f1.shape[1] != f2.shape[1]:
        raise ValueError(f"Feature dimensions differ: {f1.shape[1]} and {f2.shape[1]}.")
    return frechet_distance_from_moments(RunningMoments.from_features(f1), RunningMoments.from_features(f2))


__all__ = [
    "frechet_distance",
    "frechet_distance_from_moments",
    "frechet_distance_from_features",
    "trace_sqrt_product",
]
