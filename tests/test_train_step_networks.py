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


def test_networks_mode_defaults_to_the_recipes_batch_and_explicit_values_win():
    """``--networks`` alone times batch 64 (the recipes' batch, the protocol of the committed result files), 3
    rounds of 5 steps; the loss sweep keeps batch 128, 5 rounds of 6; a value given on the command line is kept
    in either mode. Control: without ``fill_defaults`` the values stay None."""
    import argparse

    def parse(*argv):
        ns = argparse.Namespace(networks=None, batch_size=None, steps=None, rounds=None)
        for key, value in zip(argv[::2], argv[1::2]):
            setattr(ns, key, value)
        return ns

    assert parse().batch_size is None
    net = train_step.fill_defaults(parse("networks", "dcgan"))
    assert (net.batch_size, net.steps, net.rounds) == (64, 5, 3)
    sweep = train_step.fill_defaults(parse())
    assert (sweep.batch_size, sweep.steps, sweep.rounds) == (128, 6, 5)
    given = train_step.fill_defaults(parse("networks", "dcgan", "batch_size", 32))
    assert given.batch_size == 32 and given.rounds == 3


def test_the_cpu_description_names_the_family_and_the_fast_paths(monkeypatch):
    """From a fake /proc/cpuinfo: the model, its family (a virtual "AMD EPYC" is a Zen 1 or a Zen 4 by it) and
    the AVX-512/BF16/AMX flags; control: without a family line the model stands alone."""
    import io

    machine = _import("machine")
    text = "model name\t: AMD EPYC\ncpu family\t: 23\nflags\t\t: fma avx avx2\n"
    monkeypatch.setattr(machine, "open", lambda *a, **k: io.StringIO(text), raising=False)
    assert machine.cpu_description() == "AMD EPYC (family 23), avx512f=False, avx512_bf16=False"
    text = "model name\t: AMD EPYC\nflags\t\t: avx2 avx512f avx512_bf16 amx_tile\n"
    assert machine.cpu_description() == "AMD EPYC, avx512f=True, avx512_bf16=True, amx=True"


def test_the_machine_facts_record_the_onednn_isa_cap(monkeypatch):
    """Every benchmark's ``machine`` entry says whether oneDNN's kernels were capped (the cap changes timings);
    control: without the variable it is None."""
    machine = _import("machine")
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    assert machine.facts()["onednn_max_cpu_isa"] == "AVX2"
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA")
    assert machine.facts()["onednn_max_cpu_isa"] is None
