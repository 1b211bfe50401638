import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers, ops

from tfgan_zoo import models, nets, penalties


@pytest.mark.parametrize("loss", list(models.MODELS))
def test_every_loss_trains_with_one_step_function(loss, tiny_nets, tiny_data):
    g, d = tiny_nets()
    gan = models.build_gan(loss, g, d, seed=3)
    gan.compile()
    hist = gan.fit(tiny_data(), epochs=1, verbose=0).history
    expected = {"d_loss", "g_loss", "d_real", "d_fake"} | ({"gp"} if loss in ("wgan-gp", "mmd-gp") else set())
    assert set(hist) == expected
    assert all(math.isfinite(v[-1]) for v in hist.values())
    # 4 batches: n_critic discriminator updates per generator update
    assert int(gan.g_optimizer.iterations) == 4
    assert int(gan.d_optimizer.iterations) == 4 * gan.n_critic
    assert gan.loss_name == loss


def test_paper_defaults():
    g, d = keras.Sequential([keras.Input((2,)), layers.Dense(4)]), keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    wgan = models.build_gan("wgan", g, d)
    assert (wgan.n_critic, wgan.clip_value) == (5, 0.01)
    d_opt, g_opt = wgan.default_optimizers()
    assert isinstance(d_opt, keras.optimizers.RMSprop) and float(d_opt.learning_rate) == pytest.approx(5e-5)
    gp = models.build_gan("wgan-gp", g, d)
    assert (gp.n_critic, gp.gp_weight) == (5, 10.0)
    d_opt, _ = gp.default_optimizers()
    assert isinstance(d_opt, keras.optimizers.Adam)
    assert (float(d_opt.learning_rate), d_opt.beta_1, d_opt.beta_2) == pytest.approx((1e-4, 0.0, 0.9))
    assert models.build_gan("gan", g, d).generator_loss_kind == "minimax"
    assert models.build_gan("nsgan", g, d).generator_loss_kind == "nonsaturating"
    assert models.build_gan("nsgan", g, d).equilibrium_d_loss == pytest.approx(2 * math.log(2))
    assert models.build_gan("lsgan", g, d, real_label=1.0, fake_label=-1.0).equilibrium_d_loss == 1.0
    assert models.build_gan("hinge", g, d).equilibrium_d_loss == 2.0
    assert models.build_gan("wgan", g, d).equilibrium_d_loss is None


def test_weight_clipping_bounds_every_critic_weight(tiny_nets, tiny_data):
    g, d = tiny_nets()
    gan = models.WGAN(g, d, clip_value=0.02, n_critic=2)
    gan.compile(d_optimizer=keras.optimizers.SGD(1.0), g_optimizer=keras.optimizers.SGD(0.1))
    gan.fit(tiny_data(), epochs=1, verbose=0)
    assert max(float(np.abs(np.asarray(v)).max()) for v in d.trainable_variables) <= 0.02 + 1e-7
    # with SGD(1.0) some weights are certainly pushed to the bound
    assert any(np.isclose(np.abs(np.asarray(v)).max(), 0.02) for v in d.trainable_variables)


def _linear_critic(w, b=0.0):
    d = keras.Sequential([keras.Input((4, 4, 1)), layers.Flatten(), layers.Dense(1)])
    d.layers[-1].set_weights([np.asarray(w, np.float32).reshape(16, 1), np.array([b], np.float32)])
    return d


def test_gradient_penalty_closed_form_linear_critic():
    w = np.arange(16, dtype=np.float32) / 10.0  # grad of a linear critic is w everywhere
    d = _linear_critic(w)
    real = np.random.default_rng(0).normal(size=(8, 4, 4, 1)).astype("float32")
    fake = np.random.default_rng(1).normal(size=(8, 4, 4, 1)).astype("float32")
    p = penalties.gradient_penalty(d, real, fake, seed=0, weight=10.0)
    assert float(p) == pytest.approx(10.0 * (np.linalg.norm(w) - 1.0) ** 2, rel=1e-5)


def test_gradient_penalty_alpha_is_uniform_per_example():
    # D(x) = |x|^2 / 2 has grad x. With real = 0, fake = 1: x_hat = alpha * 1, so the norm is
    # alpha * sqrt(16) and E[(4 alpha - 1)^2] = 16/3 - 4 + 1 = 7/3 for alpha ~ U(0, 1) per example.
    # (Per-pixel alpha would give about (sqrt(16/3) - 1)^2 = 1.71; normal alpha 17.)
    d = keras.Sequential([keras.Input((4, 4, 1)),
                          layers.Lambda(lambda x: 0.5 * ops.sum(x * x, axis=[1, 2, 3])[:, None])])
    n = 20000
    p = penalties.gradient_penalty(d, np.zeros((n, 4, 4, 1), "float32"), np.ones((n, 4, 4, 1), "float32"),
                                   seed=1, weight=1.0)
    assert float(p) == pytest.approx(7 / 3, rel=0.03)


def test_gradient_penalty_is_finite_at_zero_gradient():
    d = _linear_critic(np.zeros(16))  # grad D = 0: sqrt'(0) would be inf without epsilon
    x = tf.ones((4, 4, 4, 1))
    with tf.GradientTape() as tape:
        p = penalties.gradient_penalty(d, x, -x, seed=0, weight=10.0)
    grads = tape.gradient(p, d.trainable_variables)
    assert float(p) == pytest.approx(10.0, rel=1e-4)
    assert all(np.isfinite(np.asarray(g)).all() for g in grads if g is not None)


def test_generator_noise_modes(tiny_nets, tiny_data):
    for fresh in (False, True):
        g, d = tiny_nets()
        gan = models.GAN(g, d, fresh_noise_for_generator=fresh, seed=0)
        gan.compile()
        hist = gan.fit(tiny_data(), epochs=1, verbose=0).history
        assert np.isfinite(hist["g_loss"][-1])


def test_same_seed_same_training(tiny_nets, tiny_data):
    weights = []
    for _ in range(2):
        keras.utils.set_random_seed(7)
        g, d = tiny_nets()
        gan = models.LSGAN(g, d, seed=7)
        gan.compile()
        gan.fit(tiny_data(), epochs=1, verbose=0)
        weights.append([np.asarray(v) for v in g.weights])
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_generate_and_call(tiny_nets):
    g, d = tiny_nets()
    gan = models.GAN(g, d, seed=0)
    x = gan.generate(5)
    assert x.shape == (5, 16, 16, 1) and x.dtype == tf.float32
    np.testing.assert_allclose(np.asarray(gan(np.zeros((2, 8), "float32"))),
                               np.asarray(g(np.zeros((2, 8), "float32"))))


def test_bad_construction(tiny_nets):
    g, _ = tiny_nets()
    _, d28 = tiny_nets(shape=(28, 28, 1))
    with pytest.raises(ValueError, match="generator makes images of shape"):
        models.GAN(g, d28)
    _, d = tiny_nets()
    with pytest.raises(ValueError, match="latent_dim=3 does not match"):
        models.GAN(g, d, latent_dim=3)
    with pytest.raises(ValueError, match="n_critic must be >= 1"):
        models.GAN(g, d, n_critic=0)
    with pytest.raises(ValueError, match="Valid losses: gan, nsgan, lsgan, wgan, wgan-gp, hinge"):
        models.build_gan("dragan", g, d)
    with pytest.raises(TypeError, match="keras.Model"):
        models.GAN(lambda z: z, d)
    gan = models.GAN(g, d)
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="two different optimizer objects"):
        gan.compile(opt, opt)


def test_fit_without_compile_is_a_clear_error(tiny_nets, tiny_data):
    g, d = tiny_nets()
    gan = models.GAN(g, d)
    with pytest.raises((RuntimeError, ValueError), match="compile"):
        gan.fit(tiny_data(), epochs=1, verbose=0)


@pytest.mark.parametrize("loss,attr,value", [("fgan-pearson", "divergence", "pearson"), ("ralsgan", "kind", "ralsgan"),
                                              ("mmd-gp", "variant", "mmd-gp")])
def test_fgan_and_relativistic_models_save_and_load_with_their_settings(loss, attr, value, tmp_path):
    g, d = nets.build("mlp", (8, 8, 1), 4)
    gan = models.build_gan(loss, g, d, seed=0)
    gan.compile()
    path = str(tmp_path / "m.keras")
    gan.save(path)
    back = keras.models.load_model(path)
    assert type(back) is type(gan) and getattr(back, attr) == value and back.loss_name == loss
    assert back.equilibrium_d_loss == gan.equilibrium_d_loss
    with pytest.raises(ValueError, match="Unknown"):
        type(gan)(g, d, **{attr: "nope"})


def test_label_smoothing_is_for_the_bce_losses():
    g, d = nets.build("mlp", (8, 8, 1), 4)
    gan = models.build_gan("nsgan", g, d, label_smoothing=0.1)
    r, f = tf.constant([2.0]), tf.constant([-1.0])
    assert float(gan.discriminator_loss(r, f)) == pytest.approx(
        float(models.build_gan("nsgan", g, d).discriminator_loss(r, f)) + 0.1 * (
            math.log1p(math.exp(2.0)) - math.log1p(math.exp(-2.0))), rel=1e-6)
    assert gan.get_config()["label_smoothing"] == 0.1
    with pytest.raises(ValueError, match="--label-smoothing is for the BCE losses"):
        models.build_gan("lsgan", g, d, label_smoothing=0.1)
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\)"):
        models.build_gan("gan", g, d, label_smoothing=1.0)


def test_feature_matching_matches_the_mean_features_and_trains_the_generator(tiny_nets, tiny_data):
    """A discriminator with a known linear feature layer: the loss is ||mean(x W) - mean(y W)||^2 computed
    independently; with 'only' the generator's loss is that term, with 'add' the NS loss is added."""
    keras.utils.set_random_seed(0)
    x_in = keras.Input((16, 16, 1))
    feat = layers.Dense(3, name="feat")(layers.Flatten()(x_in))
    d = keras.Model(x_in, layers.Dense(1, name="logit", dtype="float32")(layers.LeakyReLU(0.2)(feat)))
    g, _ = tiny_nets()
    gan = models.build_gan("nsgan", g, d, seed=0, feature_matching="only", feature_layer="feat")
    rng = np.random.default_rng(0)
    real, fake = (rng.uniform(-1, 1, (8, 16, 16, 1)).astype("float32") for _ in range(2))
    w, b = (np.asarray(v, np.float64) for v in d.get_layer("feat").weights)
    want = np.sum(((real.reshape(8, -1) @ w + b).mean(0) - (fake.reshape(8, -1) @ w + b).mean(0)) ** 2)
    assert float(gan.feature_matching_loss(real, None, fake, None)) == pytest.approx(want, rel=1e-4)
    assert float(gan.feature_matching_loss(real, None, real, None)) == pytest.approx(0.0, abs=1e-6)  # control
    gan.compile()
    hist = gan.fit(tiny_data(), epochs=1, verbose=0).history
    assert hist["g_loss"] == pytest.approx(hist["fm"], rel=1e-6)  # 'only': the generator's loss is the term
    g2, d2 = tiny_nets()
    added = models.build_gan("nsgan", g2, d2, seed=0, feature_matching="add")  # default: the logit's input
    assert added.features.output.shape[-1] == d2.get_layer("logit").input.shape[-1]
    added.compile()
    h2 = added.fit(tiny_data(), epochs=1, verbose=0).history
    assert h2["g_loss"][-1] > h2["fm"][-1]  # plus the non-saturating loss (> 0)
    with pytest.raises(ValueError, match="feature_matching must be 'only'"):
        models.build_gan("nsgan", *tiny_nets(), feature_matching="yes")
    with pytest.raises(ValueError, match="does not have; pass feature_layer= one of"):
        models.build_gan("nsgan", *tiny_nets(), feature_matching="add", feature_layer="nope")


def test_mmd_gan_uses_the_features_before_the_logit_and_a_witness_penalty(tiny_nets):
    g, d = tiny_nets()
    gan = models.build_gan("mmd-gp", g, d, seed=0)
    assert (gan.kernel, gan.penalty, gan.penalty_weight, gan.n_critic) == ("rq-linear", "gp", 1.0, 5)
    assert not d.get_layer("logit").trainable and gan.phi.output.shape[-1] == d.get_layer("logit").input.shape[-1]
    rng = np.random.default_rng(0)
    real, fake = (tf.constant(rng.uniform(-1, 1, (6, 16, 16, 1)), tf.float32) for _ in range(2))
    fr, ff = gan.phi(real), gan.phi(fake)
    from tfgan_zoo import losses as L

    assert float(gan.discriminator_loss(fr, ff)) == pytest.approx(-float(L.mmd2(fr, ff, "rq-linear")), rel=1e-6)
    assert float(gan.discriminator_regularizer(real, fake)) >= 0.0
    assert float(models.build_gan("mmd", *tiny_nets(), seed=0).discriminator_regularizer(real, fake)) == 0.0
    with pytest.raises(ValueError, match="unconditional"):
        models.build_gan("mmd", *tiny_nets(), conditional="concat", num_classes=3)
