import warnings

import numpy as np
import pytest
import scipy.linalg

from tfgan_zoo.metrics.frechet import (
    frechet_distance,
    frechet_distance_from_features,
    frechet_distance_from_moments,
    trace_sqrt_product,
)
from tfgan_zoo.metrics.moments import RunningMoments, SingularCovarianceWarning


def _random_cov(rng, d, rank=None, scale=1.0):
    rank = d if rank is None else rank
    a = rng.standard_normal((d, rank)) * scale
    return a @ a.T / rank


def _scipy_fid(mu1, c1, mu2, c2):
    """The pytorch-fid computation: sqrtm of the product, real part, trace."""
    covmean = scipy.linalg.sqrtm(c1 @ c2)
    return float((mu1 - mu2) @ (mu1 - mu2) + np.trace(c1) + np.trace(c2) - 2 * np.trace(covmean.real))


def _eigh_trace_sqrt(c1, c2):
    """Independent reference: symmetric square root of c1 via eigh, then eigenvalues of sqrt(c1) c2 sqrt(c1)."""
    w, v = np.linalg.eigh(c1)
    r = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    ev = np.linalg.eigvalsh(r @ c2 @ r)
    return float(np.sum(np.sqrt(np.clip(ev, 0, None))))


@pytest.mark.parametrize("seed", range(4))
def test_agrees_with_scipy_sqrtm_well_conditioned(seed):
    rng = np.random.default_rng(seed)
    d = 40
    c1 = _random_cov(rng, d) + 0.1 * np.eye(d)
    c2 = _random_cov(rng, d, scale=2.0) + 0.1 * np.eye(d)
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d) + 0.5
    ours = frechet_distance(mu1, c1, mu2, c2)
    ref = _scipy_fid(mu1, c1, mu2, c2)
    assert ours == pytest.approx(ref, rel=1e-6)


def test_identical_inputs_give_zero():
    rng = np.random.default_rng(5)
    c = _random_cov(rng, 30)
    mu = rng.standard_normal(30)
    assert abs(frechet_distance(mu, c, mu, c)) < 1e-9 * np.trace(c)
    s = _random_cov(rng, 30, rank=4)  # singular too
    assert abs(frechet_distance(mu, s, mu, s)) < 1e-7 * np.trace(s)


def test_diagonal_closed_form():
    rng = np.random.default_rng(6)
    a, b = rng.uniform(0, 3, 25), rng.uniform(0, 3, 25)
    a[:5] = 0.0  # singular
    mu1, mu2 = rng.standard_normal(25), rng.standard_normal(25)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-10)


def test_commuting_closed_form():
    rng = np.random.default_rng(7)
    q, _ = np.linalg.qr(rng.standard_normal((20, 20)))
    a, b = rng.uniform(0.1, 4, 20), rng.uniform(0.1, 4, 20)
    c1, c2 = (q * a) @ q.T, (q * b) @ q.T
    c1, c2 = (c1 + c1.T) / 2, (c2 + c2.T) / 2
    expected = np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(np.zeros(20), c1, np.zeros(20), c2) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("r1,r2", [(3, 20), (20, 3), (5, 7), (1, 1), (0, 6)])
def test_rank_deficient_is_real_finite_and_correct(r1, r2):
    rng = np.random.default_rng(8)
    d = 20
    c1 = _random_cov(rng, d, rank=r1) if r1 else np.zeros((d, d))
    c2 = _random_cov(rng, d, rank=r2)
    t = trace_sqrt_product(c1, c2)
    assert isinstance(t, float) and np.isfinite(t)
    assert t == pytest.approx(_eigh_trace_sqrt(c2, c1), rel=1e-6, abs=1e-9)
    mu = rng.standard_normal(d)
    fd = frechet_distance(mu, c1, mu + 1, c2)
    assert np.isfinite(fd) and fd >= 0


def test_tiny_negative_eigenvalues_are_clipped():
    rng = np.random.default_rng(9)
    q, _ = np.linalg.qr(rng.standard_normal((10, 10)))
    w = np.array([1.0, 0.5, 0.2, 1e-3, 0, 0, -1e-15, -1e-16, 0, 0])
    c1 = (q * w) @ q.T
    c1 = (c1 + c1.T) / 2
    fd = frechet_distance(np.zeros(10), c1, np.zeros(10), np.eye(10))
    assert np.isfinite(fd)
    expected = np.sum((np.sqrt(np.clip(w, 0, None)) - 1) ** 2)
    assert fd == pytest.approx(expected, rel=1e-6)


def test_float32_inputs():
    rng = np.random.default_rng(10)
    c = _random_cov(rng, 8).astype(np.float32)
    fd = frechet_distance(np.zeros(8, np.float32), c, np.ones(8, np.float32), c)
    assert fd == pytest.approx(8.0, rel=1e-5)


def test_mismatched_dims_raise():
    with pytest.raises(ValueError, match="Mismatched dimensions"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
    with pytest.raises(ValueError, match="Mismatched dimensions"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), np.eye(4))
    with pytest.raises(ValueError, match="square"):
        frechet_distance(np.zeros(3), np.ones((3, 2)), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="symmetric"):
        frechet_distance(np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="Feature dimensions differ"):
        frechet_distance_from_features(np.zeros((5, 3)), np.zeros((5, 4)))


def test_few_samples_warn_singular_but_stay_finite():
    rng = np.random.default_rng(11)
    f1, f2 = rng.standard_normal((12, 30)), rng.standard_normal((50, 30))
    with pytest.warns(SingularCovarianceWarning, match=r"only 12 samples for 30 feature dimensions.*singular"):
        fd = frechet_distance_from_features(f1, f2)
    assert np.isfinite(fd) and fd > 0


def test_from_moments_matches_direct_and_no_warning_when_enough():
    rng = np.random.default_rng(12)
    f1, f2 = rng.standard_normal((60, 6)), rng.standard_normal((70, 6)) + 1
    a, b = RunningMoments().update(f1), RunningMoments().update(f2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = frechet_distance_from_moments(a, b)
    ref = frechet_distance(f1.mean(0), np.cov(f1, rowvar=False), f2.mean(0), np.cov(f2, rowvar=False))
    assert got == pytest.approx(ref, rel=1e-10)


def test_pivoted_path_on_full_rank_matches_scipy(monkeypatch):
    # Force the fallback used when plain Cholesky fails, on inputs where it reaches full rank.
    import scipy.linalg.lapack

    rng = np.random.default_rng(13)
    c1 = _random_cov(rng, 25) + 0.05 * np.eye(25)
    c2 = _random_cov(rng, 25) + 0.05 * np.eye(25)
    mu = rng.standard_normal(25)
    expected = _scipy_fid(mu, c1, mu * 0, c2)
    monkeypatch.setattr(scipy.linalg.lapack, "dpotrf", lambda a, **kw: (a, 1))
    assert frechet_distance(mu, c1, mu * 0, c2) == pytest.approx(expected, rel=1e-9)


def test_inputs_are_not_modified():
    rng = np.random.default_rng(14)
    c1, c2 = _random_cov(rng, 12), _random_cov(rng, 12, rank=3)
    k1, k2 = c1.copy(), c2.copy()
    frechet_distance(np.zeros(12), c1, np.zeros(12), c2)
    frechet_distance(np.zeros(12), c2, np.zeros(12), c1)
    np.testing.assert_array_equal(c1, k1)
    np.testing.assert_array_equal(c2, k2)
