"""tfgan_zoo.analysis.fdivergences against closed forms and independent quadrature."""

import math

import numpy as np
import pytest

from tfgan_zoo.analysis import fdivergences as F
from tfgan_zoo.losses import F_DIVERGENCES

X = np.linspace(-20.0, 22.0, 42001)
DX = float(X[1] - X[0])


def _logn(x, m, s):
    return -0.5 * ((x - m) / s) ** 2 - math.log(s) - 0.5 * math.log(2 * math.pi)


@pytest.mark.parametrize("divergence", F_DIVERGENCES)
@pytest.mark.parametrize("theta", [0.5, 1.0, 2.0])
def test_closed_forms_agree_with_quadrature(divergence, theta):
    # Trapezoid rule on a 0.001 grid for integrands smooth on the scale of 1: error far below 1e-8.
    grid = F.divergence_on_grid(divergence, _logn(X, 0, 1), _logn(X, theta, 1), DX)
    assert grid == pytest.approx(float(F.gaussian_shift(divergence, theta)), abs=1e-8)


def test_quadrature_of_kl_between_unequal_widths_and_its_control():
    # KL(N(0, 1) || N(0, 2^2)) = log 2 + 1/8 - 1/2; the reverse, KL(N(0, 4) || N(0, 1)) = -log 2 + 2 - 1/2:
    # with unequal widths the two rows differ (control: they agree for the equal-width shift above).
    lp, lq = _logn(X, 0, 1), _logn(X, 0, 2)
    assert F.divergence_on_grid("kl", lp, lq, DX) == pytest.approx(math.log(2) + 0.125 - 0.5, abs=1e-8)
    assert F.divergence_on_grid("reverse-kl", lp, lq, DX) == pytest.approx(-math.log(2) + 1.5, abs=1e-8)


def test_gaussian_shift_limits():
    assert float(F.gaussian_shift("js", 50.0)) == pytest.approx(2 * math.log(2))
    assert float(F.gaussian_shift("gan", 0.0)) == pytest.approx(-math.log(4))
    assert float(F.gaussian_shift("hellinger", 50.0)) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="Unknown f-divergence 'chi2'"):
        F.gaussian_shift("chi2", 1.0)


def test_forward_kl_fit_matches_moments_and_reverse_kl_seeks_a_mode():
    # KL(P || Q) over Gaussians Q is minimised by moment matching: mu 0, s^2 = 0.5^2 + 2^2. KL(Q || P) puts Q
    # on one mode: the other mode contributes q log(q / p) with p ~ 0.5 N(+-2, 0.25) there, so mu = +-2 and
    # s = 0.5 to within the optimiser's tolerance (1e-6) and the other mode's pull (e^-32).
    kl = F.fit_gaussian("kl")
    assert kl["mu"] == pytest.approx(0.0, abs=1e-3) and kl["sigma"] == pytest.approx(math.sqrt(4.25), abs=1e-3)
    rev = F.fit_gaussian("reverse-kl")
    assert abs(rev["mu"]) == pytest.approx(2.0, abs=1e-3) and rev["sigma"] == pytest.approx(0.5, abs=1e-3)
    assert rev["value"] == pytest.approx(math.log(2), abs=1e-4)  # Q = one mode: KL = log(1 / 0.5)


def test_fit_sweep_orders_the_divergences():
    r = F.fit_sweep(["kl", "reverse-kl", "js"], [1.0, 3.0])
    assert r["kl"]["seeks"] == [False, False]
    assert r["reverse-kl"]["seeks"] == [False, True]
    assert r["js"]["seeks"] == [False, True]
    assert r["kl"]["sigma"][1] == pytest.approx(math.sqrt(9.25), abs=1e-3)


def test_f_prime_is_the_optimal_critic():
    # At u = 1 (p = q) the optimal critic is f'(1): 1 for kl, -1 for reverse-kl, 0 for pearson, hellinger and
    # js, -log 2 for gan.
    vals = [float(F.f_prime(d, np.array([1.0]))[0]) for d in F_DIVERGENCES]
    assert vals == pytest.approx([1.0, -1.0, 0.0, 0.0, 0.0, -math.log(2)])


def test_critic_bound_approaches_kl_from_below():
    # KL(N(0,1) || N(1,1)) = 0.5. The held-out bound uses 8,192 samples of each: its sampling sd is about
    # sqrt((Var_P[T] + Var_Q[e^(T-1)]) / 8192) = sqrt((1 + 1.7) / 8192) = 0.018 near the optimum, so 0.06 is
    # over 3 sd plus what 300 Adam steps leave. Control: the untrained critic's bound is far below.
    r = F.critic_bound("kl", theta=1.0, steps=300)
    assert r["exact"] == 0.5
    assert r["final"] == pytest.approx(0.5, abs=0.06)
    assert r["bound"][0] < 0.2
    assert len(r["steps"]) == len(r["bound"]) == 16
