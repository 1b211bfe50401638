"""f-GAN: a critic trained with the f-GAN loss estimates the f-divergence between two known Gaussians.

P = N(mu, 1) plays the data, Q = N(0, 1) the generator. Closed forms: KL(P || Q) = mu^2 / 2 and
Pearson chi^2(P || Q) = exp(mu^2) - 1. The critic (MLP 1-32-32-1, tanh) maximises the variational bound
E_P[T] - E_Q[f*(T)] <= D_f(P || Q) (T = g_f(v)); -L_D on 200,000 fresh samples per side is the estimate.

Tolerances. Above: the bound cannot exceed the divergence, so only Monte Carlo error can put the estimate
above it; its standard deviation is sqrt((Var_P T + Var_Q f*(T)) / N) at the optimal T: 0.0037 for KL at
mu = 1 (Var_P T = mu^2 = 1, Var_Q(p/q) = e - 1) and 0.0048 for Pearson at mu = 0.5 (4 Var_P(p/q) = 1.87,
Var_Q((p/q)^2) = e^1.5 - e^0.5 = 2.83); 4 of them are allowed. Below: the critic's optimisation gap, measured
on seeds 0-2 (AMD EPYC without AVX-512) at 0.2-1.9% for KL and 1.1-4.9% for Pearson; allowed 8% and 12%.
Control: the same critic untrained is far outside the band (a valid but loose bound).
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo import losses as L


def estimate(divergence, mu, seed=0, steps=600, batch=1024):
    keras.utils.set_random_seed(seed)
    critic = keras.Sequential([keras.Input((1,)), keras.layers.Dense(32, activation="tanh"),
                               keras.layers.Dense(32, activation="tanh"), keras.layers.Dense(1)])
    opt = keras.optimizers.Adam(3e-3)

    @tf.function
    def step(p, q):
        with tf.GradientTape() as tape:
            loss = L.fgan_discriminator_loss(critic(p), critic(q), divergence)
        opt.apply_gradients(zip(tape.gradient(loss, critic.trainable_variables), critic.trainable_variables))

    rng = np.random.default_rng(seed)
    for _ in range(steps):
        step(rng.normal(mu, 1, (batch, 1)).astype("float32"), rng.normal(0, 1, (batch, 1)).astype("float32"))
    p, q = rng.normal(mu, 1, (200_000, 1)).astype("float32"), rng.normal(0, 1, (200_000, 1)).astype("float32")
    return -float(L.fgan_discriminator_loss(critic(p), critic(q), divergence))


@pytest.mark.parametrize("divergence,mu,exact,sd,gap", [
    ("kl", 1.0, 0.5, 0.0037, 0.08),
    ("pearson", 0.5, math.exp(0.25) - 1, 0.0048, 0.12),
])
def test_a_trained_critic_estimates_the_divergence(divergence, mu, exact, sd, gap):
    est = estimate(divergence, mu)
    assert exact * (1 - gap) <= est <= exact + 4 * sd, (est, exact)
    untrained = estimate(divergence, mu, steps=0)
    assert not exact * (1 - gap) <= untrained <= exact + 4 * sd, untrained  # control
