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
    if policy == "mixed_bfloat16" and precision.bfloat16_conflict():
        # ONEDNN_MAX_CPU_ISA below AVX-512 on an AVX-512 CPU: bfloat16 would segfault TensorFlow; refused instead
        with pytest.raises(ValueError, match="ONEDNN_MAX_CPU_ISA"):
            precision.set_precision(policy)
        assert keras.config.dtype_policy().name == "float32"
        return
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


def test_bfloat16_conflict_names_the_cap_and_the_fixes():
    avx512 = {"avx2", "avx512f", "avx512_bf16"}
    why = precision.bfloat16_conflict({"ONEDNN_MAX_CPU_ISA": "avx2"}, avx512)
    assert "ONEDNN_MAX_CPU_ISA=AVX2" in why and "TF_ENABLE_ONEDNN_OPTS=0" in why and "float32" in why
    assert precision.bfloat16_conflict({"ONEDNN_MAX_CPU_ISA": "AVX"}, avx512)
    # controls: no cap, an AVX-512 cap, oneDNN's ops off, or a CPU without AVX-512 (TensorFlow does not take the
    # oneDNN bfloat16 path there) all run bfloat16
    assert precision.bfloat16_conflict({}, avx512) is None
    assert precision.bfloat16_conflict({"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"}, avx512) is None
    assert precision.bfloat16_conflict({"ONEDNN_MAX_CPU_ISA": "AVX2", "TF_ENABLE_ONEDNN_OPTS": "0"}, avx512) is None
    assert precision.bfloat16_conflict({"ONEDNN_MAX_CPU_ISA": "AVX2"}, {"avx2", "fma"}) is None


def test_bfloat16_conflict_is_refused_before_tensorflow_runs(monkeypatch):
    from tfgan_zoo.config import TrainConfig

    monkeypatch.setattr(precision, "_cpu_flags", lambda: {"avx512f"})
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    with pytest.raises(ValueError, match="mixed_bfloat16 cannot run with ONEDNN_MAX_CPU_ISA=AVX2"):
        TrainConfig(precision="mixed_bfloat16").validate()
    with pytest.raises(ValueError, match="segfaults"):
        precision.set_precision("mixed_bfloat16")
    assert keras.config.dtype_policy().name == "float32"  # nothing was set
    TrainConfig(precision="float32").validate()  # control: float32 is not affected
    monkeypatch.setattr(precision, "_cpu_flags", lambda: {"avx2"})
    TrainConfig(precision="mixed_bfloat16").validate()  # control: without AVX-512 the cap changes nothing
