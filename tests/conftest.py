import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfgan_zoo import nets  # noqa: E402


@pytest.fixture(autouse=True)
def _float32_policy():
    """Every test starts and ends under the float32 policy."""
    keras.config.set_dtype_policy("float32")
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture
def tiny_nets():
    """A small DCGAN pair for 16x16x1 images and 8-d noise (fast to compile)."""
    def make(arch="dcgan", shape=(16, 16, 1), latent=8):
        if arch == "dcgan":
            return nets.build("dcgan", shape, latent, width=4)
        return nets.build("mlp", shape, latent)
    return make


@pytest.fixture
def tiny_data():
    """A batched dataset of 64 random 16x16x1 images in [-1, 1]."""
    def make(shape=(16, 16, 1), n=64, batch=16, seed=0):
        x = np.random.default_rng(seed).uniform(-1, 1, (n, *shape)).astype("float32")
        return tf.data.Dataset.from_tensor_slices(x).batch(batch, drop_remainder=True)
    return make
