import math

import keras
import pytest

from tfgan_zoo import models, precision


@pytest.mark.parametrize("policy,loss", [
    ("float32", "nsgan"),
    ("mixed_float16", "nsgan"),
    ("mixed_float16", "wgan-gp"),
    ("mixed_bfloat16", "hinge"),
])
def test_policies_train_without_nan(policy, loss, tiny_nets, tiny_data):
    precision.set_precision(policy)
    g, d = tiny_nets()
    gan = models.build_gan(loss, g, d, seed=0, n_critic=1)
    gan.compile(jit_compile=True)  # the GPU path: XLA + mixed precision
    hist = gan.fit(tiny_data(), epochs=2, verbose=0).history
    assert all(math.isfinite(v) for vals in hist.values() for v in vals)
    scaled = isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert scaled == (policy == "mixed_float16")
    assert scaled == isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert int(gan.g_optimizer.iterations) == 8
    # logits stay float32 under every policy
    assert "float32" in str(d(gan.generate(2)).dtype)


def test_unknown_precision():
    with pytest.raises(ValueError, match="Valid precisions: float32, mixed_float16, mixed_bfloat16"):
        precision.set_precision("float16")
