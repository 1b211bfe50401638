"""GraN (piecewise gradient normalization) and cascading rejection, against their formulas; the family's new losses
and options trained from the training entry point under mixed_float16, saved and resumed."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo import checkpointing, losses as L, models, nets, penalties, training
from tfgan_zoo.config import TrainConfig
from tfgan_zoo.constraints import GradientNormalized, PiecewiseGradientNormalized
from tfgan_zoo.nets.cascade import CascadingRejection


def relu_net(dim=16, width=64, seed=0, gain=3.0):
    """A ReLU MLP whose input gradients are far from 1 (he-normal weights times ``gain``)."""
    init = keras.initializers.VarianceScaling(scale=2.0 * gain ** 2, seed=seed)
    x = keras.Input((dim,))
    h = x
    for i in range(3):
        h = keras.layers.Dense(width, activation="relu", kernel_initializer=init, bias_initializer="he_normal",
                               name=f"dense_{i}")(h)
    return keras.Model(x, keras.layers.Dense(1, kernel_initializer=init, name="logit")(h))


def input_grad_norms(model, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(model(x))
    return np.sqrt(np.sum(np.square(tape.gradient(total, x).numpy()), axis=1))


# ------------------------------------------------------------------------------------------------------- GraN
@pytest.mark.parametrize("k", [1.0, 2.5])
def test_gran_is_k_lipschitz_on_every_piece_of_a_relu_network(k):
    """On each linear piece ``||grad f^|| = K g^2 / (g^2 + eps)`` with ``g = ||grad f||``, so ``<= K``. The
    float32 gradients through 4 layers of 64 units carry a relative rounding error of order 1e-6; rtol 1e-4."""
    f = relu_net()
    eps = 1e-4
    gran = PiecewiseGradientNormalized(f, k=k, epsilon=eps)
    x = tf.random.normal((512, 16), seed=1)
    g = input_grad_norms(f, x)
    assert g.max() > 3 * k  # control: the network itself is far from K-Lipschitz, so the bound can fail
    got = input_grad_norms(gran, x)
    assert got.max() <= k * (1 + 1e-4)
    np.testing.assert_allclose(got, k * g ** 2 / (g ** 2 + eps), rtol=1e-4)
    # the value itself: K f g / (g^2 + eps)
    np.testing.assert_allclose(gran(x).numpy()[:, 0], k * f(x).numpy()[:, 0] * g / (g ** 2 + eps), rtol=1e-4,
                               atol=1e-6)


def test_gran_of_a_linear_function_in_closed_form():
    """``f(x) = <a, x> + b``: ``f^ = K f ||a|| / (||a||^2 + eps)`` exactly; a large eps shows eps is used (GN's
    ``f / (||a|| + |f|)`` is a different function: the control)."""
    f = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, name="logit")])
    a, b = np.array([[0.3], [-0.4], [1.2]], np.float32), np.array([0.25], np.float32)
    f.layers[0].set_weights([a, b])
    x = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
    fx = x @ a + b
    na = float(np.linalg.norm(a))
    for eps in (1e-4, 0.5):
        got = PiecewiseGradientNormalized(f, k=2.0, epsilon=eps)(tf.constant(x)).numpy()
        np.testing.assert_allclose(got, 2.0 * fx * na / (na ** 2 + eps), rtol=1e-6, atol=1e-7)
    gn = GradientNormalized(f)(tf.constant(x)).numpy()
    assert not np.allclose(gn, 2.0 * fx * na / (na ** 2 + 1e-4), rtol=1e-2)
    with pytest.raises(ValueError, match="GraN needs K > 0 and epsilon > 0"):
        PiecewiseGradientNormalized(f, k=0.0)


def test_gran_gan_trains_saves_and_loads_with_its_k(tiny_nets, tiny_data, tmp_path):
    g, d = tiny_nets()
    gan = models.build_gan("hinge", g, PiecewiseGradientNormalized(d, k=2.0, epsilon=1e-3), constraint="gran",
                           seed=0)
    assert isinstance(gan.discriminator, PiecewiseGradientNormalized) and gan.discriminator.k == 2.0  # not rewrapped
    gan.compile()
    hist = gan.fit(tiny_data(n=32), epochs=1, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in hist.values())
    path = str(tmp_path / "gran.keras")
    gan.save(path)
    back = keras.models.load_model(path)
    assert back.constraint == "gran" and (back.discriminator.k, back.discriminator.epsilon) == (2.0, 1e-3)
    x = tf.random.uniform((4, 16, 16, 1), -1, 1, seed=4)
    np.testing.assert_allclose(back.discriminator(x), gan.discriminator(x), rtol=1e-5, atol=1e-6)
    # by name, the default K = 1
    g, d = tiny_nets()
    assert models.build_gan("nsgan", g, d, constraint="gran").discriminator.k == 1.0


@pytest.mark.parametrize("loss,constraint,penalty,cascade,match", [
    ("hinge", "gran", "gp", 1, "gradient normalization already bounds"),
    ("mmd", "gn", "none", 1, "the MMD loss reads the feature vector"),
    ("mmd-gp", "gran", "none", 1, "the MMD loss reads the feature vector"),
    ("nsgan", "gn", "none", 3, "--cascade 3 with constraint 'gn' is refused"),
    ("hinge", "gran", "none", 2, "--cascade 2 with constraint 'gran' is refused"),
    ("mmd", "none", "none", 2, "no score to cascade"),
])
def test_refused_combinations_of_gran_gn_mmd_and_cascade(loss, constraint, penalty, cascade, match):
    g, d = nets.build("mlp", (8, 8, 1), 4, cascade=cascade)
    with pytest.raises(ValueError, match=match):
        models.build_gan(loss, g, d, constraint=constraint, penalty=penalty)
    with pytest.raises(ValueError, match=match):  # the command line's settings refuse it before any data loads
        TrainConfig(loss=loss, constraint=constraint, penalty=penalty, cascade=cascade).validate()


# ------------------------------------------------------------------------------------------ cascading rejection
def cascade_numpy(v, w, b, normalize=False):
    v = v.astype(np.float64).copy()
    out = []
    for k in range(w.shape[1]):
        wk = w[:, k].astype(np.float64)
        if normalize:
            wk = wk / np.linalg.norm(wk)
        along = v @ wk
        out.append(along + b[k])
        v = v - np.outer(along / (wk @ wk), wk)
    return np.stack(out, axis=-1)


@pytest.mark.parametrize("normalize", [False, True])
def test_cascade_scores_follow_the_recurrence(normalize):
    """``s_k = <v_k, w_k> + b_k``, ``v_{k+1} = v_k - (<v_k, w_k>/||w_k||^2) w_k`` against float64 NumPy (float32
    layer: rtol 1e-5 over 12-term sums); scores after the first do not see ``v``'s component along ``w_1``."""
    rng = np.random.default_rng(0)
    layer = CascadingRejection(3, spectral_normalize=normalize)
    v = rng.normal(size=(8, 12)).astype(np.float32)
    layer.build((None, 12))
    w, b = rng.normal(size=(12, 3)).astype(np.float32), rng.normal(size=3).astype(np.float32)
    layer.set_weights([w, b])
    got = layer(v).numpy()
    np.testing.assert_allclose(got, cascade_numpy(v, w, b, normalize), rtol=1e-5, atol=1e-5)
    shifted = layer(v + 2.5 * w[:, 0][None, :]).numpy()
    np.testing.assert_allclose(shifted[:, 1:], got[:, 1:], rtol=1e-4, atol=1e-4)
    assert np.all(np.abs(shifted[:, 0] - got[:, 0]) > 1e-2)  # control: the first score does see it


def test_cascade_in_the_networks_and_under_spectral_normalization(tiny_data):
    g, d = nets.build("dcgan", (16, 16, 1), 8, cascade=3, width=8)
    assert d.output_shape == (None, 3) and nets.score_count(d) == 3
    gan = models.build_gan("hinge", g, d, constraint="sn", seed=0)
    head = gan.discriminator.get_layer("logit")
    assert gan.cascade == 3 and head.spectral_normalize and not d.get_layer("logit").spectral_normalize
    np.testing.assert_array_equal(head.get_weights()[0], d.get_layer("logit").get_weights()[0])  # weights copied
    g2, d2 = nets.build("dcgan", (16, 16, 1), 8, conditional="projection", num_classes=3, cascade=2, width=8)
    assert d2.output_shape == (None, 2)  # the projection term is added to each score
    g3, d3 = nets.toy_pair(cascade=4)
    assert d3.output_shape == (None, 4)
    with pytest.raises(ValueError, match="cascade is the number of cascading-rejection scores, >= 1"):
        nets.build("mlp", (8, 8, 1), 4, cascade=0)
    gan.compile()
    hist = gan.fit(tiny_data(n=32), epochs=1, verbose=0).history
    assert all(np.isfinite(v[-1]) for v in hist.values())


@pytest.mark.parametrize("loss", ["nsgan", "lsgan", "wgan", "hinge", "fgan-kl", "rsgan", "ragan", "ralsgan"])
def test_every_loss_averages_the_losses_of_the_scores(loss):
    """A loss of ``(batch, N)`` logits is the mean of the N one-column losses (equal weights). For RaGAN this needs
    the batch means per column: the whole-array mean (the control) gives another number."""
    rng = np.random.default_rng(1)
    r = tf.constant(rng.normal(size=(16, 3)), tf.float32)
    f = tf.constant(rng.normal(size=(16, 3)) - 0.5, tf.float32)
    relativistic = loss in L.RELATIVISTIC
    if relativistic:
        d_loss, g_loss = L.RELATIVISTIC[loss][:2]
    elif loss == "fgan-kl":
        d_loss = lambda r, f: L.fgan_discriminator_loss(r, f, "kl")  # noqa: E731
        g_loss = lambda f: L.fgan_generator_loss(f, "kl")  # noqa: E731
    else:
        d_loss, g_loss = L.get_loss_pair(loss)[:2]
    for fn, args in ((d_loss, (r, f)), (g_loss, (f, r) if relativistic else (f,))):
        whole = float(fn(*args))
        per_column = np.mean([float(fn(*(a[:, k:k + 1] for a in args))) for k in range(3)])
        np.testing.assert_allclose(whole, per_column, rtol=1e-5)
    if loss == "ragan":
        rf, ff = r.numpy(), f.numpy()
        softplus = lambda t: np.logaddexp(0.0, t)  # noqa: E731
        whole_mean = np.mean(softplus(ff.mean() - rf)) + np.mean(softplus(ff - rf.mean()))
        assert abs(whole_mean - float(d_loss(r, f))) > 1e-3


def test_penalties_of_a_cascade_use_the_mean_scores_gradient():
    g, d = nets.build("mlp", (8, 8, 1), 4, cascade=3)
    x = tf.random.uniform((6, 8, 8, 1), -1, 1, seed=3)
    with tf.GradientTape() as tape:
        tape.watch(x)
        mean_score = tf.reduce_mean(d(x, training=True), axis=-1)
    expect = np.sqrt(np.sum(np.square(tape.gradient(mean_score, x).numpy()), axis=(1, 2, 3)))
    np.testing.assert_allclose(penalties._per_example_grad_norm(d, x).numpy(), expect, rtol=1e-5)
    with tf.GradientTape() as tape:  # control: the gradient of the scores' sum is 3 times larger
        tape.watch(x)
        total = tf.reduce_sum(d(x, training=True))
    assert not np.allclose(np.sqrt(np.sum(np.square(tape.gradient(total, x).numpy()), axis=(1, 2, 3))), expect)


# ------------------------------------------------------------------------------- the family from the entry point
RUNS = {
    "fgan-kl+cascade+minibatch-discrimination": dict(loss="fgan-kl", cascade=2, minibatch_discrimination="20,3"),
    "ragan+gran+feature-matching": dict(loss="ragan", constraint="gran", gran_k=2.0, feature_matching="add"),
    "mmd-gp+minibatch-stddev": dict(loss="mmd-gp", minibatch_stddev=4, n_critic=1),
    "ralsgan+cascade+sn": dict(loss="ralsgan", cascade=3, constraint="sn"),
    "nsgan+label-smoothing+feature-matching-only": dict(loss="nsgan", label_smoothing=0.1, feature_matching="only"),
    "fgan-hellinger+gran": dict(loss="fgan-hellinger", constraint="gran"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(RUNS))
def test_the_family_trains_under_mixed_float16_saves_and_resumes(name, tmp_path):
    """Each new loss and option (two or three at a time) trains on MNIST under mixed_float16 with loss scaling, and
    a resume continues from the checkpoint to the same step count as one run (finite losses throughout)."""
    cfg = TrainConfig(arch="mlp", dataset="mnist", precision="mixed_float16", epochs=1, steps_per_epoch=3,
                      batch_size=16, latent_dim=8, n_samples=4, seed=1, checkpoint_every=0, tensorboard=False,
                      out=str(tmp_path / "run"), **RUNS[name])
    first = training.run(cfg, verbose=0)
    assert first["generator_steps"] == 3 and all(math.isfinite(v) for v in first["final"].values()), first
    second = training.run(TrainConfig(**{**cfg.__dict__, "epochs": 2}), verbose=0, resume=True)
    assert second["generator_steps"] == 6 and all(math.isfinite(v) for v in second["final"].values()), second
    assert second["resumed_from"].endswith("epoch_0001.keras")
    gan = checkpointing.load_gan(str(tmp_path / "run" / "checkpoints" / "epoch_0002.keras"))
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert gan.loss_name == cfg.loss and gan.cascade == cfg.cascade and gan.constraint == (cfg.constraint or "none")
    if cfg.constraint == "gran":
        assert gan.discriminator.k == cfg.gran_k
