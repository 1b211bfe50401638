"""Dtype policies: float32, mixed_float16 (with loss scaling) and mixed_bfloat16 (imports Keras only to set one)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from .choices import PRECISION_MODES, PRECISIONS  # noqa: F401  (PRECISIONS: the Keras policies, re-exported)

# oneDNN ISA caps without AVX-512: with one of them on a CPU that has AVX-512, TensorFlow 2.21 still routes bfloat16
# matmuls to oneDNN, which has no kernel for them at that ISA: MatMul segfaults, Conv2D fails to create its
# primitive (measured on an AMD EPYC with AVX-512 BF16 under ONEDNN_MAX_CPU_ISA=AVX, AVX2, AVX2_VNNI; the
# AVX512_CORE caps and TF_ENABLE_ONEDNN_OPTS=0 work). On a CPU without AVX-512 TensorFlow does not take that path.
_NO_AVX512_CAPS = ("SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2")


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


# CPU flags for which TensorFlow turns its oneDNN ops on when TF_ENABLE_ONEDNN_OPTS is unset (Linux x86:
# "CPUs with neural network features", tensorflow/core/util/port.cc DefaultOneDnnPolicy)
_ONEDNN_DEFAULT_FLAGS = ("avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_int8", "amx_bf16")


def onednn_enabled(env: Mapping[str, str] | None = None, cpu_flags: set[str] | None = None) -> bool:
    """Whether TensorFlow will run its oneDNN ops, read as TensorFlow reads it (without importing it).

    ``TF_ENABLE_ONEDNN_OPTS`` ``0``/``false`` or ``1``/``true`` (any case) decides; unset (or another value,
    which TensorFlow warns about and ignores), oneDNN is on for CPUs with one of ``_ONEDNN_DEFAULT_FLAGS``.
    """
    env = os.environ if env is None else env
    value = env.get("TF_ENABLE_ONEDNN_OPTS", "").strip().lower()
    if value in ("0", "false"):
        return False
    if value in ("1", "true"):
        return True
    flags = _cpu_flags() if cpu_flags is None else cpu_flags
    return any(f in flags for f in _ONEDNN_DEFAULT_FLAGS)


def bfloat16_conflict(env: Mapping[str, str] | None = None, cpu_flags: set[str] | None = None) -> str | None:
    """Why bfloat16 would crash TensorFlow in this environment, or None.

    The crash: ``ONEDNN_MAX_CPU_ISA`` capped below AVX-512 on a CPU that has AVX-512, with TensorFlow's oneDNN
    ops on (:func:`onednn_enabled`).
    """
    env = os.environ if env is None else env
    cap = env.get("ONEDNN_MAX_CPU_ISA", "").strip().upper()
    if cap not in _NO_AVX512_CAPS:  # the usual case: no cap, and no need to read the CPU's flags
        return None
    flags = _cpu_flags() if cpu_flags is None else cpu_flags
    if "avx512f" not in flags or not onednn_enabled(env, flags):
        return None
    return (f"mixed_bfloat16 cannot run with ONEDNN_MAX_CPU_ISA={cap} on this CPU (it has AVX-512): TensorFlow "
            "sends bfloat16 matmuls to oneDNN, which has no kernel for them below AVX-512, and the process "
            "segfaults. Unset ONEDNN_MAX_CPU_ISA, set TF_ENABLE_ONEDNN_OPTS=0 before starting Python, or use "
            "--precision float32.")


# CPU flags of native bfloat16 arithmetic (oneDNN runs bfloat16 at twice float32's rate there; elsewhere it emulates)
_NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def bfloat16_not_native(env: Mapping[str, str] | None = None, cpu_flags: set[str] | None = None) -> str | None:
    """Why ``mixed_bfloat16`` would not run natively (fast and safely) here, or None when it would.

    Native: the CPU has AVX512_BF16 or AMX-BF16, TensorFlow's oneDNN ops are on (:func:`onednn_enabled`) and
    no ISA cap makes bfloat16 crash (:func:`bfloat16_conflict`).

    Parameters
    ----------
    env : mapping, optional
        Environment variables to read (default: ``os.environ``).
    cpu_flags : set of str, optional
        The CPU's flags as ``/proc/cpuinfo`` names them (default: this machine's).

    Returns
    -------
    str or None
        One sentence naming what is missing, or None.
    """
    env = os.environ if env is None else env
    flags = _cpu_flags() if cpu_flags is None else cpu_flags
    if why := bfloat16_conflict(env, flags):
        return why
    if not any(f in flags for f in _NATIVE_BF16_FLAGS):
        return "the CPU has neither AVX512_BF16 nor AMX: oneDNN would emulate bfloat16"
    if not onednn_enabled(env, flags):
        return "oneDNN is off (TF_ENABLE_ONEDNN_OPTS)"
    return None


def resolve_precision(name: str, env: Mapping[str, str] | None = None, cpu_flags: set[str] | None = None) -> str:
    """The dtype policy ``name`` stands for here.

    ``"auto"`` is ``mixed_bfloat16`` where :func:`bfloat16_not_native` finds nothing against it and ``float32``
    elsewhere (auto never picks ``mixed_float16``, a GPU's choice: ask for it by name); any other name is itself.

    Parameters
    ----------
    name : str
        One of ``PRECISION_MODES``.
    env, cpu_flags
        As for :func:`bfloat16_not_native`.

    Returns
    -------
    str
        A Keras dtype policy name (one of ``PRECISIONS``).

    Raises
    ------
    ValueError
        For an unknown name, listing the valid ones.

    >>> resolve_precision("auto", env={}, cpu_flags={"avx2", "avx512f", "avx512_bf16"})
    'mixed_bfloat16'
    >>> resolve_precision("auto", env={}, cpu_flags={"avx2", "fma"})
    'float32'
    >>> resolve_precision("mixed_float16")
    'mixed_float16'
    """
    if name not in PRECISION_MODES:
        raise ValueError(f"Unknown precision {name!r}. Valid precisions: {', '.join(PRECISION_MODES)}.")
    if name != "auto":
        return name
    return "float32" if bfloat16_not_native(env, cpu_flags) else "mixed_bfloat16"


def set_precision(name: str) -> str:
    """Set Keras' global dtype policy before building networks.

    Under ``mixed_float16`` :meth:`tfgan_zoo.models.GAN.compile` wraps both
    optimizers in ``LossScaleOptimizer`` (float16 underflows without it).
    ``mixed_bfloat16`` has float32's exponent range and needs no loss scaling.
    Discriminator logits, generator outputs, losses and penalties are float32
    under every policy (the networks' last layers have ``dtype="float32"``).
    ``mixed_bfloat16`` is refused (``ValueError``) where it would crash
    TensorFlow: see :func:`bfloat16_conflict`. ``"auto"`` is resolved by
    :func:`resolve_precision`; returns the policy set.
    """
    name = resolve_precision(name)
    if name == "mixed_bfloat16" and (why := bfloat16_conflict()):
        raise ValueError(why)
    import keras

    keras.config.set_dtype_policy(name)
    return name
