"""Minibatch discrimination and the minibatch standard deviation, against NumPy written from the papers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from tfgan_zoo import models, nets
from tfgan_zoo.nets.minibatch import MinibatchDiscrimination, MinibatchStdDev


def test_minibatch_discrimination_matches_the_paper():
    f = np.random.default_rng(0).normal(size=(6, 7)).astype("float32")
    layer = MinibatchDiscrimination(kernels=4, kernel_dim=3)
    out = np.asarray(layer(f))
    t = np.asarray(layer.t).reshape(7, 4, 3)
    m = np.einsum("na,abc->nbc", f.astype(np.float64), t)  # M_i = f_i T, (n, B, C)
    o = np.exp(-np.abs(m[:, None] - m[None]).sum(-1)).sum(1)  # o(x_i)_b = sum_j exp(-||M_ib - M_jb||_1)
    assert out.shape == (6, 7 + 4)
    np.testing.assert_allclose(out[:, :7], f)
    np.testing.assert_allclose(out[:, 7:], o, rtol=1e-5)  # float32 products of 7 terms: 1e-5 relative
    # a batch of copies scores n on every kernel (all distances 0), a varied one less: what D learns to use
    same = np.asarray(layer(np.repeat(f[:1], 6, axis=0)))[:, 7:]
    np.testing.assert_allclose(same, 6.0, rtol=1e-6)
    assert (out[:, 7:] < 6.0).all()  # control
    with pytest.raises(ValueError, match="B, C >= 1"):
        MinibatchDiscrimination(0, 5)


def test_minibatch_stddev_matches_progan_grouping():
    f = np.random.default_rng(1).normal(size=(8, 5)).astype("float32")
    out = np.asarray(MinibatchStdDev(group_size=4)(f))
    y = f.astype(np.float64).reshape(4, 2, 5)  # sample i = k * 2 + m is in group m
    s = np.sqrt(y.var(axis=0) + 1e-8).mean(axis=1)  # (2,)
    np.testing.assert_allclose(out[:, :5], f)
    np.testing.assert_allclose(out[:, 5], np.tile(s, 4), rtol=1e-5)
    assert not np.allclose(s[0], s[1])  # control: the two groups differ, so the grouping is tested
    # 6 samples: 4 does not divide them, one group of 6
    out6 = np.asarray(MinibatchStdDev(group_size=4)(f[:6]))
    np.testing.assert_allclose(out6[:, 5], np.sqrt(f[:6].astype(np.float64).var(0) + 1e-8).mean(), rtol=1e-5)
    with pytest.raises(ValueError, match="group_size must be >= 2"):
        MinibatchStdDev(1)


def test_discriminators_with_minibatch_layers_train_save_and_load(tmp_path, tiny_data):
    keras.utils.set_random_seed(0)
    g, d = nets.build("dcgan", (16, 16, 1), 8, width=8, minibatch_discrimination=(10, 3), minibatch_stddev=4)
    names = [layer.name for layer in d.layers]
    assert names.index("minibatch_discrimination") < names.index("minibatch_stddev") < names.index("logit")
    gan = models.build_gan("nsgan", g, d, seed=0)
    gan.compile()
    hist = gan.fit(tiny_data(), epochs=1, verbose=0).history
    assert np.isfinite(hist["d_loss"][-1])
    path = str(tmp_path / "d.keras")
    d.save(path)
    back = keras.models.load_model(path)
    x = np.random.default_rng(0).uniform(-1, 1, (8, 16, 16, 1)).astype("float32")
    np.testing.assert_allclose(back(x), d(x), atol=1e-6)
