#!/usr/bin/env python3
"""Input pipeline throughput vs the DCGAN train step it feeds: data must never limit training.

Protocol, for each case, in one process:

* ``images_per_s``: ``tfgan_zoo.data.load(...)`` iterated as ``fit`` iterates it
  (batches pulled through the prefetch), after one warm-up epoch, median of
  ``--rounds`` epochs (each capped at ``--max-batches``);
* ``train_step_images_per_s``: our compiled non-saturating DCGAN step
  (``train_on_batch``, XLA) on a batch of the same shape, median of ``--rounds``
  rounds of ``--steps`` steps after warm-up;
* ``ratio`` = pipeline / train step; the target is >= 10.

Cases: MNIST (28x28x1, in memory), and a folder of 64x64 RGB JPEG files written
from Fashion-MNIST (or MNIST when Fashion-MNIST is absent) into a temporary
folder: cached in memory after the first epoch (the default for data that fits),
streamed (decoded every epoch, as for data larger than memory), and the cold first
epoch (header scan + decoding + caching, paid once per ``load``).

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfgan_zoo import data, models, nets  # noqa: E402


def pipeline_rate(make_ds, batch_size: int, rounds: int, max_batches: int) -> float:
    ds = make_ds()
    for _ in ds.take(max_batches):  # warm-up epoch (fills caches)
        pass
    rates = []
    for _ in range(rounds):
        t0, n = time.perf_counter(), 0
        for _ in ds.take(max_batches):
            n += 1
        rates.append(n * batch_size / (time.perf_counter() - t0))
    return statistics.median(rates)


def train_step_rate(shape, batch_size: int, steps: int, rounds: int) -> float:
    g, d = nets.build("dcgan", shape, 100)
    gan = models.build_gan("nsgan", g, d, seed=0)
    gan.compile()
    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (batch_size, *shape)).astype("float32"))
    for _ in range(2):
        gan.train_on_batch(x)
    rates = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(steps):
            gan.train_on_batch(x, return_dict=True)  # returns host floats: the step has finished
        rates.append(steps * batch_size / (time.perf_counter() - t0))
    return statistics.median(rates)


def jpeg_folder(root: str, n: int) -> str:
    try:
        x, y = data.load_arrays("fashion_mnist", "train")
        source = "fashion_mnist"
    except data.DatasetUnavailableError:
        x, y = data.load_arrays("mnist", "train")
        source = "mnist"
    x = data.convert_arrays(x[:n], image_size=64, channels=3)
    data.write_image_folder(x, root, labels=y[:n], fmt="jpg")
    return source


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch-size", type=int, default=32, help="the training default of scripts/train.py")
    p.add_argument("--n-jpeg", type=int, default=3000, help="JPEG files in the folder case")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--max-batches", type=int, default=400)
    args = p.parse_args(argv)
    keras.utils.set_random_seed(0)
    b = args.batch_size
    out = {"benchmark": "input_pipeline", "protocol": {
        "batch_size": b, "rounds": args.rounds, "statistic": "median", "train_step": "nsgan dcgan width 64, XLA",
        "machine": f"{platform.machine()} {os.cpu_count()} cpus", "tensorflow": tf.__version__}}

    mnist_rate = pipeline_rate(lambda: data.load("mnist", batch_size=b, seed=0), b, args.rounds, args.max_batches)
    step28 = train_step_rate((28, 28, 1), b, args.steps, args.rounds)
    out["mnist"] = {"images_per_s": round(mnist_rate, 1), "train_step_images_per_s": round(step28, 1),
                    "ratio": round(mnist_rate / step28, 1)}

    with tempfile.TemporaryDirectory() as root:
        source = jpeg_folder(root, args.n_jpeg)
        t0 = time.perf_counter()
        ds = data.load(root, batch_size=b, seed=0)
        for _ in ds:
            pass
        cold = args.n_jpeg // b * b / (time.perf_counter() - t0)
        cached = pipeline_rate(lambda: data.load(root, batch_size=b, seed=0), b, args.rounds, args.max_batches)
        streamed = pipeline_rate(lambda: data.load(root, batch_size=b, seed=0, cache=False), b, args.rounds,
                                 args.max_batches)
    step64 = train_step_rate((64, 64, 3), b, args.steps, args.rounds)
    out["jpeg_folder_64"] = {
        "files": args.n_jpeg, "written_from": source,
        "images_per_s": round(cached, 1), "train_step_images_per_s": round(step64, 1),
        "ratio": round(cached / step64, 1),
        "streamed_images_per_s": round(streamed, 1), "streamed_ratio": round(streamed / step64, 1),
        "first_epoch_images_per_s": round(cold, 1), "first_epoch_ratio": round(cold / step64, 1),
    }
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
