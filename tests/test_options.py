"""The training options of issue 13: priors, EMA warm-up, linear learning-rate decay, the SN-DCGAN
architecture, keeping the best generator and the wall clock."""

import json
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo import callbacks as cb
from tfgan_zoo import export, models, nets, priors
from tfgan_zoo.config import TrainConfig


# ------------------------------------------------------------------ priors
@pytest.mark.parametrize("prior,var", [("normal", 1.0), ("uniform", 1 / 3)])
def test_prior_moments(prior, var):
    n = 200_000
    for z in (priors.sample(prior, (n,), 0).numpy(), priors.sample_numpy(prior, np.random.default_rng(0), (n,))):
        # the sample mean has standard deviation sqrt(var / n) (<= 0.0023); 5 of them: a false failure
        # has probability < 1e-6. The variance's own standard error is sqrt((m4 - var^2) / n) <= 0.0032.
        assert abs(z.mean()) < 5 * math.sqrt(var / n)
        assert abs(z.var() - var) < 5 * 0.0032
        assert z.dtype == np.float32
        if prior == "uniform":
            assert z.min() >= -1 and z.max() <= 1
        else:  # control: the normal prior has values outside [-1, 1] (32% of them)
            assert (np.abs(z) > 1).mean() > 0.3
    with pytest.raises(ValueError, match="Unknown prior 'laplace'. Valid priors: normal, uniform"):
        priors.check_prior("laplace")


def test_gan_draws_from_its_prior_and_the_export_records_it(tmp_path):
    """An identity generator (z -> image) shows which prior the evaluation draws from: E|x| is 1/2 for
    U(-1, 1) and E|clip(Z, -1, 1)| (about 0.68, in closed form below) for N(0, 1)."""
    from scipy import stats

    from tfgan_zoo.metrics.evaluate import load_images

    z_in = keras.Input((64,))
    identity = keras.Model(z_in, keras.layers.Reshape((8, 8, 1))(z_in))
    gan = models.GAN(identity, nets.build("mlp", (8, 8, 1), 64)[1], prior="uniform", seed=0)
    z = gan.sample_noise(1000).numpy()
    assert z.min() >= -1 and z.max() <= 1 and (np.abs(z) > 0.5).mean() == pytest.approx(0.5, abs=0.01)
    # E|clip(Z, -1, 1)| for Z ~ N(0, 1): 2 (phi(0) - phi(1)) + P(|Z| > 1)
    e_normal = 2 * (stats.norm.pdf(0) - stats.norm.pdf(1)) + 2 * stats.norm.sf(1)
    for prior, expected in (("uniform", 0.5), ("normal", e_normal)):
        path = export.export_generator(identity, str(tmp_path / prior), prior=prior)
        assert export.read_generator_info(path)["prior"] == prior
        x = load_images(path, 500)
        # 32,000 values of |x| with standard deviation < 0.6: the mean is within 0.6 / sqrt(32000) * 5 = 0.017
        assert np.abs(x).mean() == pytest.approx(expected, abs=0.017), prior
    assert abs(e_normal - 0.5) > 0.1  # the two priors are told apart by the tolerance above
    # the noise is drawn batch_size rows at a time from default_rng(seed), so seeded scores of old runs stay the same
    from tfgan_zoo.priors import sample_numpy

    rng = np.random.default_rng(3)
    z = np.concatenate([sample_numpy("uniform", rng, (k, 64)) for k in (250, 50)])
    x = load_images(str(tmp_path / "uniform"), 300, seed=3)
    np.testing.assert_array_equal(x.reshape(300, 64), z)
    assert not np.array_equal(load_images(str(tmp_path / "uniform"), 300, seed=4).reshape(300, 64), z)  # control


# ------------------------------------------------------------ EMA warm-up
def test_ema_warm_up_copies_the_generator_until_its_start(tiny_nets, tiny_data):
    def ema_gap(start, steps):
        keras.utils.set_random_seed(0)
        g, d = tiny_nets()
        gan = models.build_gan("nsgan", g, d, seed=0, ema=0.9, ema_start=start)
        gan.compile()
        gan.fit(tiny_data().take(steps), epochs=1, verbose=0)
        return max(float(np.abs(e - w).max()) for e, w in zip(gan.ema_generator.get_weights(), g.get_weights()))

    assert ema_gap(start=3, steps=3) == 0.0  # updates 1..3 happen before the start: a copy
    assert ema_gap(start=3, steps=4) > 0.0  # update 4 averages
    assert ema_gap(start=0, steps=1) > 0.0  # control: without warm-up the first update already averages
    with pytest.raises(ValueError, match="ema_start must be >= 0"):
        models.build_gan("nsgan", *tiny_nets(), ema=0.9, ema_start=-1)
    with pytest.raises(ValueError, match="set --ema DECAY too"):
        TrainConfig(ema_start=10).validate()


# ------------------------------------------------------- learning-rate decay
def test_linear_decay_reaches_zero_at_the_last_step():
    from tfgan_zoo.training import set_learning_rates

    cfg = TrainConfig(loss="wgan-gp", lr_decay="linear", lr_g=1e-3)
    d_opt, g_opt = keras.optimizers.Adam(2e-4), keras.optimizers.Adam(5e-4)
    set_learning_rates(d_opt, g_opt, cfg, total_steps=10, n_critic=5)
    for opt, base, total in ((d_opt, 2e-4, 50), (g_opt, 1e-3, 10)):  # lr_g given; lr_d keeps the optimizer's
        for t in (0, total // 2, total - 1, total, total + 3):
            opt.iterations.assign(t)
            # Keras computes 1 - t/T in float32: an absolute error of a few ulps of 1 (2^-24 each), times the
            # base; 2^-21 = 8 ulps bounds it (the decay itself changes the rate by base / T >= 2% per step)
            assert float(opt.learning_rate) == pytest.approx(base * max(0.0, 1 - t / total), rel=0, abs=base * 2**-21)
    # setting it again (a resumed run) keeps the base and follows the new length
    set_learning_rates(d_opt, g_opt, TrainConfig(lr_decay="linear"), total_steps=20, n_critic=5)
    g_opt.iterations.assign(10)
    assert float(g_opt.learning_rate) == pytest.approx(1e-3 * 0.5)
    plain_d, plain_g = keras.optimizers.Adam(2e-4), keras.optimizers.Adam(2e-4)
    set_learning_rates(plain_d, plain_g, TrainConfig(), total_steps=10)  # control: no decay
    plain_g.iterations.assign(9)
    assert float(plain_g.learning_rate) == pytest.approx(2e-4)
    with pytest.raises(ValueError, match="needs the run's length"):
        set_learning_rates(plain_d, plain_g, TrainConfig(lr_decay="linear"))


# -------------------------------------------------------------- SN-DCGAN
@pytest.mark.parametrize("size,k", [(28, 2), (32, 3)])
def test_sndcgan_small_shapes_and_layers(size, k):
    g, d = nets.build("sndcgan-small", (size, size, 1), 16, width=8)
    assert g.output_shape == (None, size, size, 1) and d.output_shape == (None, 1)
    convs = [layer for layer in d.layers if isinstance(layer, keras.layers.Conv2D)]
    # k (3x3, 4x4 stride 2) pairs and a last 3x3: Miyato et al.'s standard CNN (k = 3 at 32 x 32)
    assert [c.kernel_size for c in convs] == [(3, 3), (4, 4)] * k + [(3, 3)]
    assert [c.strides for c in convs] == [(1, 1), (2, 2)] * k + [(1, 1)]
    assert [c.filters for c in convs][-1] == 8 * 2**k
    assert g.layers[-2].kernel_size == (3, 3)  # to_image: a 3x3 convolution, then tanh
    lrelu = [layer for layer in d.layers if isinstance(layer, keras.layers.LeakyReLU)]
    assert len(lrelu) == 2 * k + 1 and all(layer.negative_slope == pytest.approx(0.1) for layer in lrelu)
    with pytest.raises(ValueError, match="norm applies to the dcgan and infogan discriminators only"):
        nets.build("sndcgan-small", (size, size, 1), 16, norm="batch")


def test_sndcgan_small_with_spectral_norm_trains_and_subpixel_is_the_same_function():
    g, d = nets.build("sndcgan-small", (16, 16, 1), 8, width=32)
    gs, ds = nets.build("sndcgan-small", (16, 16, 1), 8, width=32, transpose_impl="subpixel")
    assert any("Subpixel" in type(layer).__name__ for layer in gs.layers + ds.layers)
    gs.set_weights(g.get_weights())
    z = np.random.default_rng(0).normal(size=(4, 8)).astype("float32")
    # different summation orders of the same sums: float32 rounding only (outputs are tanh, in [-1, 1])
    np.testing.assert_allclose(gs(z).numpy(), g(z).numpy(), atol=1e-4)
    gan = models.build_gan("nsgan", g, d, constraint="sn", seed=0)
    gan.compile()
    x = np.random.default_rng(1).uniform(-1, 1, (32, 16, 16, 1)).astype("float32")
    hist = gan.fit(tf.data.Dataset.from_tensor_slices(x).batch(16), epochs=1, verbose=0)
    assert np.isfinite(hist.history["d_loss"][-1])


# -------------------------------------------------------------- keep best
def test_keep_best_exports_only_improvements_and_survives_a_resume(tmp_path, tiny_nets):
    g, d = tiny_nets()
    gan = models.build_gan("nsgan", g, d, seed=0, prior="uniform")
    keep = cb.KeepBest(str(tmp_path / "generator"))
    keep.set_model(gan)
    exported = []
    for epoch, fid in enumerate([5.0, 3.0, 4.0, float("nan"), 3.0, 2.5]):
        keep.global_step = 10 * (epoch + 1)
        before = keep.best
        keep.on_epoch_end(epoch, {"fid": fid})
        if keep.best is not before:
            exported.append(epoch + 1)
        info = export.read_generator_info(tmp_path / "generator")
        assert info["selected"] == keep.best and info["prior"] == "uniform"
    assert exported == [1, 2, 6]  # lower is better; ties, worse values and NaN change nothing
    assert keep.best == {"metric": "fid", "value": 2.5, "epoch": 6, "step": 60}
    resumed = cb.KeepBest(str(tmp_path / "generator"))
    resumed.set_state(json.loads(json.dumps(keep.get_state())))  # checkpoint state is JSON
    resumed.set_model(gan)
    resumed.on_epoch_end(6, {"fid": 2.6})
    assert resumed.best["value"] == 2.5  # compared with the restored best, not from scratch
    for cfg, needle in [(TrainConfig(keep_best="fid"), "add --fid-every N"),
                        (TrainConfig(keep_best="fid", fid_every=3, epochs=2), "lower --fid-every"),
                        (TrainConfig(keep_best="kid", fid_every=1), "Unknown keep_best metric 'kid'")]:
        with pytest.raises(ValueError, match=needle):
            cfg.validate()


def test_wall_clock_adds_up_over_a_resume():
    w = cb.WallClock()
    w.set_state({"wall_s": 100.0})
    w.on_train_begin()
    logs = {}
    w.on_epoch_end(0, logs)
    assert 100.0 <= logs["wall_s"] < 110.0
    assert w.get_state()["wall_s"] >= 100.0
    state = w.get_state()
    assert json.loads(json.dumps(state)) == state  # the state is plain JSON


def test_ac_weight_scales_the_class_losses():
    from tfgan_zoo.models.conditioning import Conditioning

    rng = np.random.default_rng(0)
    logits = [tf.constant(rng.normal(size=(8, 10)).astype("float32"))]
    labels = tf.constant(rng.integers(0, 10, 8), tf.int32)
    one, three = Conditioning("acgan", 10), Conditioning("acgan", 10, ac_weight=3.0)
    # closed form: the mean softmax cross-entropy, times the weight
    p = tf.nn.log_softmax(logits[0]).numpy()
    ce = -np.mean(p[np.arange(8), labels.numpy()])
    assert float(one.generator_aux_loss(logits, labels)) == pytest.approx(ce, rel=1e-6)
    assert float(three.generator_aux_loss(logits, labels)) == pytest.approx(3 * ce, rel=1e-6)
    assert float(three.discriminator_aux_loss(logits, labels, logits, labels)) == pytest.approx(6 * ce, rel=1e-6)
    assert three.get_config()["ac_weight"] == 3.0
    with pytest.raises(ValueError, match="use it with --conditional acgan"):
        TrainConfig(ac_weight=2.0).validate()


def test_ac_fake_weight_scales_only_the_discriminators_term_on_generated_images():
    """D's class loss is ac_weight * (CE(real) + ac_fake_weight * CE(fake)); G's is ac_weight * CE(fake), whatever
    ac_fake_weight is. Real and generated logits differ here, so a term taken from the wrong side shows."""
    from tfgan_zoo.models.conditioning import Conditioning

    rng = np.random.default_rng(1)
    real = [tf.constant(rng.normal(size=(8, 10)).astype("float32"))]
    fake = [tf.constant(rng.normal(size=(8, 10)).astype("float32"))]
    yr, yf = (tf.constant(rng.integers(0, 10, 8), tf.int32) for _ in range(2))

    def ce(logits, y):
        p = tf.nn.log_softmax(logits[0]).numpy()
        return -np.mean(p[np.arange(8), y.numpy()])

    for weight, fake_weight in ((1.0, 1.0), (2.0, 0.0), (2.0, 0.25)):
        c = Conditioning("acgan", 10, ac_weight=weight, ac_fake_weight=fake_weight)
        assert float(c.discriminator_aux_loss(real, yr, fake, yf)) == pytest.approx(
            weight * (ce(real, yr) + fake_weight * ce(fake, yf)), rel=1e-6)
        assert float(c.generator_aux_loss(fake, yf)) == pytest.approx(weight * ce(fake, yf), rel=1e-6)
        assert c.get_config()["ac_fake_weight"] == fake_weight
    with pytest.raises(ValueError, match="ac_fake_weight must be >= 0"):
        Conditioning("acgan", 10, ac_fake_weight=-1.0)
    with pytest.raises(ValueError, match="ac_fake_weight weighs the AC-GAN"):
        TrainConfig(ac_fake_weight=0.0).validate()
    TrainConfig(conditional="acgan", ac_fake_weight=0.0).validate()
