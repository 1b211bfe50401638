"""benchmarks/train_step.py --networks: each configuration builds what it names (implementation, XLA, compute
dtype) without leaking its dtype policy, and bfloat16 is timed only where the CPU does it natively."""

from __future__ import annotations

import importlib
import os
import sys

import keras
import pytest

from tfgan_zoo import precision

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _import(name):
    saved = list(sys.path)
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path[:] = saved


train_step = _import("train_step")


def _subpixel_layers(gan):
    return [layer.name for layer in gan.generator.layers + gan.discriminator.layers
            if "Subpixel" in type(layer).__name__]


@pytest.mark.parametrize("name", ["infogan", "sndcgan"])
def test_each_configuration_builds_what_it_names(name):
    native = train_step.network_gan(name, "float32/native", "subpixel")
    sub = train_step.network_gan(name, "float32/subpixel", "native")
    xla = train_step.network_gan(name, "float32/xla", "subpixel")
    assert not _subpixel_layers(native) and _subpixel_layers(sub) and _subpixel_layers(xla)
    assert native.jit_compile is False  # (XLA's flag is not asserted: Keras turns it off where XLA cannot run,
    # e.g. after another test enabled op determinism in the same process)
    assert native.generator.count_params() == sub.generator.count_params()


def test_bfloat16_configuration_computes_in_bfloat16_and_restores_the_policy():
    if precision.bfloat16_conflict():
        pytest.skip(precision.bfloat16_conflict())
    gan = train_step.network_gan("infogan", "mixed_bfloat16", "native")
    dense = gan.generator.get_layer("g_fc2")
    assert dense.compute_dtype == "bfloat16" and dense.variable_dtype == "float32"
    assert gan.generator.get_layer("to_minus1_1").compute_dtype == "float32"  # the image stays float32
    assert keras.config.dtype_policy().name == "float32"  # control: the global policy is restored


def test_bfloat16_is_skipped_without_native_support(monkeypatch):
    """No AVX512_BF16/AMX flag: skipped with the reason; with the flag (and no ISA cap) it is timed."""
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    monkeypatch.setattr(precision, "_cpu_flags", lambda: {"avx2", "fma"})
    assert "neither AVX512_BF16 nor AMX" in precision.bfloat16_not_native()  # what networks_main asks
    monkeypatch.setattr(precision, "_cpu_flags", lambda: {"avx512f", "avx512_bf16", "avx512_vnni"})
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    assert precision.bfloat16_not_native() is None
