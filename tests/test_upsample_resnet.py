"""Upsampling choices (the checkerboard), ResNet networks (shapes, parameter counts against the SNGAN authors'
code, training), conditional and self-modulated batch norm."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo import models, nets
from tfgan_zoo.analysis.checkerboard import checkerboard_score, phase_means
from tfgan_zoo.nets.norms import ConditionalBatchNorm, SelfModulatedBatchNorm


def count(model):
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


# ------------------------------------------------------------------------------------------------ checkerboard
def test_phase_means_find_a_planted_pattern():
    """A constant image plus 0.3 on the (0, 1) phase: that phase's mean is 0.3 above the others; a control
    without the pattern scores 0."""
    x = np.zeros((2, 16, 16, 1))
    x[:, 0::2, 1::2] = 0.3
    m = phase_means(x, crop=3)  # an odd crop keeps the phases of the full image
    np.testing.assert_allclose(m, [[0.0, 0.3], [0.0, 0.0]], atol=1e-12)
    assert checkerboard_score(x, crop=0) > 1.0
    assert checkerboard_score(np.random.default_rng(0).normal(size=(64, 16, 16, 1)), crop=0) < 0.05


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_transposed_convolutions_make_a_checkerboard_and_resize_conv_does_not(seed):
    """Untrained DCGAN generators (28x28, 512 samples each, 4-pixel border left out). Measured on an AMD EPYC:
    transposed convolutions score 1.2-1.5 (seeds 0-2), nearest + conv and bilinear + conv 0.003-0.009. With no
    phase pattern the four phase means differ only by sampling noise, each averaging 51,200 correlated pixels;
    the bounds 0.5 and 0.05 leave a factor 2.4 and 5 to the measured values."""
    scores = {}
    for up in ("transpose", "nearest-conv", "bilinear-conv"):
        keras.utils.set_random_seed(seed)
        g, _ = nets.build("dcgan", (28, 28, 1), 64, upsample=up)
        scores[up] = checkerboard_score(g(tf.random.normal((512, 64), seed=seed), training=False).numpy())
    assert scores["transpose"] > 0.5, scores
    assert scores["nearest-conv"] < 0.05 and scores["bilinear-conv"] < 0.05, scores


def test_upsample_layers_and_errors():
    g, _ = nets.build("sndcgan-small", (32, 32, 3), 16, upsample="bilinear-conv", width=8)
    assert g.get_layer("up_0_resize").interpolation == "bilinear" and g.output_shape == (None, 32, 32, 3)
    with pytest.raises(ValueError, match="Unknown upsample 'pixel-shuffle'. Valid: transpose, nearest-conv"):
        nets.build("dcgan", (28, 28, 1), 16, upsample="pixel-shuffle")
    with pytest.raises(ValueError, match="not to the mlp"):
        nets.build("mlp", (28, 28, 1), 16, upsample="nearest-conv")


# ------------------------------------------------------------------------------------------------------ ResNet
def test_resnet_32_has_the_sngan_parameter_counts():
    """The SNGAN authors' CIFAR-10 networks (pfnet-research/sngan_projection: resnet_32 G with ch 256 and three up
    blocks whose shortcut is a 1x1 convolution; snresnet_32 D with ch 128, an optimized block, one down and two
    plain blocks, sum pooling, a linear logit without bias), counted layer by layer:
    G = Dense(128 -> 4096) 528,384 + 3 x (2 BN 1,024 + 2 conv3x3 1,180,160 + conv1x1 65,792) + BN 512 +
    conv3x3 -> 3 6,915 = 4,276,739; D = 151,680 + 311,680 + 2 x 295,168 + 129 (our logit has a bias)
    = 1,053,825."""
    g, d = nets.build("resnet", (32, 32, 3), 128)
    assert (count(g), count(d)) == (4_276_739, 1_053_825)
    g2, d2 = nets.build("resnet", (32, 32, 3), 128, variant="wgan-gp")
    assert d2.get_layer("global_mean") is not None and count(g2) < count(g)
    assert d.get_layer("global_sum") is not None


@pytest.mark.parametrize("size", [28, 32, 64, 128])
def test_resnet_shapes_by_size(size):
    g, d = nets.build("resnet", (size, size, 1), 16, width=4, d_width=4)
    assert g.output_shape == (None, size, size, 1) and d.output_shape == (None, 1)
    x = g(tf.random.normal((2, 16), seed=0), training=False)
    assert d(x).shape == (2, 1)
    if size == 28:  # generated at 32 and cropped; D pads with the background -1
        assert d.get_layer("pad_to_32").output.shape[1] == 32
        padded = d.get_layer("pad_to_32")(x).numpy()
        assert np.all(padded[:, :2] == -1.0) and np.all(padded[:, :, -2:] == -1.0)
    with pytest.raises(ValueError, match="32x32, 64x64 and 128x128"):
        nets.build("resnet", (48, 48, 3), 16)


@pytest.mark.parametrize("loss,kwargs", [("hinge", {"constraint": "sn"}), ("wgan-gp", {"n_critic": 1})])
def test_resnet_trains_a_few_steps(loss, kwargs, tiny_data):
    g, d = nets.build("resnet", (32, 32, 1), 16, width=8, d_width=8, variant="wgan-gp" if loss == "wgan-gp"
                      else "sngan")
    gan = models.build_gan(loss, g, d, latent_dim=16, seed=0, **kwargs)
    gan.compile()
    hist = gan.fit(tiny_data(shape=(32, 32, 1), n=32, batch=16), epochs=1, verbose=0).history
    assert all(math.isfinite(v[-1]) for v in hist.values()), hist


# ------------------------------------------------------------------------------------ cBN and self-modulation
def test_conditional_batch_norm_is_per_class_affine_batch_norm():
    """``γ[c] BN(x) + β[c]``: at initialisation (γ = 1, β = 0) plain batch norm; with set γ, β each example gets
    its own class's scale and shift (float32: rtol 1e-5)."""
    layer = ConditionalBatchNorm(3)
    x = tf.random.normal((6, 4, 4, 2), seed=0)
    y = tf.constant([0, 1, 2, 0, 1, 2])
    bn = keras.layers.BatchNormalization(center=False, scale=False)
    base = bn(x, training=True).numpy()
    np.testing.assert_allclose(layer([x, y], training=True).numpy(), base, rtol=1e-5, atol=1e-5)
    gamma = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]], np.float32)
    beta = np.array([[0.0, 1.0], [-2.0, 0.5], [0.1, 0.2]], np.float32)
    layer.gamma.assign(gamma)
    layer.beta.assign(beta)
    got = layer([x, y], training=True).numpy()
    np.testing.assert_allclose(got, base * gamma[y.numpy()][:, None, None] + beta[y.numpy()][:, None, None],
                               rtol=1e-5, atol=1e-5)


def test_self_modulation_starts_as_batch_norm_and_depends_on_z():
    layer = SelfModulatedBatchNorm()
    x = tf.random.normal((5, 3), seed=1)
    z = tf.random.normal((5, 8), seed=2)
    base = keras.layers.BatchNormalization(center=False, scale=False)(x, training=True).numpy()
    np.testing.assert_allclose(layer([x, z], training=True).numpy(), base, rtol=1e-5, atol=1e-5)
    layer.to_gamma.kernel.assign(tf.random.normal(layer.to_gamma.kernel.shape, seed=3))
    z2 = tf.random.normal((5, 8), seed=4)
    assert not np.allclose(layer([x, z], training=True), layer([x, z2], training=True))  # now z matters


@pytest.mark.parametrize("arch", ["dcgan", pytest.param("resnet", marks=pytest.mark.slow)])
def test_cbn_and_self_modulated_generators_build_train_and_save(arch, tmp_path, tiny_data):
    shape = (16, 16, 1) if arch == "dcgan" else (32, 32, 1)
    kw = {"width": 8} if arch == "dcgan" else {"width": 8, "d_width": 8}
    g, d = nets.build(arch, shape, 8, conditional="projection", num_classes=4, generator_norm="cbn", **kw)
    assert any(isinstance(la, ConditionalBatchNorm) for la in g.layers)
    assert "z_and_label" not in [la.name for la in g.layers]  # the label enters through the norms only
    gan = models.build_gan("hinge", g, d, latent_dim=8, conditional="projection", num_classes=4, seed=0,
                           constraint="sn")
    gan.compile()
    x = next(iter(tiny_data(shape=shape, n=16, batch=16)))
    logs = gan.train_on_batch(x, tf.constant([0, 1, 2, 3] * 4), return_dict=True)
    assert all(math.isfinite(v) for v in logs.values())
    path = str(tmp_path / "cbn.keras")
    gan.save(path)
    back = keras.models.load_model(path)
    z = tf.random.normal((4, 8), seed=5)
    np.testing.assert_allclose(back.generate(z, labels=[0, 1, 2, 3]), gan.generate(z, labels=[0, 1, 2, 3]), atol=1e-5)
    g2, d2 = nets.build(arch, shape, 8, generator_norm="self-modulation", **kw)
    assert any(isinstance(la, SelfModulatedBatchNorm) for la in g2.layers)
    with pytest.raises(ValueError, match="needs a class-conditional GAN"):
        nets.build(arch, shape, 8, generator_norm="cbn", **kw)
    with pytest.raises(ValueError, match="self-modulation is for unconditional generators"):
        nets.build(arch, shape, 8, conditional="acgan", num_classes=4, generator_norm="self-modulation", **kw)


NETWORK_RUNS = {
    "resnet-hinge-sn-fashion": dict(arch="resnet", dataset="fashion_mnist", loss="hinge", constraint="sn", width=8,
                                    d_width=8),
    "resnet-cbn-projection": dict(arch="resnet", loss="hinge", conditional="projection", conditional_norm="cbn",
                                  width=8, d_width=8, resnet_variant="wgan-gp"),
    "dcgan-self-modulation-nearest": dict(arch="dcgan", loss="nsgan", self_modulation=True, upsample="nearest-conv"),
    "sndcgan-bilinear-cbn-acgan": dict(arch="sndcgan-small", loss="nsgan", conditional="acgan", conditional_norm="cbn",
                                       upsample="bilinear-conv", width=16),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(NETWORK_RUNS))
def test_the_networks_train_under_mixed_float16_save_resume_and_export(name, tmp_path, request):
    from tfgan_zoo import checkpointing, training
    from tfgan_zoo.config import TrainConfig
    from tfgan_zoo.export import read_generator_info

    spec = NETWORK_RUNS[name]
    if spec.get("dataset") == "fashion_mnist":
        request.getfixturevalue("fashion_mnist_arrays")  # skips (fails in CI) without the data
    cfg = TrainConfig(precision="mixed_float16", epochs=1, steps_per_epoch=2, batch_size=16, latent_dim=8,
                      n_samples=4, seed=1, checkpoint_every=0, tensorboard=False, out=str(tmp_path / "run"), **spec)
    first = training.run(cfg, verbose=0)
    assert all(math.isfinite(v) for v in first["final"].values()), first
    second = training.run(TrainConfig(**{**cfg.__dict__, "epochs": 2}), verbose=0, resume=True)
    assert second["generator_steps"] == 4 and all(math.isfinite(v) for v in second["final"].values())
    gan = checkpointing.load_gan(str(tmp_path / "run" / "checkpoints" / "epoch_0002.keras"))
    assert gan.generate(2, **({"labels": [3, 7]} if cfg.conditional != "none" else {})).shape == (2, 28, 28, 1)
    info = read_generator_info(str(tmp_path / "run" / "generator"))
    assert info is not None
