"""Lipschitz constraints, gradient penalties, EMA, and their composition with every loss."""

import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo import constraints, models, penalties
from tfgan_zoo.choices import LOSSES
from tfgan_zoo.composition import CombinationWarning


def linear_discriminator(shape=(4, 4, 1), norm=2.0):
    """D(x) = w . x + b with ||w||_2 = norm: its input gradient is w everywhere."""
    x = keras.Input(shape)
    out = keras.layers.Dense(1, dtype="float32")(keras.layers.Flatten()(x))
    d = keras.Model(x, out)
    n = int(np.prod(shape))
    d.layers[-1].set_weights([np.full((n, 1), norm / np.sqrt(n), np.float32), np.array([0.3], np.float32)])
    return d


@pytest.mark.parametrize("norm", [2.0, 0.5])
def test_penalties_match_closed_forms_on_a_linear_discriminator(norm):
    d = linear_discriminator(norm=norm)
    rng = np.random.default_rng(0)
    real = tf.constant(rng.uniform(-1, 1, (8, 4, 4, 1)), tf.float32)
    fake = tf.constant(rng.uniform(-1, 1, (8, 4, 4, 1)), tf.float32)
    lam = 10.0
    expected = {
        "gp": lam * (norm - 1) ** 2,
        "gp-one-sided": lam * max(0.0, norm - 1) ** 2,
        "r1": lam / 2 * norm**2,
        "dragan": lam * (norm - 1) ** 2,
    }
    for name, (fn, default_weight) in penalties.PENALTIES.items():
        assert default_weight == 10.0
        got = fn(d, real, fake, seed=keras.random.SeedGenerator(1), weight=lam)
        assert got.dtype == tf.float32
        assert float(got) == pytest.approx(expected[name], rel=1e-5, abs=1e-6), name


def test_penalties_stay_float32_under_mixed_precision():
    keras.config.set_dtype_policy("mixed_float16")
    d = linear_discriminator(norm=2.0)
    x = tf.ones((4, 4, 4, 1))
    for name, (fn, _) in penalties.PENALTIES.items():
        got = fn(d, x, -x, seed=0, weight=10.0)
        assert got.dtype == tf.float32 and np.isfinite(float(got)), name


def largest_singular_value(kernel):
    k = np.asarray(kernel)
    return np.linalg.svd(k.reshape(-1, k.shape[-1]), compute_uv=False)[0]


def test_spectral_norm_keeps_each_kernel_at_sigma_one(tiny_nets, tiny_data):
    g, d = tiny_nets()
    gan = models.HingeGAN(g, d, constraint="sn", seed=0)
    assert constraints.has_spectral_norm(gan.discriminator) and not constraints.has_spectral_norm(d)
    gan.compile()
    gan.fit(tiny_data(n=160, batch=16), epochs=3, verbose=0)  # 30 steps
    gan.discriminator(tf.zeros((2, 16, 16, 1)), training=True)  # the kernels as the next step sees them
    kernels = constraints.normalized_kernels(gan.discriminator)
    assert len(kernels) == 3  # two convolutions and the logit layer
    for k in kernels:
        assert largest_singular_value(k) == pytest.approx(1.0, rel=0.05)


def test_gradient_normalization_bounds_output_and_gradient(tiny_nets):
    _, d = tiny_nets()  # strided convs + LeakyReLU + dense: piecewise linear
    gn = constraints.GradientNormalized(d)
    x = tf.constant(np.random.default_rng(0).normal(0, 2, (32, 16, 16, 1)), tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        f_hat = gn(x)
    grads = tape.gradient(f_hat, x)
    assert f_hat.shape == (32, 1)
    assert float(tf.reduce_max(tf.abs(f_hat))) <= 1.0
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))
    assert float(tf.reduce_max(norms)) <= 1.0 + 1e-4
    # the normalised output has the sign of the raw output
    np.testing.assert_array_equal(np.sign(f_hat.numpy()), np.sign(d(x).numpy()))


def test_weight_clipping_with_any_loss(tiny_nets, tiny_data):
    g, d = tiny_nets()
    gan = models.LSGAN(g, d, constraint="clip", clip_value=0.05, seed=0)
    gan.compile()
    gan.fit(tiny_data(), epochs=1, verbose=0)
    assert max(float(np.abs(np.asarray(v)).max()) for v in gan.discriminator.trainable_variables) <= 0.05 + 1e-7


def test_ema_follows_its_formula_and_is_used_for_samples(tiny_nets, tiny_data):
    g, d = tiny_nets()
    gan = models.GAN(g, d, ema=0.9, seed=0)
    gan.compile()
    w0 = [np.asarray(v) for v in g.weights]
    x = next(iter(tiny_data()))
    gan.train_on_batch(x)
    for e, w, before in zip(gan.ema_generator.weights, g.weights, w0):
        expect = 0.9 * before + 0.1 * np.asarray(w) if w.trainable else np.asarray(w)
        np.testing.assert_allclose(np.asarray(e), expect, rtol=1e-5, atol=1e-6)
    z = tf.random.normal((3, 8), seed=1)
    np.testing.assert_allclose(gan.generate(z), gan.ema_generator(z, training=False), atol=1e-6)
    assert gan.sampling_generator is gan.ema_generator
    assert not gan.ema_generator.trainable_weights  # never touched by an optimizer
    with pytest.raises(ValueError, match=r"ema \(the decay\) must be in \(0, 1\)"):
        models.GAN(*tiny_nets(), ema=1.5)


def test_constrained_models_save_and_load(tiny_nets, tmp_path):
    for kwargs in ({"constraint": "sn", "ema": 0.99}, {"constraint": "gn"}):
        g, d = tiny_nets()
        gan = models.build_gan("wgan", g, d, seed=0, **kwargs)
        gan.compile()
        gan.train_on_batch(tf.random.uniform((8, 16, 16, 1), -1, 1, seed=2))
        path = str(tmp_path / f"{kwargs['constraint']}.keras")
        gan.save(path)
        back = keras.models.load_model(path)
        assert (back.constraint, back.ema) == (kwargs["constraint"], kwargs.get("ema"))
        z = tf.random.normal((2, 8), seed=3)
        np.testing.assert_allclose(back.generate(z), gan.generate(z), atol=1e-6)
        x = tf.random.uniform((4, 16, 16, 1), -1, 1, seed=4)
        np.testing.assert_allclose(back.discriminator(x), gan.discriminator(x), atol=1e-5)
        if kwargs["constraint"] == "sn":
            assert sum(isinstance(layer, keras.layers.SpectralNormalization)
                       for layer in back.discriminator.layers) == 3  # not wrapped twice


# the f-GAN, relativistic and MMD losses share a model class each: fgan-kl, ragan and mmd stand for them (every
# loss trains in test_models.py)
COMBOS = [(loss, c, p) for loss in LOSSES if loss in ("fgan-kl", "ragan", "mmd") or not (
          loss.startswith("fgan-") or loss in ("rsgan", "ralsgan", "mmd-gp")) for c in ("none", "clip", "sn", "gn", "gran")
          for p in ("none", "gp", "r1")]
# compiled with tf.function as in training, the others eagerly: one per constraint, each penalty once more
TRACED = {("nsgan", "sn", "r1"), ("hinge", "clip", "gp"), ("wgan", "gn", "none"), ("lsgan", "none", "gp")}


@pytest.mark.parametrize("loss,constraint,penalty", COMBOS)
def test_every_loss_constraint_penalty_combination(loss, constraint, penalty, tiny_nets, tiny_data):
    """Each of the 135 combinations is refused, warned about or allowed as ``composition.py`` says, and an
    allowed one trains to finite losses. Most run eagerly (1 s instead of 3.4 s each on a 2-core CPU without
    AVX-512: tracing dominates); the ``TRACED`` ones, every loss (``test_models.py``) and the constrained
    models that are saved and loaded are compiled as in training."""
    g, d = tiny_nets()
    kwargs = dict(constraint=constraint, penalty=penalty, n_critic=1, seed=0)
    if constraint in ("gn", "gran") and penalty != "none":
        with pytest.raises(ValueError, match="gradient normalization already bounds"):
            models.build_gan(loss, g, d, **kwargs)
        return
    if constraint in ("gn", "gran") and loss == "mmd":
        with pytest.raises(ValueError, match="the MMD loss reads the feature vector"):
            models.build_gan(loss, g, d, **kwargs)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gan = models.build_gan(loss, g, d, **kwargs)
    kinds = [str(w.message) for w in caught if issubclass(w.category, CombinationWarning)]
    expect_warning = (constraint == "clip" and penalty == "gp") or (
        loss in ("wgan", "wgan-gp") and constraint == "none" and penalty == "none")
    assert bool(kinds) == expect_warning, kinds
    gan.compile(run_eagerly=(loss, constraint, penalty) not in TRACED)
    hist = gan.fit(tiny_data(n=32, batch=16), epochs=1, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in hist.values())
    assert ("gp" in hist) == (penalty == "gp") and ("r1" in hist) == (penalty == "r1")


def test_unknown_constraint_or_penalty(tiny_nets):
    with pytest.raises(ValueError, match="Unknown constraint 'lipschitz'. Valid constraints: none, clip, sn, gn"):
        models.GAN(*tiny_nets(), constraint="lipschitz")
    with pytest.raises(ValueError, match="Unknown penalty 'r2'. Valid penalties: none, gp, gp-one-sided, r1"):
        models.GAN(*tiny_nets(), penalty="r2")
