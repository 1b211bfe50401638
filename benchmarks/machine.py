"""What a benchmark result was measured on (shared by the benchmark scripts)."""

from __future__ import annotations

import os
import platform


def cpu_description() -> str:
    """CPU model (with its family number) and whether it has AVX-512, AVX-512 BF16 and AMX (oneDNN's fast paths,
    which change the picture)."""
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        return platform.processor()
    model = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name")), "?")
    family = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("cpu family")), None)
    if family:  # a virtual CPU's model name can be as short as "AMD EPYC": the family tells the generations apart
        model += f" (family {family})"
    return (f"{model}, avx512f={'avx512f' in info}, avx512_bf16={'avx512_bf16' in info}"
            f"{', amx=True' if 'amx_tile' in info else ''}")


def load_average() -> float | None:
    """The 1-minute load average when the benchmark started (None where the OS has none)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (OSError, AttributeError):
        return None


def facts() -> dict:
    """The ``machine`` entry of a benchmark's JSON: :func:`cpu_description` and :func:`load_average` now
    (call it when the benchmark starts), and the ``ONEDNN_MAX_CPU_ISA`` cap it runs under (None: none), which
    changes oneDNN's kernels and so the timings."""
    return {"cpu": cpu_description(), "load_average_at_start": load_average(),
            "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA")}
