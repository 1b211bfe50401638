import numpy as np
import pytest

from tfgan_zoo.metrics.kid import kernel_inception_distance, mmd2_unbiased, polynomial_kernel


def _k(a, b):
    d = len(a)
    s = 0.0
    for i in range(d):
        s += a[i] * b[i]
    return (s / d + 1.0) ** 3


def _brute_mmd2(x, y):
    m, n = len(x), len(y)
    sxx = sum(_k(x[i], x[j]) for i in range(m) for j in range(m) if i != j)
    syy = sum(_k(y[i], y[j]) for i in range(n) for j in range(n) if i != j)
    sxy = sum(_k(x[i], y[j]) for i in range(m) for j in range(n))
    return sxx / (m * (m - 1)) + syy / (n * (n - 1)) - 2 * sxy / (m * n)


def test_kernel_hand_computed():
    x = np.array([[1.0, 2.0]])
    y = np.array([[3.0, -1.0]])
    # x.y = 1, d = 2 -> (0.5 + 1)^3
    assert polynomial_kernel(x, y)[0, 0] == pytest.approx(3.375)


@pytest.mark.parametrize("m,n", [(2, 2), (4, 5), (6, 3)])
def test_mmd2_matches_brute_force(m, n):
    rng = np.random.default_rng(m * 10 + n)
    x, y = rng.standard_normal((m, 3)), rng.standard_normal((n, 3)) + 0.5
    assert mmd2_unbiased(x, y) == pytest.approx(_brute_mmd2(x, y), rel=1e-12)


def test_kid_all_vectors_one_subset_is_the_estimator():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((5, 4)), rng.standard_normal((5, 4)) * 2
    with pytest.warns(UserWarning, match="std is not an error bar"):  # capped at 5: whole sets
        mean, std = kernel_inception_distance(x, y, n_subsets=3, subset_size=50, seed=0)
    assert mean == pytest.approx(_brute_mmd2(x, y), rel=1e-12)
    assert std == pytest.approx(0.0, abs=1e-12)


def test_subsets_of_at_most_half_the_set_give_an_error_bar():
    """Subsets as large as the set are all one set (std 0, and a warning says so); kid_subset_size keeps them at
    most half the set, and their std then estimates the spread of a subset estimate: over 100 subsets of 300 from
    600 vectors it is positive and below the estimate's own scale."""
    from tfgan_zoo.metrics.kid import kid_subset_size

    assert [kid_subset_size(n) for n in (10_000, 2_000, 1_999, 600, 5, 3)] == [1000, 1000, 999, 300, 2, 2]
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((600, 8)), rng.standard_normal((600, 8)) + 0.5
    mean, std = kernel_inception_distance(a, b, subset_size=kid_subset_size(600), seed=0)
    assert 0 < std < mean
    with pytest.warns(UserWarning, match="std is not an error bar"):  # control: the old min(1000, n)
        whole = kernel_inception_distance(a, b, subset_size=min(1000, 600), seed=0)
    assert whole[1] == pytest.approx(0.0, abs=1e-12)


def test_same_distribution_near_zero_shifted_positive():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((400, 16)), rng.standard_normal((400, 16))
    same, same_std = kernel_inception_distance(a, b, n_subsets=20, subset_size=200, seed=0)
    shifted, shifted_std = kernel_inception_distance(a, b + 1.0, n_subsets=20, subset_size=200, seed=0)
    assert abs(same) < 0.05
    assert shifted > 0.5 and shifted > 10 * abs(same)
    assert same_std > 0 and shifted_std > 0


def test_seeded():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((100, 8)), rng.standard_normal((120, 8)) + 0.3
    r1 = kernel_inception_distance(a, b, n_subsets=5, subset_size=30, seed=7)
    r2 = kernel_inception_distance(a, b, n_subsets=5, subset_size=30, seed=7)
    r3 = kernel_inception_distance(a, b, n_subsets=5, subset_size=30, seed=8)
    assert r1 == r2 and r1 != r3


def test_bad_inputs():
    with pytest.raises(ValueError, match="dimensions differ"):
        kernel_inception_distance(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="at least 2"):
        kernel_inception_distance(np.zeros((1, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="2-D"):
        kernel_inception_distance(np.zeros(5), np.zeros((5, 3)))
