"""Streaming float64 mean and covariance of feature vectors, saved with their protocol.

Batches are merged with Chan et al.'s pairwise update: each batch contributes
its own mean ``m_b`` and centred scatter ``S_b = sum_i (x_i - m_b)(x_i - m_b)^T``,
and two summaries ``(n_a, m_a, S_a)``, ``(n_b, m_b, S_b)`` combine as

    n = n_a + n_b
    d = m_b - m_a
    m = m_a + d * n_b / n
    S = S_a + S_b + d d^T * n_a n_b / n

so nothing is ever computed from raw sums of squares (no cancellation when the
features sit far from zero) and memory is ``O(dim^2)`` whatever the number of
images. The unbiased covariance is ``S / (n - 1)``.

Saved statistics carry a ``protocol`` dict (network, resize, dataset, split,
sample count, ...). :func:`load_moments` compares it with the protocol the
caller expects and refuses a mismatch, so statistics measured one way are never
compared with features measured another way.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Mapping

import numpy as np

from ..io import atomic_path

FORMAT_VERSION = 1


class ProtocolMismatchError(ValueError):
    """A statistics file was measured under a different protocol than the one expected."""


class SingularCovarianceWarning(UserWarning):
    """Fewer samples than feature dimensions: the sample covariance is singular."""


def warn_if_singular(n: int, dim: int, name: str = "features") -> bool:
    """Warn (and return True) when ``n`` samples cannot give a full-rank ``dim`` x ``dim`` covariance.

    A sample covariance of ``n`` vectors has rank at most ``n - 1``, so it is
    singular whenever ``n <= dim``.

    Parameters
    ----------
    n : int
        Number of samples.
    dim : int
        Feature dimension.
    name : str
        What the samples are, at the start of the warning message.

    Returns
    -------
    bool
        True (after warning with :class:`SingularCovarianceWarning`) when ``n <= dim``, else False.

    Examples
    --------
    >>> import warnings
    >>> from tfgan_zoo.metrics.moments import warn_if_singular
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_if_singular(100, 2048), warn_if_singular(10_000, 2048)
    (True, False)
    >>> [w.category.__name__ for w in caught]
    ['SingularCovarianceWarning']
    """
    if n <= dim:
        warnings.warn(
            f"{name}: only {n} samples for {dim} feature dimensions, so the covariance is singular "
            f"(rank <= {max(n - 1, 0)} < {dim}). The Frechet distance is still defined but biased and "
            f"noisy; use more than {dim} samples (10,000 is the usual FID protocol).",
            SingularCovarianceWarning,
            stacklevel=3,
        )
        return True
    return False


def _canonical(protocol: Mapping[str, Any] | None) -> str:
    """The protocol as canonical JSON (sorted keys), for storing and comparing."""
    try:
        return json.dumps(dict(protocol or {}), sort_keys=True, separators=(",", ":"))
    except TypeError as e:
        raise TypeError(f"The protocol must be JSON-serialisable (str, int, float, bool, None, lists, dicts): {e}") from e


class RunningMoments:
    """Mean and covariance of feature vectors fed in batches, in float64.

    Parameters
    ----------
    dim : int, optional
        Feature dimension; taken from the first batch when omitted.
    protocol : dict, optional
        How the features were measured (JSON-serialisable); saved with the statistics.

    Examples
    --------
    Features far from zero, fed in uneven batches, give the mean and covariance of the whole array:

    >>> import numpy as np
    >>> from tfgan_zoo.metrics.moments import RunningMoments
    >>> features = np.random.default_rng(0).normal(loc=1000.0, size=(300, 4))
    >>> feature_batches = np.array_split(features, 7)
    >>> m = RunningMoments()
    >>> for batch in feature_batches:        # each (batch_size, dim)
    ...     _ = m.update(batch)
    >>> mu, sigma = m.mean, m.cov
    >>> m.n, mu.shape, sigma.shape
    (300, (4,), (4, 4))
    >>> np.allclose(mu, features.mean(axis=0)), np.allclose(sigma, np.cov(features, rowvar=False))
    (True, True)
    """

    def __init__(self, dim: int | None = None, protocol: Mapping[str, Any] | None = None) -> None:
        self.protocol: dict[str, Any] = json.loads(_canonical(protocol))
        self._n = 0
        self._mean: np.ndarray | None = None
        self._scatter: np.ndarray | None = None
        self._dim = dim
        if dim is not None:
            if dim < 1:
                raise ValueError(f"dim must be >= 1, got {dim}.")
            self._mean = np.zeros(dim)
            self._scatter = np.zeros((dim, dim))

    @property
    def n(self) -> int:
        """Number of feature vectors seen."""
        return self._n

    @property
    def dim(self) -> int | None:
        """Feature dimension (None before the first batch when not given)."""
        return self._dim

    def update(self, features: np.ndarray) -> "RunningMoments":
        """Add a batch of feature vectors, shape ``(batch, dim)``; returns ``self``.

        An empty batch is accepted and changes nothing.
        """
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2:
            raise ValueError(f"features must be a 2-D array (batch, dim), got shape {x.shape}.")
        if self._dim is None:
            self._dim = x.shape[1]
            self._mean = np.zeros(self._dim)
            self._scatter = np.zeros((self._dim, self._dim))
        if x.shape[1] != self._dim:
            raise ValueError(f"features have dimension {x.shape[1]}, but these moments have dimension {self._dim}.")
        nb = x.shape[0]
        if nb == 0:
            return self
        if not np.all(np.isfinite(x)):
            raise ValueError("features contain NaN or infinity; check the images and the network.")
        mb = x.mean(axis=0)
        xc = x - mb
        sb = xc.T @ xc
        self._merge(nb, mb, sb)
        return self

    def _merge(self, nb: int, mb: np.ndarray, sb: np.ndarray) -> None:
        na = self._n
        n = na + nb
        d = mb - self._mean
        self._mean = self._mean + d * (nb / n)
        self._scatter = self._scatter + sb + np.outer(d, d) * (na * nb / n)
        self._n = n

    def merge(self, other: "RunningMoments") -> "RunningMoments":
        """Fold another summary of the same protocol and dimension into this one; returns ``self``.

        Examples
        --------
        Summaries of two halves, merged, equal the summary of the whole:

        >>> import numpy as np
        >>> from tfgan_zoo.metrics.moments import RunningMoments
        >>> x = np.random.default_rng(1).normal(size=(50, 3))
        >>> both = RunningMoments.from_features(x[:20]).merge(RunningMoments.from_features(x[20:]))
        >>> both.n, np.allclose(both.cov, np.cov(x, rowvar=False))
        (50, True)
        """
        if other.n == 0:
            return self
        if _canonical(other.protocol) != _canonical(self.protocol):
            raise ProtocolMismatchError(
                f"Cannot merge moments of different protocols: {_canonical(self.protocol)} vs {_canonical(other.protocol)}."
            )
        if self._dim is None:
            self._dim = other.dim
            self._mean = np.zeros(self._dim)
            self._scatter = np.zeros((self._dim, self._dim))
        if other.dim != self._dim:
            raise ValueError(f"Cannot merge moments of dimension {other.dim} into dimension {self._dim}.")
        self._merge(other.n, other._mean, other._scatter)
        return self

    @property
    def mean(self) -> np.ndarray:
        """Sample mean, float64 ``(dim,)``."""
        if self._n == 0:
            raise ValueError("No features yet: call update() with at least one batch first.")
        return self._mean.copy()

    @property
    def cov(self) -> np.ndarray:
        """Unbiased sample covariance ``S / (n - 1)``, float64 ``(dim, dim)``, exactly symmetric."""
        if self._n < 2:
            raise ValueError(f"The covariance needs at least 2 samples, got {self._n}.")
        c = self._scatter / (self._n - 1)
        return (c + c.T) * 0.5

    def save(self, path: str | os.PathLike) -> None:
        """Write ``mu``, ``sigma``, ``n`` and the protocol to an ``.npz`` file (atomically)."""
        path = os.fspath(path)
        if not path.endswith(".npz"):
            raise ValueError(f"Statistics files end in .npz, got {path!r}.")
        save_moments(path, self.mean, self.cov, self._n, self.protocol)

    @classmethod
    def from_features(cls, features: np.ndarray, protocol: Mapping[str, Any] | None = None) -> "RunningMoments":
        """Moments of one array of features ``(n, dim)``."""
        return cls(protocol=protocol).update(features)

    @classmethod
    def load(
        cls, path: str | os.PathLike, expected_protocol: Mapping[str, Any] | None = None
    ) -> "RunningMoments":
        """Read a file written by :meth:`save`; see :func:`load_moments` for the protocol check."""
        stats = load_moments(path, expected_protocol)
        m = cls(dim=stats.mu.shape[0], protocol=stats.protocol)
        m._n = stats.n
        m._mean = stats.mu.copy()
        m._scatter = stats.sigma * (stats.n - 1)
        return m

    def __repr__(self) -> str:
        return f"RunningMoments(n={self._n}, dim={self._dim}, protocol={self.protocol})"


class Statistics:
    """Mean, covariance, sample count and protocol read from a statistics file.

    ``mean`` and ``cov`` are aliases of ``mu`` and ``sigma`` (the interface of :class:`RunningMoments`).

    Parameters
    ----------
    mu : np.ndarray
        Mean, float64 ``(d,)``.
    sigma : np.ndarray
        Unbiased covariance, float64 ``(d, d)``.
    n : int
        Number of feature vectors the statistics were computed from.
    protocol : dict
        How the features were measured (network, resize, dataset, split, ...).
    """

    def __init__(self, mu: np.ndarray, sigma: np.ndarray, n: int, protocol: dict[str, Any]) -> None:
        self.mu = mu
        self.sigma = sigma
        self.n = n
        self.protocol = protocol

    @property
    def mean(self) -> np.ndarray:
        return self.mu

    @property
    def cov(self) -> np.ndarray:
        return self.sigma

    def __repr__(self) -> str:
        return f"Statistics(n={self.n}, dim={self.mu.shape[0]}, protocol={self.protocol})"


def save_moments(
    path: str | os.PathLike, mu: np.ndarray, sigma: np.ndarray, n: int, protocol: Mapping[str, Any] | None = None
) -> None:
    """Atomically write ``mu``, ``sigma``, ``n`` and ``protocol`` (as a JSON string) to ``path`` (.npz).

    Parameters
    ----------
    path : str or PathLike
        The ``.npz`` file to write (replaced if it exists).
    mu : array (d,)
        Mean.
    sigma : array (d, d)
        Covariance.
    n : int
        Number of feature vectors.
    protocol : dict, optional
        How the features were measured (JSON-serialisable); stored with sorted keys.

    Raises
    ------
    ValueError
        If the shapes of ``mu`` and ``sigma`` do not match.
    """
    mu = np.asarray(mu, dtype=np.float64)
    sigma = np.asarray(sigma, dtype=np.float64)
    if mu.ndim != 1 or sigma.shape != (mu.shape[0], mu.shape[0]):
        raise ValueError(f"mu must be (d,) and sigma (d, d); got {mu.shape} and {sigma.shape}.")
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(
            tmp,
            mu=mu,
            sigma=sigma,
            n=np.int64(n),
            protocol=np.array(_canonical(protocol)),
            format_version=np.int64(FORMAT_VERSION),
        )


def load_moments(path: str | os.PathLike, expected_protocol: Mapping[str, Any] | None = None) -> Statistics:
    """Read a statistics ``.npz`` file and check its protocol.

    Parameters
    ----------
    path : str or PathLike
        File written by :func:`save_moments` or :meth:`RunningMoments.save`.
    expected_protocol : dict, optional
        When given, the stored protocol must equal it exactly (same keys, same
        values); otherwise :class:`ProtocolMismatchError` names both and the
        keys that differ.

    Returns
    -------
    Statistics
        ``mu``, ``sigma``, ``n`` and the stored ``protocol``.

    Raises
    ------
    FileNotFoundError, ValueError, ProtocolMismatchError

    Examples
    --------
    A round trip through :func:`save_moments`; another protocol is refused, naming the keys
    that differ:

    >>> import os, tempfile
    >>> import numpy as np
    >>> from tfgan_zoo.metrics.moments import load_moments, save_moments
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = os.path.join(tmp.name, "stats.npz")
    >>> save_moments(path, np.zeros(3), np.eye(3), 10, {"network": "inception", "size": 299})
    >>> stats = load_moments(path, expected_protocol={"size": 299, "network": "inception"})
    >>> stats
    Statistics(n=10, dim=3, protocol={'network': 'inception', 'size': 299})
    >>> np.array_equal(stats.sigma, np.eye(3))
    True
    >>> load_moments(path, expected_protocol={"network": "inception", "size": 64})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    tfgan_zoo.metrics.moments.ProtocolMismatchError: Statistics in ... (differs in: size). ...
    >>> tmp.cleanup()
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No statistics file at {path}.")
    try:
        with np.load(path, allow_pickle=False) as f:
            mu = np.asarray(f["mu"], dtype=np.float64)
            sigma = np.asarray(f["sigma"], dtype=np.float64)
            n = int(f["n"])
            protocol = json.loads(str(f["protocol"]))
    except (KeyError, ValueError, OSError) as e:
        raise ValueError(
            f"{path} is not a tfgan_zoo statistics file (needs mu, sigma, n and protocol): {e}. "
            "Delete it and compute the statistics again."
        ) from e
    if mu.ndim != 1 or sigma.shape != (mu.shape[0], mu.shape[0]):
        raise ValueError(f"{path}: mu {mu.shape} and sigma {sigma.shape} do not match; the file is corrupt.")
    if expected_protocol is not None:
        expected = json.loads(_canonical(expected_protocol))
        if protocol != expected:
            keys = sorted(k for k in set(protocol) | set(expected) if protocol.get(k, ...) != expected.get(k, ...))
            raise ProtocolMismatchError(
                f"Statistics in {path} were measured with protocol {_canonical(protocol)}, "
                f"but {_canonical(expected)} was expected (differs in: {', '.join(keys)}). "
                "Compute statistics for the expected protocol instead of reusing this file."
            )
    return Statistics(mu, sigma, n, protocol)


__all__ = [
    "RunningMoments",
    "Statistics",
    "save_moments",
    "load_moments",
    "warn_if_singular",
    "ProtocolMismatchError",
    "SingularCovarianceWarning",
]
