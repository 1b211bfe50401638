"""Each loss against values worked out by hand on fixed logits."""

import math

import numpy as np
import pytest

from tfgan_zoo import losses as L

R = np.array([[2.0], [-1.0]], np.float32)   # logits on real images
F = np.array([[0.0], [1.0]], np.float32)    # logits on fake images


def sp(t):
    return math.log1p(math.exp(t))


def close(a, b):
    assert float(a) == pytest.approx(b, rel=1e-6, abs=1e-6)


def test_minimax_discriminator():
    # -mean log sigma(r) - mean log(1 - sigma(f))
    expected = (sp(-2) + sp(1)) / 2 + (sp(0) + sp(1)) / 2
    close(L.minimax_discriminator_loss(R, F), expected)


def test_generator_losses():
    close(L.minimax_generator_loss(F), -(sp(0) + sp(1)) / 2)        # mean log(1 - sigma(f))
    close(L.nonsaturating_generator_loss(F), (sp(0) + sp(-1)) / 2)  # -mean log sigma(f)


def test_bce_equilibrium_is_2ln2():
    zeros = np.zeros((4, 1), np.float32)  # D = sigma(0) = 1/2
    close(L.minimax_discriminator_loss(zeros, zeros), 2 * math.log(2))
    assert L.LOSSES["nsgan"].equilibrium == pytest.approx(2 * math.log(2))


def test_least_squares():
    # 1/2 mean (r-1)^2 + 1/2 mean f^2 = 1/2 * (1 + 4)/2 + 1/2 * (0 + 1)/2
    close(L.least_squares_discriminator_loss(R, F), 0.5 * 2.5 + 0.5 * 0.5)
    close(L.least_squares_generator_loss(F), 0.5 * (1 + 0) / 2)
    # labels a=-1, b=1, c=0: 1/2 mean (r-1)^2 + 1/2 mean (f+1)^2
    close(L.least_squares_discriminator_loss(R, F, 1.0, -1.0), 0.5 * 2.5 + 0.5 * (1 + 4) / 2)
    close(L.least_squares_generator_loss(F, 0.0), 0.5 * (0 + 1) / 2)
    half = np.full((3, 1), 0.5, np.float32)  # optimal D at p_g = p_data for a=0, b=1
    close(L.least_squares_discriminator_loss(half, half), L.LOSSES["lsgan"].equilibrium)


def test_wasserstein():
    close(L.wasserstein_discriminator_loss(R, F), 0.5 - 0.5)  # mean f - mean r = 0.5 - 0.5
    close(L.wasserstein_discriminator_loss(F, R), 0.0)
    close(L.wasserstein_discriminator_loss(np.array([3.0, 1.0]), np.array([0.0, -2.0])), -1.0 - 2.0)
    close(L.wasserstein_generator_loss(F), -0.5)


def test_hinge():
    # mean relu(1 - r) = (0 + 2)/2 ; mean relu(1 + f) = (1 + 2)/2
    close(L.hinge_discriminator_loss(R, F), 1.0 + 1.5)
    close(L.hinge_generator_loss(F), -0.5)
    zeros = np.zeros((2, 1), np.float32)
    close(L.hinge_discriminator_loss(zeros, zeros), L.LOSSES["hinge"].equilibrium)


def test_losses_are_float32_for_half_precision_logits():
    r = np.array([[30.0]], np.float16)
    out = L.minimax_discriminator_loss(r, -r)
    assert "float32" in str(out.dtype)
    assert np.isfinite(float(out))


def test_unknown_loss_lists_choices():
    with pytest.raises(ValueError, match="Valid losses: .*gan.*hinge"):
        L.get_loss_pair("wasserstein")


# -------------------------------------------------------------------------------------------------- f-GAN
def _naive(v, divergence):
    """f*(g_f(v)) the long way, in float64: g_f from its definition, then the conjugate f* of Nowozin et al.'s
    Table 6 applied to it (exact here; in float32 the rounding of g_f breaks it, see the last test)."""
    v = np.float64(v)
    g = {"kl": v, "reverse-kl": -np.exp(-v), "pearson": v, "hellinger": 1 - np.exp(-v),
         "js": np.log(2) - np.log1p(np.exp(-v)), "gan": -np.log1p(np.exp(-v))}[divergence]
    conj = {"kl": lambda t: np.exp(t - 1), "reverse-kl": lambda t: -1 - np.log(-t),
            "pearson": lambda t: t * t / 4 + t, "hellinger": lambda t: t / (1 - t),
            "js": lambda t: -np.log(2 - np.exp(t)), "gan": lambda t: -np.log(1 - np.exp(t))}[divergence]
    return g, conj(g)


@pytest.mark.parametrize("divergence", L.F_DIVERGENCES)
def test_fgan_activation_and_composed_conjugate_against_the_table(divergence):
    for v in (-2.0, -0.5, 0.0, 0.7, 3.0):
        g, fstar = _naive(v, divergence)
        assert float(L.fgan_activation(np.float32(v), divergence)) == pytest.approx(g, rel=1e-5, abs=1e-6)
        assert float(L.fgan_conjugate(np.float32(v), divergence)) == pytest.approx(fstar, rel=1e-5, abs=1e-6)


def test_fgan_losses_by_hand():
    # KL, r = 1, f = -1: L_D = -g(1) + f*(g(-1)) = -1 + exp(-2); L_G = -g(-1) = 1
    assert float(L.fgan_discriminator_loss(np.array([1.0]), np.array([-1.0]), "kl")) == pytest.approx(
        -1 + math.exp(-2), rel=1e-6)
    assert float(L.fgan_generator_loss(np.array([-1.0]), "kl")) == pytest.approx(1.0)
    # Pearson, r = 2, f = 2: -2 + (1 + 2) = 1; saddle G: -(1 + 2) = -3
    assert float(L.fgan_discriminator_loss(np.array([2.0]), np.array([2.0]), "pearson")) == pytest.approx(1.0)
    assert float(L.fgan_generator_loss(np.array([2.0]), "pearson", saddle=True)) == pytest.approx(-3.0)
    # reverse KL, r = 0, f = 0: -(-1) + (0 - 1) = 0, the value at equilibrium (f(1) = 0)
    assert float(L.fgan_discriminator_loss(np.zeros(3), np.zeros(3), "reverse-kl")) == pytest.approx(0.0, abs=1e-7)
    with pytest.raises(ValueError, match="Unknown f-divergence 'tv'. Valid: kl, reverse-kl"):
        L.fgan_activation(np.zeros(1), "tv")


def test_fgan_gan_row_is_the_bce_gan():
    r, f = np.random.default_rng(0).normal(0, 2, (2, 64)).astype("float32")
    np.testing.assert_allclose(float(L.fgan_discriminator_loss(r, f, "gan")),
                               float(L.minimax_discriminator_loss(r, f)), rtol=1e-6)
    np.testing.assert_allclose(float(L.fgan_generator_loss(f, "gan")), float(L.nonsaturating_generator_loss(f)),
                               rtol=1e-6)
    np.testing.assert_allclose(float(L.fgan_generator_loss(f, "gan", saddle=True)),
                               float(L.minimax_generator_loss(f)), rtol=1e-6)


def test_fgan_composed_forms_stay_finite_where_the_naive_ones_do_not():
    # Hellinger at v = 20: g_f = 1 - 2e-9 rounds to 1 in float32, so f*(t) = t / (1 - t) is inf; the composed form
    # exp(v) - 1 is exact. KL at v = 200 (a diverged critic): exp is clipped at EXP_LIMIT, finite in float16 logits.
    g32 = np.float32(1) - np.exp(np.float32(-20))
    assert g32 == 1.0  # the control: the naive route breaks
    assert float(L.fgan_conjugate(np.float32(20), "hellinger")) == pytest.approx(math.exp(20) - 1, rel=1e-6)
    for divergence in L.F_DIVERGENCES:
        for v in (np.float16(-200), np.float16(200)):
            assert np.isfinite(float(L.fgan_discriminator_loss(np.array([v]), np.array([v]), divergence))), divergence


# ------------------------------------------------------------------------------------------ relativistic
def _sp(t):
    return math.log1p(math.exp(t))


def test_relativistic_losses_by_hand():
    r, f = np.array([2.0, 0.0]), np.array([1.0, -1.0])  # mean r = 1, mean f = 0
    # RSGAN pairs (2, 1), (0, -1): D = mean softplus(f - r) = softplus(-1); G = softplus(1)
    assert float(L.relativistic_discriminator_loss(r, f)) == pytest.approx(_sp(-1), rel=1e-6)
    assert float(L.relativistic_generator_loss(f, r)) == pytest.approx(_sp(1), rel=1e-6)
    # RaGAN: D = mean softplus(0 - r) + mean softplus(f - 1) = (sp(-2) + sp(0)) / 2 + (sp(0) + sp(-2)) / 2
    assert float(L.relativistic_average_discriminator_loss(r, f)) == pytest.approx(_sp(-2) + _sp(0), rel=1e-6)
    #        G = mean softplus(1 - f) + mean softplus(r - 0) = (sp(0) + sp(2)) / 2 + (sp(2) + sp(0)) / 2
    assert float(L.relativistic_average_generator_loss(f, r)) == pytest.approx(_sp(0) + _sp(2), rel=1e-6)
    # RaLSGAN: D = mean (r - 0 - 1)^2 + mean (f - 1 + 1)^2 = (1 + 1) / 2 + (1 + 1) / 2 = 2
    assert float(L.relativistic_average_least_squares_discriminator_loss(r, f)) == pytest.approx(2.0)
    #          G = mean (f - 1 - 1)^2 + mean (r - 0 + 1)^2 = (1 + 9) / 2 + (9 + 1) / 2 = 10
    assert float(L.relativistic_average_least_squares_generator_loss(f, r)) == pytest.approx(10.0)


@pytest.mark.parametrize("kind", list(L.RELATIVISTIC))
def test_relativistic_equilibrium(kind):
    d_loss, _, eq = L.RELATIVISTIC[kind]
    c = np.full(8, 0.37)  # p_g = p_data: D cannot tell them apart, whatever its constant output
    assert float(d_loss(c, c)) == pytest.approx(eq, rel=1e-6)
    assert float(d_loss(c + 1, c)) != pytest.approx(eq, rel=1e-3)  # control: a D that separates them scores off it


def test_one_sided_label_smoothing_by_hand():
    # r = 0, f = 0, target 0.9: 0.9 sp(0) + 0.1 sp(0) + sp(0) = 2 ln 2 (unchanged at D = 1/2)
    assert float(L.minimax_discriminator_loss(np.zeros(2), np.zeros(2), 0.9)) == pytest.approx(2 * math.log(2))
    # r = 3, f = -1: 0.9 sp(-3) + 0.1 sp(3) + sp(-1); the unsmoothed loss is sp(-3) + sp(-1)
    want = 0.9 * _sp(-3) + 0.1 * _sp(3) + _sp(-1)
    assert float(L.minimax_discriminator_loss(np.array([3.0]), np.array([-1.0]), 0.9)) == pytest.approx(want, rel=1e-6)
    assert float(L.minimax_discriminator_loss(np.array([3.0]), np.array([-1.0]))) != pytest.approx(want, rel=1e-3)
    # the optimum of the smoothed real term is sigma(r) = 0.9, r = logit(0.9): its derivative vanishes there
    import tensorflow as tf

    r = tf.Variable([math.log(9.0)])
    with tf.GradientTape() as tape:
        loss = L.minimax_discriminator_loss(r, np.zeros(1), 0.9)
    assert float(tape.gradient(loss, r)[0]) == pytest.approx(0.0, abs=1e-6)


# -------------------------------------------------------------------------------------------------- MMD
def _mmd2_numpy(x, y, k):
    """The unbiased MMD^2 written out with loops over pairs (float64), independent of the shared estimator."""
    m, n = len(x), len(y)
    sxx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    syy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    sxy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return sxx + syy - 2 * sxy


def test_mmd2_with_both_kernels_against_pairwise_loops():
    rng = np.random.default_rng(0)
    x, y = rng.normal(0, 1, (5, 3)), rng.normal(0.5, 1.5, (4, 3))

    def rbf(a, b):
        return sum(math.exp(-np.sum((a - b) ** 2) / (2 * s * s)) for s in (1, 2, 4, 8, 16))

    def rq_lin(a, b):
        return sum((1 + np.sum((a - b) ** 2) / (2 * al)) ** (-al) for al in (0.2, 0.5, 1, 2, 5)) + float(a @ b)

    # float32 kernels of sums of 5 terms of size ~1-10: 1e-5 relative, 1e-5 absolute on differences of them
    assert float(L.mmd2(x, y, "rbf")) == pytest.approx(_mmd2_numpy(x, y, rbf), rel=1e-4, abs=1e-5)
    assert float(L.mmd2(x, y, "rq-linear")) == pytest.approx(_mmd2_numpy(x, y, rq_lin), rel=1e-4, abs=1e-4)
    assert float(L.mmd_discriminator_loss(x, y)) == pytest.approx(-float(L.mmd_generator_loss(y, x)), rel=1e-6)
    # images are flattened: (n, 2, 2, 1) behaves as (n, 4)
    xi, yi = rng.normal(size=(4, 2, 2, 1)), rng.normal(size=(3, 2, 2, 1))
    assert float(L.mmd2(xi, yi)) == pytest.approx(float(L.mmd2(xi.reshape(4, 4), yi.reshape(3, 4))), rel=1e-6)
    # control: MMD^2 between two large samples of one distribution is near 0, between shifted ones it is not
    a, b = rng.normal(0, 1, (400, 2)), rng.normal(0, 1, (400, 2))
    assert abs(float(L.mmd2(a, b))) < 0.01 < float(L.mmd2(a, b + 1.0))
    with pytest.raises(ValueError, match="Unknown MMD kernel 'poly'"):
        L.mmd2(x, y, "poly")


def test_kid_and_the_mmd_losses_share_one_estimator():
    from tfgan_zoo.metrics import kid
    from tfgan_zoo.mmd import mmd2_unbiased_from_kernels

    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 4)), rng.normal(size=(5, 4))
    kxx, kyy, kxy = (kid.polynomial_kernel(a, b) for a, b in ((x, x), (y, y), (x, y)))
    assert kid.mmd2_unbiased(x, y) == mmd2_unbiased_from_kernels(kxx, kyy, kxy, np)  # the same code, bit for bit
    assert kid.mmd2_unbiased(x, y) == pytest.approx(_mmd2_numpy(x, y, lambda a, b: (a @ b / 4 + 1) ** 3), rel=1e-12)
