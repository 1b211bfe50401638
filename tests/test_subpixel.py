"""SubpixelConvTranspose equals keras.layers.Conv2DTranspose (4x4, stride 2, "same") up to float rounding.

Bound. Each output element of both layers is the same sum of n = 4 * C_in products (2 x 2 taps per
input channel), added in another order. In floating point with unit roundoff u, a sum of n products
is within n * u * sum|x_i k_i| of the exact value (Higham, Accuracy and Stability of Numerical
Algorithms, eq. 3.5 for dot products), so the two layers differ by at most 2 n u * M, with
M = Conv2DTranspose(|x|, |K|) computed elementwise. Under mixed precision the inputs and kernel are
rounded to the low precision first (the same rounding in both layers); TensorFlow's CPU kernels may
then accumulate in the low precision (float32 accumulation with one final rounding, 2 (n u_32 +
u_low) M, was exceeded by measurement), so the bound there is 2 n u_low M.
The gradients are the native layer's own computations (bitwise equal).
"""

import numpy as np
import pytest
import tensorflow as tf

import keras
from tfgan_zoo.nets.subpixel import SubpixelConvTranspose

U = {"float32": 2.0 ** -24, "float16": 2.0 ** -11, "bfloat16": 2.0 ** -8}
# (batch, input size, input channels, filters): the DCGAN's layers at width 64 (28x28, 64x64) and a small one
SHAPES = [(4, 7, 256, 128), (4, 14, 128, 1), (2, 4, 64, 32), (2, 32, 8, 3)]


def _pair(cin, cout, x_shape, use_bias=True):
    nat = keras.layers.Conv2DTranspose(cout, 4, strides=2, padding="same", use_bias=use_bias,
                                       bias_initializer="random_normal")
    sub = SubpixelConvTranspose(cout, use_bias=use_bias)
    nat.build(x_shape)
    sub.build(x_shape)
    sub.set_weights(nat.get_weights())
    return nat, sub


def _magnitude(x, kernel):
    """Conv2DTranspose(|x|, |K|): the sum of |products| behind every output element."""
    shape = (x.shape[0], 2 * x.shape[1], 2 * x.shape[2], kernel.shape[2])
    return tf.nn.conv2d_transpose(tf.abs(tf.cast(x, tf.float32)), tf.abs(tf.cast(kernel, tf.float32)), shape, 2,
                                  "SAME").numpy()


@pytest.mark.parametrize("b,size,cin,cout", SHAPES)
def test_forward_equals_conv2d_transpose_within_rounding(b, size, cin, cout):
    x = np.random.default_rng(size + cin).standard_normal((b, size, size, cin)).astype("float32")
    nat, sub = _pair(cin, cout, x.shape)
    a, c = nat(x).numpy(), sub(x).numpy()
    assert c.shape == a.shape == (b, 2 * size, 2 * size, cout)
    bound = 2 * 4 * cin * U["float32"] * _magnitude(x, nat.kernel) + 4 * U["float32"] * np.abs(a)  # + the bias add
    assert np.all(np.abs(a - c) <= bound), float(np.max(np.abs(a - c) - bound))
    # the control: a kernel flipped along its rows is a different layer, far outside the bound
    flipped = SubpixelConvTranspose(cout, use_bias=True)
    flipped.build(x.shape)
    flipped.set_weights([nat.kernel.numpy()[::-1], nat.bias.numpy()])
    assert np.max(np.abs(flipped(x).numpy() - a) - bound) > 0.1


@pytest.mark.parametrize("b,size,cin,cout", SHAPES[:2])
def test_gradients_are_the_native_layers(b, size, cin, cout):
    rng = np.random.default_rng(1)
    x = tf.constant(rng.standard_normal((b, size, size, cin)).astype("float32"))
    nat, sub = _pair(cin, cout, x.shape)
    dy = tf.constant(rng.standard_normal((b, 2 * size, 2 * size, cout)).astype("float32"))
    grads = []
    for layer in (nat, sub):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(layer(x) * dy)
        grads.append([g.numpy() for g in tape.gradient(loss, [x, layer.kernel, layer.bias])])
    for name, g_nat, g_sub in zip(("input", "kernel", "bias"), *grads):
        np.testing.assert_array_equal(g_sub, g_nat, err_msg=name)


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_within_rounding(policy):
    low = policy.split("_")[1]
    keras.config.set_dtype_policy(policy)
    x = np.random.default_rng(2).standard_normal((4, 7, 7, 64)).astype("float32")
    nat, sub = _pair(64, 32, x.shape, use_bias=False)
    a, c = nat(x), sub(x)
    assert a.dtype == c.dtype == tf.as_dtype(low)
    n = 4 * 64
    bound = 2 * n * U[low] * _magnitude(tf.cast(tf.cast(x, low), tf.float32),
                                                         tf.cast(nat.kernel, low))
    diff = np.abs(a.numpy().astype(np.float32) - c.numpy().astype(np.float32))
    assert np.all(diff <= bound), float(np.max(diff - bound))


def test_saves_loads_and_shares_weights_with_conv2d_transpose(tmp_path):
    x = np.random.default_rng(3).standard_normal((2, 4, 4, 8)).astype("float32")
    inputs = keras.Input((4, 4, 8))
    model = keras.Model(inputs, SubpixelConvTranspose(6, name="up")(inputs))
    path = str(tmp_path / "m.keras")
    model.save(path)
    back = keras.models.load_model(path)  # safe_mode stays on: a registered class, no code in the file
    assert isinstance(back.get_layer("up"), SubpixelConvTranspose)
    np.testing.assert_array_equal(back(x).numpy(), model(x).numpy())
    native = keras.Model(inputs, keras.layers.Conv2DTranspose(6, 4, strides=2, padding="same", name="up")(inputs))
    native.set_weights(model.get_weights())  # the same variables, shapes and order
    np.testing.assert_allclose(native(x).numpy(), model(x).numpy(), atol=1e-5)


@pytest.mark.parametrize("kwargs", [dict(kernel_size=3), dict(strides=1), dict(padding="valid")])
def test_other_configurations_are_refused(kwargs):
    with pytest.raises(ValueError, match="4x4, stride-2, 'same', channels-last .* use keras.layers.Conv2DTranspose"):
        SubpixelConvTranspose(8, **kwargs)
