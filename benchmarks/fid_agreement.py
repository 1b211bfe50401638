#!/usr/bin/env python3
"""FID agreement: our features vs pytorch-fid's computation on the same images.

Protocol: three sets of ``--n`` MNIST digits (uint8 28x28x1):
``test`` = test split [0, n), ``train`` = train split [0, n),
``train_inverted`` = 255 - train split [n, 2n). FIDs of (test, train) -- small,
same distribution -- and (test, train_inverted) -- large.

* Ours: ``tfgan_zoo.metrics.features.extract_features`` with the Keras FID network.
* Reference: the same TorchScript network run by torch with pytorch-fid's
  preprocessing (see ``benchmarks/fid_features.py``).

Both FIDs use pytorch-fid's Fréchet formula on float64 moments
(``np.mean``, ``np.cov(rowvar=False)``, ``scipy.linalg.sqrtm`` of the
covariance product, real part, a 1e-6 diagonal offset if the root is not
finite), so the comparison isolates the network and the preprocessing.
Prints one JSON object with both FIDs and their relative difference per pair
(target: <= 1e-3). Needs torch (``pip install torch==2.13.0``); takes minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402


def frechet_distance_sqrtm(a: np.ndarray, b: np.ndarray) -> float:
    """pytorch-fid's formula on the float64 moments of two feature sets."""
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1.dot(s2))
    if not np.isfinite(covmean).all():
        offset = np.eye(s1.shape[0]) * 1e-6
        covmean = scipy.linalg.sqrtm((s1 + offset).dot(s2 + offset))
    covmean = covmean.real
    diff = mu1 - mu2
    return float(diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=1000, help="images per set")
    p.add_argument("--batch-size", type=int, default=50)
    args = p.parse_args(argv)

    from benchmarks.fid_features import _reference
    from tfgan_zoo.data import load_arrays
    from tfgan_zoo.metrics import features, inception

    reference = _reference(args.batch_size)
    if reference is None:
        raise SystemExit("torch is not installed (pip install torch==2.13.0): cannot compute the reference.")
    n = args.n
    test, _ = load_arrays("mnist", "test")
    train, _ = load_arrays("mnist", "train")
    sets = {"test": test[:n], "train": train[:n], "train_inverted": 255 - train[n:2 * n]}
    extractor = features.FeatureExtractor(inception.fid_inception(), args.batch_size)
    ours, ref, seconds = {}, {}, {"ours": 0.0, "reference": 0.0}
    for name, images in sets.items():
        t = time.perf_counter()
        ours[name] = features.extract_features(images, extractor, progress=False)
        seconds["ours"] += time.perf_counter() - t
        t = time.perf_counter()
        ref[name] = reference(images).astype(np.float64)
        seconds["reference"] += time.perf_counter() - t
    result = {
        "n": n,
        "max_abs_feature_diff": float(max(np.abs(ours[k] - ref[k]).max() for k in sets)),
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
    }
    for a, b in (("test", "train"), ("test", "train_inverted")):
        fid_ours = frechet_distance_sqrtm(ours[a], ours[b])
        fid_ref = frechet_distance_sqrtm(ref[a], ref[b])
        result[f"{a}_vs_{b}"] = {
            "fid_ours": round(fid_ours, 6), "fid_reference": round(fid_ref, 6),
            "rel_diff": abs(fid_ours - fid_ref) / abs(fid_ref),
        }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
