import keras
import numpy as np
import pytest

from tfgan_zoo import nets


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)])
@pytest.mark.parametrize("latent", [2, 100])
def test_dcgan_shapes(shape, latent):
    g, d = nets.build("dcgan", shape, latent, width=8)
    z = np.random.default_rng(0).standard_normal((3, latent)).astype("float32")
    x = np.asarray(g(z, training=False))
    assert x.shape == (3, *shape)
    assert x.min() >= -1 and x.max() <= 1
    assert np.asarray(d(x)).shape == (3, 1)


def test_dcgan_layer_plan_28():
    g, d = nets.build("dcgan", (28, 28, 1), 100)  # width 64: 7x7x256 -> 14x14x128 -> 28x28x1
    assert g.get_layer("to_map").output.shape[1:] == (7, 7, 256)
    assert g.get_layer("up_0").output.shape[1:] == (14, 14, 128)
    assert [type(l).__name__ for l in d.layers if "down" in l.name] == ["Conv2D", "LeakyReLU"] * 2  # native default


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3)])
def test_mlp_shapes(shape):
    g, d = nets.build("mlp", shape, 16)
    x = np.asarray(g(np.zeros((2, 16), "float32")))
    assert x.shape == (2, *shape)
    assert np.asarray(d(x)).shape == (2, 1)


def test_outputs_float32_under_mixed_precision():
    keras.config.set_dtype_policy("mixed_float16")
    g, d = nets.build("dcgan", (16, 16, 1), 8, width=4)
    x = g(np.zeros((2, 8), "float32"))
    assert "float32" in str(x.dtype)
    assert "float32" in str(d(x).dtype)
    assert g.get_layer("up_0").compute_dtype == "float16"


@pytest.mark.parametrize("size", [4, 8, 30, 100, 27])
def test_impossible_sizes_are_refused(size):
    with pytest.raises(ValueError, match="cannot produce .*Resize"):
        nets.build("dcgan", (size, size, 1), 8)


def test_bad_arguments():
    with pytest.raises(ValueError, match="square"):
        nets.build("dcgan", (32, 28, 1), 8)
    with pytest.raises(ValueError, match="Valid architectures: mlp, dcgan, sndcgan, sndcgan-small, infogan, resnet"):
        nets.build("vit", (32, 32, 3), 8)
    with pytest.raises(ValueError, match="latent_dim"):
        nets.build("mlp", (28, 28, 1), 0)
    assert nets.upsampling_plan(64) == (4, 4)
    assert nets.upsampling_plan(28) == (7, 2)
