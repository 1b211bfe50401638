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
    # 8 generator steps (2 epochs x 4 batches). Under mixed_float16 a step whose scaled gradients overflow is
    # skipped, as it must be: it halves the dynamic loss scale (2^15 at the start; it only grows after 2,000 finite
    # steps) and does not count in `iterations`. So applied + skipped = 8 exactly, skipped = log2(2^15 / scale).
    skipped = 0
    if scaled:
        skipped = round(math.log2(gan.g_optimizer.initial_scale / float(gan.g_optimizer.dynamic_scale)))
        assert 0 <= skipped <= 2, (f"{skipped} of 8 generator steps overflowed in float16: more than an "
                                   "occasional overflow")
    assert int(gan.g_optimizer.iterations) + skipped == 8
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
    # TensorFlow reads TF_ENABLE_ONEDNN_OPTS as a boolean (0/false/1/true, any case); unset, its oneDNN ops are on
    # only on CPUs with VNNI, BF16 or AMX (port.cc's DefaultOneDnnPolicy), so an AVX-512 CPU without them (Skylake)
    # is not refused unless the variable turns them on
    assert precision.bfloat16_conflict({"ONEDNN_MAX_CPU_ISA": "AVX2", "TF_ENABLE_ONEDNN_OPTS": "False"}, avx512) is None
    skylake = {"avx2", "avx512f", "avx512bw"}
    assert precision.bfloat16_conflict({"ONEDNN_MAX_CPU_ISA": "AVX2"}, skylake) is None
    assert precision.bfloat16_conflict({"ONEDNN_MAX_CPU_ISA": "AVX2", "TF_ENABLE_ONEDNN_OPTS": "TRUE"}, skylake)
    assert precision.bfloat16_conflict({"ONEDNN_MAX_CPU_ISA": "AVX2", "TF_ENABLE_ONEDNN_OPTS": "1"}, skylake)


@pytest.mark.parametrize("value, flags, on", [
    (None, {"avx512_vnni"}, True), (None, {"avx_vnni"}, True), (None, {"amx_tile"}, True),
    (None, {"avx2", "avx512f"}, False), ("0", {"avx512_vnni"}, False), ("false", {"avx512_bf16"}, False),
    ("1", set(), True), ("true", set(), True), ("yes", {"avx2"}, False), ("yes", {"avx512_bf16"}, True)])
def test_onednn_enabled_reads_the_variable_as_tensorflow_does(value, flags, on):
    env = {} if value is None else {"TF_ENABLE_ONEDNN_OPTS": value}
    assert precision.onednn_enabled(env, flags) is on


def test_bfloat16_conflict_is_refused_before_tensorflow_runs(monkeypatch):
    from tfgan_zoo.config import TrainConfig

    monkeypatch.setattr(precision, "_cpu_flags", lambda: {"avx512f", "avx512_vnni"})
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


AVX512_BF16 = {"avx2", "avx512f", "avx512_vnni", "avx512_bf16"}


@pytest.mark.parametrize("env, flags, policy", [
    ({}, AVX512_BF16, "mixed_bfloat16"),                                  # native bfloat16, oneDNN on by default
    ({}, {"avx2", "avx512f", "amx_tile", "amx_bf16"}, "mixed_bfloat16"),  # AMX
    ({}, {"avx2", "fma"}, "float32"),                                     # AVX2 only: oneDNN would emulate it
    ({}, {"avx2", "avx512f", "avx512_vnni"}, "float32"),                  # AVX-512 without BF16 (Cascade Lake)
    ({"TF_ENABLE_ONEDNN_OPTS": "0"}, AVX512_BF16, "float32"),             # oneDNN's ops off
    ({"ONEDNN_MAX_CPU_ISA": "AVX2"}, AVX512_BF16, "float32"),             # the cap that would crash bfloat16
])
def test_auto_precision_is_bfloat16_only_where_it_is_native(env, flags, policy):
    assert precision.resolve_precision("auto", env, flags) == policy
    reason = precision.bfloat16_not_native(env, flags)
    assert (reason is None) == (policy == "mixed_bfloat16")
    # an explicit policy is itself on every machine
    for name in precision.PRECISIONS:
        assert precision.resolve_precision(name, env, flags) == name


def test_auto_precision_sets_and_returns_the_resolved_policy(monkeypatch):
    from tfgan_zoo.config import TrainConfig

    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    TrainConfig(precision="auto").validate()  # the config keeps "auto"; the machine decides when the run starts
    for flags, policy in ((AVX512_BF16, "mixed_bfloat16"), ({"avx2", "fma"}, "float32")):
        monkeypatch.setattr(precision, "_cpu_flags", lambda f=flags: f)
        try:
            assert precision.set_precision("auto") == policy
            assert keras.config.dtype_policy().name == policy
        finally:
            keras.config.set_dtype_policy("float32")
    with pytest.raises(ValueError, match="Valid precisions: float32, mixed_float16, mixed_bfloat16, auto"):
        TrainConfig(precision="bf16").validate()
