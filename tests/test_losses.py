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
