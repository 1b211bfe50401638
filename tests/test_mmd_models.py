"""The MMD models against closed forms: a trained MMD GAN critic finds the feature map that maximises MMD^2
between two Gaussians; GMMN (a generator trained by MMD^2 on the data, no discriminator) learns one."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy.optimize import minimize_scalar

from tfgan_zoo import losses as L, models
from tfgan_zoo.models.gmmn import MEDIAN_MULTIPLIERS, median_bandwidths


def small_generator(seed=0):
    init = keras.initializers.GlorotUniform(seed=seed)
    z = keras.Input((2,))
    h = keras.layers.Dense(32, activation="relu", kernel_initializer=init)(z)
    h = keras.layers.Dense(32, activation="relu", kernel_initializer=init)(h)
    return keras.Model(z, keras.layers.Dense(2, kernel_initializer=init)(h))


def test_median_bandwidths_against_numpy():
    x = np.random.default_rng(0).normal(size=(9, 3, 2)).astype(np.float32)
    flat = x.reshape(9, -1).astype(np.float64)
    d = np.sqrt(((flat[:, None] - flat[None]) ** 2).sum(-1))[~np.eye(9, dtype=bool)]  # 72 off-diagonal distances
    median = np.sort(d)[len(d) // 2]  # the upper median, as the layer takes it
    got = [float(b) for b in median_bandwidths(tf.constant(x))]
    np.testing.assert_allclose(got, [m * median for m in MEDIAN_MULTIPLIERS], rtol=1e-5)


def test_the_loss_is_the_shared_unbiased_mmd2():
    rng = np.random.default_rng(1)
    real, fake = (tf.constant(rng.normal(size=(16, 4)), tf.float32) for _ in range(2))
    model = models.GMMN(small_generator(), latent_dim=2, sigmas=(0.5, 2.0))
    np.testing.assert_allclose(float(model.loss_on(real, fake)), float(L.mmd2(real, fake, "rbf", sigmas=(0.5, 2.0))),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="sigmas must be bandwidths"):
        models.GMMN(small_generator(), sigmas=(1.0, -2.0))


def test_gmmn_learns_a_gaussian_and_saves(tmp_path):
    """Target N((2, -1), 0.5^2 I). After 300 steps at batch 256 the sample mean of 2,000 draws is within 0.25 of
    (2, -1) (the draws' own standard error is 0.011; the rest is what 300 steps of MMD with median bandwidths
    leave, 0.1 measured on an AMD EPYC) and each standard deviation within [0.35, 0.7]. Control: the untrained
    generator's mean is more than 1.5 away."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    data = (rng.normal(size=(4096, 2)) * 0.5 + [2.0, -1.0]).astype("float32")
    ds = tf.data.Dataset.from_tensor_slices(data).shuffle(4096, seed=0).batch(256, drop_remainder=True).repeat()
    model = models.GMMN(small_generator(), seed=0)
    model.compile()
    target = np.array([2.0, -1.0])
    assert np.linalg.norm(model.generate(2000).numpy().mean(0) - target) > 1.5
    hist = model.fit(ds, steps_per_epoch=100, epochs=3, verbose=0).history["mmd2"]
    assert hist[-1] < hist[0] / 10
    x = model.generate(2000).numpy()
    assert np.all(np.abs(x.mean(0) - target) < 0.25), x.mean(0)
    assert np.all((x.std(0) > 0.35) & (x.std(0) < 0.7)), x.std(0)
    path = str(tmp_path / "gmmn.keras")
    model.save(path)
    back = keras.models.load_model(path)
    assert (back.sigmas, back.latent_dim, back.prior) == ("median", 2, "normal")
    z = tf.random.normal((5, 2), seed=2)
    np.testing.assert_allclose(back.generate(z), model.generate(z), atol=1e-6)


# ----------------------------------------------------------------------------------------- the MMD GAN critic
SIGMAS = (1.0, 2.0, 4.0, 8.0, 16.0)  # MMDGAN's default RBF mixture


def mmd2_of_a_linear_feature(w, shift=(1.0, 0.0)):
    """``MMD^2`` with the RBF mixture between ``phi(X)`` and ``phi(Y)``, ``phi(x) = <w, x>``, ``X ~ N(0, I)``,
    ``Y ~ N(shift, I)``, in closed form: ``phi(X) ~ N(0, t^2)``, ``phi(Y) ~ N(D, t^2)`` with ``t = ||w||``,
    ``D = <w, shift>``, and for one bandwidth ``s``: ``E k(X, X') = s / sqrt(s^2 + 2 t^2)``,
    ``E k(X, Y) = s / sqrt(s^2 + 2 t^2) exp(-D^2 / (2 (s^2 + 2 t^2)))``."""
    w = np.asarray(w, np.float64)
    t2, d = float(w @ w), float(w @ np.asarray(shift))
    return sum(2 * s / np.sqrt(s * s + 2 * t2) * (1 - np.exp(-d * d / (2 * (s * s + 2 * t2)))) for s in SIGMAS)


def test_a_trained_mmd_critic_finds_the_maximising_feature_map():
    """phi(x) = <w, x> on 2-D Gaussians N(0, I) vs N((1, 0), I). Only the first coordinate differs, so the best w
    points along it (any other component adds variance, not mean difference), with the length that maximises the
    closed form (5.13, found by scipy). Trained by the MMD GAN's own critic loss (400 Adam steps, batch 256) from a
    w that points mostly the wrong way, the critic must (1) align with (1, 0) to within cos > 0.99, (2) reach 98% of
    the maximal MMD^2 (the maximum is flat: 25% off in length costs < 1%), and (3) the model's estimate of MMD^2
    at the learned w, over 8 fresh batches of 2,000, must agree with the closed form within 4 standard errors."""
    x = keras.Input((2,))
    feat = keras.layers.Dense(1, use_bias=False, name="phi")(x)
    d = keras.Model(x, keras.layers.Dense(1, name="logit")(feat))
    d.get_layer("phi").set_weights([np.array([[0.1], [0.5]], np.float32)])
    z = keras.Input((2,))
    gan = models.build_gan("mmd", keras.Model(z, keras.layers.Dense(2)(z)), d, seed=0)
    (w_var,) = gan.phi.trainable_variables
    best = -minimize_scalar(lambda a: -mmd2_of_a_linear_feature([a, 0.0]), bounds=(0.01, 100), method="bounded").fun
    w0 = w_var.numpy()[:, 0]
    assert mmd2_of_a_linear_feature(w0) < 0.5 * best and abs(w0[0]) / np.linalg.norm(w0) < 0.3  # control
    opt = keras.optimizers.Adam(0.05)
    rng = np.random.default_rng(0)

    @tf.function
    def step(real, fake):
        with tf.GradientTape() as tape:
            loss = gan.discriminator_loss(gan.phi(real), gan.phi(fake))
        opt.apply_gradients([(tape.gradient(loss, w_var), w_var)])

    def batches(n):
        return (rng.normal(size=(n, 2)).astype("float32"), (rng.normal(size=(n, 2)) + [1.0, 0.0]).astype("float32"))

    for _ in range(400):
        step(*batches(256))
    w = w_var.numpy()[:, 0]
    assert abs(w[0]) / np.linalg.norm(w) > 0.99, w
    exact = mmd2_of_a_linear_feature(w)
    assert exact >= 0.98 * best, (exact, best)
    estimates = [-float(gan.discriminator_loss(gan.phi(r), gan.phi(f))) for r, f in (batches(2000) for _ in range(8))]
    se = np.std(estimates, ddof=1) / np.sqrt(len(estimates))
    assert abs(np.mean(estimates) - exact) < 4 * se, (estimates, exact)
