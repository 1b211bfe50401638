#!/usr/bin/env python3
"""Fréchet distance on 2048-d covariances: ours vs the ``scipy.linalg.sqrtm`` computation.

Protocol: two sets of ``--n`` (default 10,000) synthetic 2048-d feature vectors
shaped like Inception pool features -- non-negative (ReLU of a 64-d Gaussian
latent through a random linear map plus independent noise), so the covariance
has a decaying spectrum of a few large and many small eigenvalues. The second
set uses a perturbed map and shifted bias. Means and unbiased covariances come
from :class:`tfgan_zoo.metrics.moments.RunningMoments` (float64); this is not
timed.

Timed, in the same process, alternating ``--repeats`` times (median reported):

* ``ours``: :func:`tfgan_zoo.metrics.frechet.frechet_distance` (pivoted
  Cholesky of cov1, ``G^T cov2 G``, ``eigvalsh``).
* ``scipy_sqrtm``: the pytorch-fid computation -- ``scipy.linalg.sqrtm`` of the
  product ``cov1 @ cov2``, its real part, the trace, plus the mean and trace
  terms (with pytorch-fid's fallback of adding ``1e-6 * I`` to both
  covariances if the square root is not finite).

``speedup`` is the ratio of the medians; ``speedup_of_fastest`` the ratio of
the fastest runs (less sensitive to other processes on a shared CPU).
``rel_diff = |ours - scipy| / |scipy|``. Targets: speedup >= 10, rel_diff <= 1e-6.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.linalg  # noqa: E402

from tfgan_zoo.metrics.frechet import frechet_distance  # noqa: E402
from tfgan_zoo.metrics.moments import RunningMoments  # noqa: E402


def synthetic_features(rng: np.random.Generator, n: int, dim: int, latent: int, w: np.ndarray, b: np.ndarray,
                       batch: int = 1000) -> RunningMoments:
    """Moments of ``relu(z @ w + b) + 0.05 * |noise|``, z ~ N(0, I_latent), fed in batches."""
    m = RunningMoments()
    for start in range(0, n, batch):
        k = min(batch, n - start)
        z = rng.standard_normal((k, latent))
        x = np.maximum(z @ w + b, 0.0) + 0.05 * np.abs(rng.standard_normal((k, dim)))
        m.update(x)
    return m


def scipy_sqrtm_fid(mu1, c1, mu2, c2, eps: float = 1e-6) -> float:
    """FID as pytorch-fid computes it: trace of the real part of sqrtm(c1 @ c2)."""
    covmean = scipy.linalg.sqrtm(c1 @ c2)
    if not np.all(np.isfinite(covmean)):
        offset = np.eye(c1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((c1 + offset) @ (c2 + offset))
    covmean = np.real(covmean)
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(c1) + np.trace(c2) - 2.0 * np.trace(covmean))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dim", type=int, default=2048)
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--latent", type=int, default=64)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()

    rng = np.random.default_rng(a.seed)
    w = rng.standard_normal((a.latent, a.dim)) / np.sqrt(a.latent)
    b = 0.2 * rng.standard_normal(a.dim)
    real = synthetic_features(rng, a.n, a.dim, a.latent, w, b)
    w2 = w + 0.1 * rng.standard_normal(w.shape) / np.sqrt(a.latent)
    fake = synthetic_features(rng, a.n, a.dim, a.latent, w2, b + 0.05)
    mu1, c1, mu2, c2 = real.mean, real.cov, fake.mean, fake.cov

    ours_t, ref_t = [], []
    ours_v = ref_v = float("nan")
    for _ in range(a.repeats):
        t = time.perf_counter()
        ref_v = scipy_sqrtm_fid(mu1, c1, mu2, c2)
        ref_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        ours_v = frechet_distance(mu1, c1, mu2, c2)
        ours_t.append(time.perf_counter() - t)

    ours_s, ref_s = statistics.median(ours_t), statistics.median(ref_t)
    print(json.dumps({
        "ours_s": round(ours_s, 4),
        "scipy_sqrtm_s": round(ref_s, 4),
        "speedup": round(ref_s / ours_s, 2),
        "rel_diff": abs(ours_v - ref_v) / abs(ref_v),
        "speedup_of_fastest": round(min(ref_t) / min(ours_t), 2),
        "fid_ours": ours_v,
        "fid_scipy_sqrtm": ref_v,
        "protocol": {
            "dim": a.dim, "n_per_set": a.n, "latent": a.latent, "repeats": a.repeats, "seed": a.seed,
            "features": "relu(z @ W + b) + 0.05|noise|, second set perturbed W and shifted b",
            "reference": "pytorch-fid formula: trace(real(scipy.linalg.sqrtm(cov1 @ cov2)))",
            "numpy": np.__version__, "scipy": scipy.__version__,
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        },
        "ours_times_s": [round(x, 4) for x in ours_t],
        "scipy_sqrtm_times_s": [round(x, 4) for x in ref_t],
    }))


if __name__ == "__main__":
    main()
