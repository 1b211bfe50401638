"""The sub-pixel layers equal Keras' (4x4, stride 2, "same") up to float rounding.

SubpixelConvTranspose vs keras.layers.Conv2DTranspose (forward), SubpixelConv2D vs keras.layers.Conv2D
(input gradient, which is the transposed convolution); the DCGAN built with either implementation.

Bound. Each output element of both layers is the same sum of n = 4 * C_in products (2 x 2 taps per
input channel), added in another order. In floating point with unit roundoff u, a sum of n products
is within n * u * sum|x_i k_i| of the exact value (Higham, Accuracy and Stability of Numerical
Algorithms, eq. 3.5 for dot products), so the two layers differ by at most 2 n u * M, with
M = Conv2DTranspose(|x|, |K|) computed elementwise. Under mixed precision the inputs and kernel are
rounded to the low precision first (the same rounding in both layers); each layer's result is then
within 2 u_low M of the exact sum plus the float32 accumulation error n u_32 M (the output rounding, and
at most one more rounding of a partial sum: TensorFlow's CPU kernels block the accumulation -- one
final rounding alone, 2 (n u_32 + u_low) M, was exceeded by measurement), so the two layers differ by
at most 4 u_low M + 2 n u_32 M. Measured: 2.1-2.3 u_low M.
The gradients are the native layer's own computations (bitwise equal).

Second order (gradient penalties differentiate D's input gradient): compared in float64, where the
same argument bounds the difference by a few n u_64 ~ 1e-13 of the magnitudes, so 1e-9 of the largest
value leaves four orders of margin; a kernel flipped in the input-gradient path misses it by far.
"""

import numpy as np
import pytest
import tensorflow as tf

import keras
from tfgan_zoo import checkpointing, nets, training
from tfgan_zoo.config import TrainConfig
from tfgan_zoo.nets import dcgan as dcgan_module
from tfgan_zoo.nets.subpixel import MIN_SUBPIXEL_CHANNELS, SubpixelConv2D, SubpixelConvTranspose

FIXTURES = __import__("os").path.join(__import__("os").path.dirname(__file__), "fixtures")

U = {"float32": 2.0 ** -24, "float16": 2.0 ** -11, "bfloat16": 2.0 ** -8}
# (batch, input size, input channels, filters): the DCGAN's layers at width 64 (28x28, 64x64) and a small one
SHAPES = [(4, 7, 256, 128), (4, 14, 128, 1), (2, 4, 64, 32), (2, 32, 8, 3)]


def _pair(cin, cout, x_shape, use_bias=True, dtype=None):
    nat = keras.layers.Conv2DTranspose(cout, 4, strides=2, padding="same", use_bias=use_bias,
                                       bias_initializer="random_normal", dtype=dtype)
    sub = SubpixelConvTranspose(cout, use_bias=use_bias, dtype=dtype)
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
    from tfgan_zoo.precision import bfloat16_conflict

    if policy == "mixed_bfloat16" and bfloat16_conflict():  # TensorFlow's bfloat16 conv fails there (see its test)
        pytest.skip(bfloat16_conflict())
    low = policy.split("_")[1]
    keras.config.set_dtype_policy(policy)
    x = np.random.default_rng(2).standard_normal((4, 7, 7, 64)).astype("float32")
    nat, sub = _pair(64, 32, x.shape, use_bias=False)
    a, c = nat(x), sub(x)
    assert a.dtype == c.dtype == tf.as_dtype(low)
    n = 4 * 64
    m = _magnitude(tf.cast(tf.cast(x, low), tf.float32), tf.cast(nat.kernel, low))
    bound = (4 * U[low] + 2 * n * U["float32"]) * m
    diff = np.abs(a.numpy().astype(np.float32) - c.numpy().astype(np.float32))
    assert np.all(diff <= bound), float(np.max(diff - bound))
    flipped = SubpixelConvTranspose(32, use_bias=False)  # control: the kernel's rows flipped
    flipped.build(x.shape)
    flipped.set_weights([nat.kernel.numpy()[::-1]])
    assert np.any(np.abs(flipped(x).numpy().astype(np.float32) - a.numpy().astype(np.float32)) > bound)


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


# ---------------------------------------------------------------- SubpixelConv2D
CONV_SHAPES = [(4, 14, 64, 128), (2, 8, 32, 16)]  # the 28x28 DCGAN's down_1, a small one


def _conv_pair(cin, cout, x_shape, dtype=None):
    nat = keras.layers.Conv2D(cout, 4, strides=2, padding="same", bias_initializer="random_normal", dtype=dtype)
    sub = SubpixelConv2D(cout, bias_initializer="random_normal", dtype=dtype)
    nat.build(x_shape)
    sub.build(x_shape)
    sub.set_weights(nat.get_weights())
    return nat, sub


@pytest.mark.parametrize("b,size,cin,cout", CONV_SHAPES)
def test_conv2d_input_gradient_within_rounding_the_rest_bitwise(b, size, cin, cout):
    rng = np.random.default_rng(size + cout)
    x = tf.constant(rng.standard_normal((b, size, size, cin)).astype("float32"))
    nat, sub = _conv_pair(cin, cout, x.shape)
    dy = tf.constant(rng.standard_normal((b, size // 2, size // 2, cout)).astype("float32"))
    out, grads = [], []
    for layer in (nat, sub):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
            loss = tf.reduce_sum(y * dy)
        out.append(y.numpy())
        grads.append([g.numpy() for g in tape.gradient(loss, [x, layer.kernel, layer.bias])])
    np.testing.assert_array_equal(out[1], out[0])  # the forward pass is the native convolution
    np.testing.assert_array_equal(grads[1][1], grads[0][1])  # kernel: the native conv2d_backprop_filter
    np.testing.assert_array_equal(grads[1][2], grads[0][2])
    # input: a transposed convolution of dy with the kernel, n = 4 * cout products per element
    bound = 2 * 4 * cout * U["float32"] * _magnitude(dy, nat.kernel)
    diff = np.abs(grads[1][0] - grads[0][0])
    assert np.all(diff <= bound), float(np.max(diff - bound))
    # control: the input gradient with the kernel's rows flipped (a plausible indexing slip) misses the bound
    wrong = tf.nn.conv2d_transpose(dy, nat.kernel.numpy()[::-1], x.shape, 2, "SAME").numpy()
    assert np.max(np.abs(wrong - grads[0][0]) - bound) > 0.1


def _gradient_penalty_grads(layer, x, w):
    """d/d(kernel, x) of sum((d <tanh(layer(x)), w> / dx)^2): the second-order path of a gradient penalty
    (the nonlinearity makes the input gradient depend on x, as a discriminator's does)."""
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            score = tf.reduce_sum(tf.tanh(layer(x)) * w)
        gp = tf.reduce_sum(tf.square(inner.gradient(score, x)))
    return [g.numpy() for g in outer.gradient(gp, [layer.kernel, x])]


@pytest.mark.parametrize("kind", ["conv", "transpose"])
def test_second_order_gradients_float64(kind):
    rng = np.random.default_rng(5)
    if kind == "conv":
        x = tf.constant(rng.standard_normal((2, 8, 8, 32)))
        nat, sub = _conv_pair(32, 16, x.shape, dtype="float64")
    else:
        x = tf.constant(rng.standard_normal((2, 4, 4, 32)))
        nat, sub = _pair(32, 16, x.shape, dtype="float64")
    w = tf.constant(rng.standard_normal(nat(x).shape))
    ref, got = _gradient_penalty_grads(nat, x, w), _gradient_penalty_grads(sub, x, w)
    for name, a, c in zip(("kernel", "input"), ref, got):
        np.testing.assert_allclose(c, a, rtol=0, atol=1e-9 * np.max(np.abs(a)), err_msg=name)
    # control: the same computation with the kernel flipped in the sub-pixel layer only
    sub.kernel.assign(sub.kernel.numpy()[::-1])
    wrong = _gradient_penalty_grads(sub, x, w)[0]
    assert np.max(np.abs(wrong - ref[0])) > 1e-3 * np.max(np.abs(ref[0]))


def test_conv2d_refuses_odd_inputs_and_other_configurations():
    with pytest.raises(ValueError, match="even input height and width, got 7x7; use keras.layers.Conv2D"):
        SubpixelConv2D(8).build((None, 7, 7, 4))
    with pytest.raises(ValueError, match="use keras.layers.Conv2D for kernel_size=.3, 3."):
        SubpixelConv2D(8, kernel_size=3)


# ------------------------------------------------------------------- the DCGAN
def _kinds(model):
    return {layer.name: type(layer).__name__ for layer in model.layers if "Conv" in type(layer).__name__}


def test_dcgan_uses_subpixel_layers_where_wide_enough():
    g, d = nets.build("dcgan", (28, 28, 1), 16, transpose_impl="subpixel")
    # up_0 has 128 output channels; the image layer 1 (< MIN_SUBPIXEL_CHANNELS): native. D's input
    # gradients: down_1's goes to 64 channels, down_0's to the image's 1.
    assert MIN_SUBPIXEL_CHANNELS == 32
    assert _kinds(g) == {"up_0": "SubpixelConvTranspose", "to_image": "Conv2DTranspose"}
    assert _kinds(d) == {"down_0": "Conv2D", "down_1": "SubpixelConv2D"}
    g, d = nets.build("dcgan", (28, 28, 1), 16)  # the builders' default: the same layers on every machine
    assert _kinds(g) == {"up_0": "Conv2DTranspose", "to_image": "Conv2DTranspose"}
    assert _kinds(d) == {"down_0": "Conv2D", "down_1": "Conv2D"}
    # auto: sub-pixel where TensorFlow sees no GPU or TPU (this suite runs on CPUs)
    accelerated = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("TPU")
    assert nets.resolve_transpose_impl("auto") == ("native" if accelerated else "subpixel")
    with pytest.raises(ValueError, match="Unknown transpose_impl 'fast'; use one of auto, native, subpixel"):
        nets.build("dcgan", (28, 28, 1), 16, transpose_impl="fast")


def test_keras_file_saved_before_the_subpixel_layers_loads_and_moves_to_them(monkeypatch):
    """A GAN saved at commit b235641 (native layers only; tests/fixtures/make_dcgan_native.py)."""
    ref = np.load(f"{FIXTURES}/dcgan_native_b235641.npz")
    old = keras.models.load_model(f"{FIXTURES}/dcgan_native_b235641.keras")  # safe_mode on
    assert _kinds(old.generator)["up_0"] == "Conv2DTranspose"
    old_images = old.generator(ref["z"], training=False).numpy()  # checked against the bound below
    # D's logits: equal on the CPU that wrote the fixture; elsewhere its convolutions and the 392-term logit sum
    # run in another order. 1e-6 is 15 float32 ulps at |logit| 0.2 (measured apart: 6.5e-8 on an AMD EPYC with
    # AVX-512); weights loaded wrongly move logits by ~0.1
    np.testing.assert_allclose(old.discriminator(ref["x"], training=False).numpy(), ref["logits"], rtol=0, atol=1e-6)
    # its weights in sub-pixel networks (the cut-off lowered: the fixture is width 4, 8-16 channels)
    monkeypatch.setattr(dcgan_module, "MIN_SUBPIXEL_CHANNELS", 1)
    g, d = nets.build("dcgan", (28, 28, 1), 8, width=4, transpose_impl="subpixel")
    assert set(_kinds(g).values()) == {"SubpixelConvTranspose"} and set(_kinds(d).values()) == {"SubpixelConv2D"}
    g.set_weights(old.generator.get_weights())
    d.set_weights(old.discriminator.get_weights())
    np.testing.assert_allclose(d(ref["x"], training=False).numpy(), ref["logits"], rtol=0, atol=1e-6)  # native fwd
    # G: up_0's output against its derived bound (as in the layer test, n = 4 * 16 products), then the
    # images: up_0's bound carried through inference batch norm (x |gamma| / sqrt(var + eps) per channel)
    # and ReLU (1-Lipschitz) into to_image (sum of |kernel| products, its own 2 n u M with n = 4 * 8) and
    # tanh (1-Lipschitz), plus 4 u for the rounding of the element-wise layers
    def upto(model, name):
        return keras.Model(model.inputs, model.get_layer(name).output)

    h_in = upto(old.generator, "to_map")(ref["z"], training=False)
    a0, c0 = upto(old.generator, "up_0")(ref["z"]).numpy(), upto(g, "up_0")(ref["z"]).numpy()
    b0 = 2 * 4 * 16 * U["float32"] * _magnitude(h_in, old.generator.get_layer("up_0").kernel)
    assert np.all(np.abs(a0 - c0) <= b0)
    bn = old.generator.get_layer("up_0_bn")
    scale = np.abs(bn.gamma.numpy()) / np.sqrt(bn.moving_variance.numpy() + bn.epsilon)
    relu_out = upto(old.generator, "up_0_relu")(ref["z"])
    k1 = old.generator.get_layer("to_image").kernel
    bound = (_magnitude(b0 * scale, k1) + 2 * 4 * 8 * U["float32"] * _magnitude(relu_out, k1)
             + 4 * U["float32"])
    images = g(ref["z"], training=False).numpy()
    assert np.all(np.abs(images - ref["images"]) <= bound), float(np.max(np.abs(images - ref["images"]) - bound))
    # the loaded native generator against the fixture: equal on the CPU that wrote it, and on another instruction
    # set (AVX-512 against AVX2: 2.2e-8 apart, measured) within the same rounding bound, since its transposed
    # convolutions then sum the same products in another order
    assert np.all(np.abs(old_images - ref["images"]) <= bound), float(np.max(np.abs(old_images - ref["images"])))
    g.get_layer("up_0").kernel.assign(g.get_layer("up_0").kernel.numpy()[::-1])  # control: a flipped kernel
    assert np.any(np.abs(g(ref["z"], training=False).numpy() - ref["images"]) > bound)


def test_a_run_records_its_implementation_and_resumes_with_it():
    cfg = TrainConfig()
    assert training.resolve_transpose_impl(cfg) == nets.resolve_transpose_impl("auto")
    old = checkpointing.Checkpoint("runs/x/checkpoints/step_00000500.keras", {"config": {"loss": "nsgan"}})
    assert training.resolve_transpose_impl(cfg, old) == "native"  # runs from before the option
    new = checkpointing.Checkpoint("runs/x/checkpoints/step_00000500.keras", {"config": {"transpose_impl": "subpixel"}})
    assert training.resolve_transpose_impl(cfg, new) == "subpixel"
    assert training.resolve_transpose_impl(TrainConfig(transpose_impl="subpixel"), new) == "subpixel"
    with pytest.raises(checkpointing.CheckpointMismatchError,
                       match="trained with --transpose-impl native.*resume without --transpose-impl subpixel"):
        training.resolve_transpose_impl(TrainConfig(transpose_impl="subpixel"), old)
