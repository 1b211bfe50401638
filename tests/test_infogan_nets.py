"""compare_gan's InfoGAN networks (``--arch infogan``): every layer's output shape and parameter count against
the layer definitions of google/compare_gan (``architectures/infogan.py``, ``arch_ops.py``; the v1 code in
``src/gans/abstract_gan.py``), the [0, 1] <-> [-1, 1] mapping, the initialisers and batch-norm settings, and a
few training steps."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import assert_compare_gan_defaults, assert_layer_table, trainable_count
from tfgan_zoo import models, nets


count = trainable_count


# For 28x28x1 and z of 64 (Lucic et al.'s MNIST setup), compare_gan's layers and their trainable parameters:
#   generator
#     g_fc1   linear 64 -> 1024                     64 * 1024 + 1024           =    66,560
#     g_bn1   batch norm (gamma, beta)              2 * 1024                   =     2,048
#     g_fc2   linear 1024 -> 128 * 7 * 7 = 6,272    1024 * 6272 + 6272         = 6,428,800
#     g_bn2   batch norm                            2 * 6272                   =    12,544
#     g_dc3   deconv 4x4 s2, 7x7x128 -> 14x14x64    4 * 4 * 128 * 64 + 64      =   131,136
#     g_bn3   batch norm                            2 * 64                     =       128
#     g_dc4   deconv 4x4 s2, 14x14x64 -> 28x28x1    4 * 4 * 64 * 1 + 1         =     1,025
#     total                                                                      6,642,241
#   discriminator (batch norm, Lucic et al.'s default)
#     d_conv1 conv 4x4 s2, 28x28x1 -> 14x14x64      4 * 4 * 1 * 64 + 64        =     1,088
#     d_conv2 conv 4x4 s2, 14x14x64 -> 7x7x128      4 * 4 * 64 * 128 + 128     =   131,200
#     d_bn2   batch norm                            2 * 128                    =       256
#     d_fc3   linear 6,272 -> 1024                  6272 * 1024 + 1024         = 6,423,552
#     d_bn3   batch norm                            2 * 1024                   =     2,048
#     d_fc4   linear 1024 -> 1                      1024 + 1                   =     1,025
#     total                                                                      6,559,169
G_LAYERS = {"g_fc1": ((None, 1024), 66_560), "g_bn1": ((None, 1024), 2_048),
            "g_fc2": ((None, 6272), 6_428_800), "g_bn2": ((None, 6272), 12_544),
            "to_map": ((None, 7, 7, 128), 0), "g_dc3": ((None, 14, 14, 64), 131_136),
            "g_bn3": ((None, 14, 14, 64), 128), "g_dc4": ((None, 28, 28, 1), 1_025),
            "sigmoid": ((None, 28, 28, 1), 0), "to_minus1_1": ((None, 28, 28, 1), 0)}
D_LAYERS = {"to_0_1": ((None, 28, 28, 1), 0), "d_conv1": ((None, 14, 14, 64), 1_088),
            "d_conv2": ((None, 7, 7, 128), 131_200), "d_conv2_bn": ((None, 7, 7, 128), 256),
            "flatten": ((None, 6272), 0), "d_fc3": ((None, 1024), 6_423_552), "d_fc3_bn": ((None, 1024), 2_048),
            "logit": ((None, 1), 1_025)}


@pytest.fixture(scope="module")
def pair():
    keras.utils.set_random_seed(0)
    return nets.build("infogan", (28, 28, 1), 64, norm="batch")


@pytest.mark.parametrize("impl", ["native", "subpixel"])
def test_every_layer_has_compare_gans_shape_and_parameter_count(impl, pair):
    """The table above, layer by layer, for both transposed-convolution implementations (the same function)."""
    g, d = pair if impl == "native" else nets.build("infogan", (28, 28, 1), 64, norm="batch", transpose_impl=impl)
    assert_layer_table(g, G_LAYERS, 6_642_241)
    assert_layer_table(d, D_LAYERS, 6_559_169)


def test_discriminator_norms_and_other_sizes():
    """Without a norm D loses d_bn2 and d_bn3 (2,304 parameters). At 32x32x3 the dense layers read
    8 x 8 x 128 = 8,192 features: G's g_fc2 has 1024 * 8192 + 8192 parameters."""
    _, d_none = nets.build("infogan", (28, 28, 1), 64)
    assert count(d_none) == 6_559_169 - 256 - 2_048
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in d_none.layers)
    g, d = nets.build("infogan", (32, 32, 3), 128)
    assert g.output_shape == (None, 32, 32, 3) and count(g.get_layer("g_fc2")) == 1024 * 8192 + 8192
    assert d.get_layer("flatten").output.shape == (None, 8192)


def test_outputs_are_compare_gans_sigmoid_and_input_map(pair):
    """compare_gan's images are in [0, 1]. G's output is 2 sigmoid(a) - 1 of g_dc4's output ``a`` (so in
    [-1, 1], and (out + 1) / 2 is compare_gan's image), and D's first convolution reads (x + 1) / 2. Float32
    arithmetic on values of order 1: 1e-6. Control: without the map the first convolution's output differs by
    far more (its bias-free part changes by half the kernel sum)."""
    g, d = pair
    z = keras.random.uniform((16, 64), -1, 1, seed=1)
    pre = keras.Model(g.inputs, g.get_layer("g_dc4").output)(z, training=False)
    out = g(z, training=False)
    np.testing.assert_allclose(out, 2 * tf.sigmoid(pre) - 1, atol=1e-6)
    assert float(tf.reduce_min(out)) >= -1 and float(tf.reduce_max(out)) <= 1
    x = tf.random.uniform((4, 28, 28, 1), -1, 1, seed=2)
    conv = d.get_layer("d_conv1")
    first = keras.Model(d.inputs, conv.output)(x)
    kernel, bias = conv.get_weights()
    expected = tf.nn.conv2d((x + 1) / 2, kernel, 2, "SAME") + bias
    np.testing.assert_allclose(first, expected, atol=1e-6)
    unmapped = tf.nn.conv2d(x, kernel, 2, "SAME") + bias
    assert float(tf.reduce_max(tf.abs(first - unmapped))) > 1e-3


def test_initialisers_and_batch_norm_are_compare_gans(pair):
    """N(0, 0.02) for dense layers and transposed convolutions: g_fc2's 6.4M weights have a sample standard
    deviation within 0.5% of 0.02 (its standard error is 0.02 / sqrt(2n) = 6e-6, 0.03%). The convolutions
    draw from the normal truncated at 2 deviations, whose standard deviation is
    0.02 sqrt(1 - 4 phi(2) / (2 Phi(2) - 1)) = 0.017592; d_conv2's 131,072 weights within 2% (s.e. 0.2%), none
    beyond 0.04. Biases start at 0. Batch norm: momentum 0.999, epsilon 1e-3. The logit layer is N(0, 0.02)
    too (Keras' default would be Glorot uniform: std sqrt(2 / 1025) = 0.044, the control)."""
    g, d = pair
    w = g.get_layer("g_fc2").kernel.numpy()
    assert abs(w.std() / 0.02 - 1) < 0.005
    phi2 = math.exp(-2) / math.sqrt(2 * math.pi)
    big_phi2 = 0.5 * (1 + math.erf(2 / math.sqrt(2)))
    truncated_std = 0.02 * math.sqrt(1 - 4 * phi2 / (2 * big_phi2 - 1))
    c = d.get_layer("d_conv2").kernel.numpy()
    assert abs(c.std() / truncated_std - 1) < 0.02 and np.abs(c).max() <= 0.04
    assert abs(d.get_layer("logit").kernel.numpy().std() / 0.02 - 1) < 0.15  # 1,024 weights: s.e. 2.2%
    assert_compare_gan_defaults(g, d)
    glorot = keras.layers.Dense(1)
    glorot.build((None, 1024))
    assert glorot.kernel.numpy().std() > 0.035


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="divisible by 4; got 30x30"):
        nets.build("infogan", (30, 30, 1), 64)
    with pytest.raises(ValueError, match="compare_gan's fixed widths"):
        nets.build("infogan", (28, 28, 1), 64, width=32)
    with pytest.raises(ValueError, match="takes norm None or 'batch'.*got 'layer'; use --d-norm batch or none"):
        nets.build("infogan", (28, 28, 1), 64, norm="layer")


def test_a_few_steps_train_with_lucic_settings():
    """Four NS-GAN steps at batch 16 with the uniform prior and batch norm in D: finite losses, and every
    trainable weight of both networks moves."""
    keras.utils.set_random_seed(0)
    g, d = nets.build("infogan", (28, 28, 1), 8, norm="batch")
    gan = models.build_gan("nsgan", g, d, latent_dim=8, prior="uniform")
    gan.compile()
    before = [w.numpy().copy() for w in g.trainable_weights + d.trainable_weights]
    real = tf.random.uniform((16, 28, 28, 1), -1, 1, seed=3)
    for _ in range(4):
        logs = gan.train_on_batch(real, return_dict=True)
    assert all(np.isfinite(v) for v in logs.values())
    after = [w.numpy() for w in g.trainable_weights + d.trainable_weights]
    assert all(np.any(a != b) for a, b in zip(after, before))
