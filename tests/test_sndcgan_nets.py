"""compare_gan's SN-DCGAN (``--arch sndcgan``): every layer's output shape and parameter count against the layer
definitions of google/compare_gan (``architectures/sndcgan.py``, ``arch_ops.py``), TensorFlow's "SAME" transposed
convolution to an odd size, the sub-pixel implementation, and a few steps with spectral normalization."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import assert_compare_gan_defaults, assert_layer_table, trainable_count
from tfgan_zoo import models, nets
from tfgan_zoo.nets import sndcgan


count = trainable_count


# For 28x28x1 and z of 128 (PA-GAN's MNIST setup); sizes s=28, s2=14, s4=7, s8=4 (ceilings):
#   generator
#     g_fc1  linear 128 -> 4 * 4 * 512 = 8,192     128 * 8192 + 8192           = 1,056,768
#     g_bn1  batch norm over the 8,192 units       2 * 8192                    =    16,384
#     g_dc2  deconv 4x4 s2, 4x4x512 -> 7x7x256     4 * 4 * 256 * 512 + 256     = 2,097,408
#     g_bn2                                        2 * 256                     =       512
#     g_dc3  deconv 4x4 s2, 7x7x256 -> 14x14x128   4 * 4 * 128 * 256 + 128     =   524,416
#     g_bn3                                        2 * 128                     =       256
#     g_dc4  deconv 4x4 s2, 14x14x128 -> 28x28x64  4 * 4 * 64 * 128 + 64      =   131,136
#     g_bn4                                        2 * 64                      =       128
#     g_dc5  deconv 3x3 s1, 28x28x64 -> 28x28x1    3 * 3 * 1 * 64 + 1          =       577
#     total                                                                      3,827,585
#   discriminator (LeakyReLU 0.1 after each convolution)
#     d_conv1 3x3 s1 -> 28x28x64                   3 * 3 * 1 * 64 + 64         =       640
#     d_conv2 4x4 s2 -> 14x14x128                  4 * 4 * 64 * 128 + 128      =   131,200
#     d_conv3 3x3 s1 -> 14x14x128                  3 * 3 * 128 * 128 + 128     =   147,584
#     d_conv4 4x4 s2 -> 7x7x256                    4 * 4 * 128 * 256 + 256     =   524,544
#     d_conv5 3x3 s1 -> 7x7x256                    3 * 3 * 256 * 256 + 256     =   590,080
#     d_conv6 4x4 s2 -> 4x4x512                    4 * 4 * 256 * 512 + 512     = 2,097,664
#     d_conv7 3x3 s1 -> 4x4x512                    3 * 3 * 512 * 512 + 512     = 2,359,808
#     d_fc1   linear 8,192 -> 1                    8192 + 1                    =     8,193
#     total                                                                      5,859,713
G_LAYERS = {"g_fc1": ((None, 8192), 1_056_768), "g_bn1": ((None, 8192), 16_384),
            "to_map": ((None, 4, 4, 512), 0), "g_dc2": ((None, 7, 7, 256), 2_097_408),
            "g_bn2": ((None, 7, 7, 256), 512), "g_dc3": ((None, 14, 14, 128), 524_416),
            "g_bn3": ((None, 14, 14, 128), 256), "g_dc4": ((None, 28, 28, 64), 131_136),
            "g_bn4": ((None, 28, 28, 64), 128), "g_dc5": ((None, 28, 28, 1), 577), "tanh": ((None, 28, 28, 1), 0)}
D_LAYERS = {"d_conv1": ((None, 28, 28, 64), 640), "d_conv2": ((None, 14, 14, 128), 131_200),
            "d_conv3": ((None, 14, 14, 128), 147_584), "d_conv4": ((None, 7, 7, 256), 524_544),
            "d_conv5": ((None, 7, 7, 256), 590_080), "d_conv6": ((None, 4, 4, 512), 2_097_664),
            "d_conv7": ((None, 4, 4, 512), 2_359_808), "flatten": ((None, 8192), 0), "logit": ((None, 1), 8_193)}


@pytest.fixture(scope="module")
def pair():
    keras.utils.set_random_seed(0)
    return nets.build("sndcgan", (28, 28, 1), 128)


def test_sizes_are_compare_gans_ceilings():
    assert sndcgan.sizes(28) == (28, 14, 7, 4) and sndcgan.sizes(32) == (32, 16, 8, 4)
    assert sndcgan.sizes(48) == (48, 24, 12, 6)


@pytest.mark.parametrize("impl", ["native", "subpixel"])
def test_every_layer_has_compare_gans_shape_and_parameter_count(impl, pair):
    """The table above, layer by layer, for both transposed-convolution implementations. Kernel sizes and
    strides of D alternate 3x3 s1 and 4x4 s2, slopes 0.1."""
    g, d = pair if impl == "native" else nets.build("sndcgan", (28, 28, 1), 128, transpose_impl=impl)
    assert_layer_table(g, G_LAYERS, 3_827_585)
    assert_layer_table(d, D_LAYERS, 5_859_713)
    convs = [d.get_layer(f"d_conv{i}") for i in range(1, 8)]
    assert [c.kernel_size for c in convs] == [(3, 3), (4, 4)] * 3 + [(3, 3)]
    assert [c.strides for c in convs] == [(1, 1), (2, 2)] * 3 + [(1, 1)]
    assert all(d.get_layer(f"d_conv{i}_lrelu").negative_slope == pytest.approx(0.1) for i in range(1, 8))
    if impl == "subpixel":  # the even-sized layers; 4 -> 7 and 7 -> 4 stay native
        assert type(g.get_layer("g_dc3")).__name__ == "SubpixelConvTranspose"
        assert type(g.get_layer("g_dc2")) is keras.layers.Conv2DTranspose
        assert type(d.get_layer("d_conv6")) is keras.layers.Conv2D


def test_the_odd_transposed_convolution_is_tensorflows_same_with_the_output_shape(pair):
    """compare_gan calls ``tf.nn.conv2d_transpose(x, w, output_shape=[b, 7, 7, 256], strides 2, "SAME")``;
    Keras' layer with ``output_padding=1`` must compute exactly that (same op, same padding: 0 difference
    allowed beyond float32 rounding of identical sums, 1e-5). TensorFlow pads 1 before for both 7 and 8 outputs,
    so the 4 -> 8 output's first 7 rows and columns are the same (checked too); control: its last 7 (padding 2
    before) are another function."""
    g, _ = pair
    layer = g.get_layer("g_dc2")
    x = tf.random.normal((2, 4, 4, 512), seed=0)
    kernel, bias = layer.get_weights()
    expected = tf.nn.conv2d_transpose(x, kernel, [2, 7, 7, 256], 2, "SAME") + bias
    np.testing.assert_allclose(layer(x), expected, atol=1e-5)
    eight = tf.nn.conv2d_transpose(x, kernel, [2, 8, 8, 256], 2, "SAME") + bias
    np.testing.assert_allclose(eight[:, :7, :7], expected, atol=1e-5)
    assert float(tf.reduce_max(tf.abs(eight[:, 1:, 1:] - expected))) > 1e-3


def test_subpixel_is_the_same_function(pair):
    """Weights copied into the sub-pixel networks: the same outputs up to float32 summation order (tanh
    outputs in [-1, 1] and logits of order 1: 1e-4)."""
    g, d = pair
    gs, ds = nets.build("sndcgan", (28, 28, 1), 128, transpose_impl="subpixel")
    gs.set_weights(g.get_weights())
    ds.set_weights(d.get_weights())
    z = tf.random.uniform((4, 128), -1, 1, seed=1)
    np.testing.assert_allclose(gs(z, training=False), g(z, training=False), atol=1e-4)
    x = tf.random.uniform((4, 28, 28, 1), -1, 1, seed=2)
    np.testing.assert_allclose(ds(x), d(x), atol=1e-4)


def test_initialisers_and_batch_norm(pair):
    """N(0, 0.02) everywhere (compare_gan's default weight initialiser): g_dc2's 2.1M weights within 0.5% of
    0.02 (s.e. 0.05%); biases 0; batch norms with momentum 0.999 and epsilon 1e-3."""
    g, d = pair
    assert abs(g.get_layer("g_dc2").kernel.numpy().std() / 0.02 - 1) < 0.005
    assert abs(d.get_layer("d_conv7").kernel.numpy().std() / 0.02 - 1) < 0.005
    assert_compare_gan_defaults(g, d)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="upsample='nearest-conv' doubles sizes, but the SN-DCGAN at 28x28 grows "
                                         "4 -> 7 -> 14 -> 28"):
        nets.build("sndcgan", (28, 28, 1), 8, upsample="nearest-conv")
    g, _ = nets.build("sndcgan", (32, 32, 1), 8, upsample="nearest-conv", width=4)  # control: 32 doubles
    assert g.output_shape == (None, 32, 32, 1)
    with pytest.raises(ValueError, match="norm applies to the dcgan and infogan discriminators only"):
        nets.build("sndcgan", (28, 28, 1), 8, norm="batch")


def test_a_few_steps_train_with_spectral_normalization():
    """Three NS-GAN steps, width 8, ``constraint="sn"``: finite losses and both networks move."""
    keras.utils.set_random_seed(0)
    g, d = nets.build("sndcgan", (28, 28, 1), 8, width=8)
    gan = models.build_gan("nsgan", g, d, latent_dim=8, prior="uniform", constraint="sn")
    gan.compile()
    before = [w.numpy().copy() for w in gan.generator.trainable_weights + gan.discriminator.trainable_weights]
    real = tf.random.uniform((16, 28, 28, 1), -1, 1, seed=3)
    for _ in range(3):
        logs = gan.train_on_batch(real, return_dict=True)
    assert all(np.isfinite(v) for v in logs.values())
    after = [w.numpy() for w in gan.generator.trainable_weights + gan.discriminator.trainable_weights]
    assert all(np.any(a != b) for a, b in zip(after, before))
