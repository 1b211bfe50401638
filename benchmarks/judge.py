#!/usr/bin/env python3
"""An independent MNIST judge: a second digit classifier, not the committed one, for class-accuracy claims.

The committed classifier (``tfgan_zoo.metrics.classifier``: conv + batch norm, trained on shifted digits)
is used by the library's metrics; a claim such as "the generator draws the asked digit 99% of the time"
should not rest on the same network that guided the choices. This judge differs in architecture
(LeNet-style: 5x5 conv 32 -> max-pool -> 5x5 conv 64 -> max-pool -> dense 256 -> dropout 0.3 -> 10, ReLU,
no batch norm), augmentation (none) and seed. Protocol: the 60,000 training images in [-1, 1], batch 128,
Adam 1e-3, 4 epochs, seed 1; accuracy on the 10,000 test images (never trained on) is reported with it,
since it is the ceiling of any class accuracy it measures. Weights are cached (not committed) under
``$TFGAN_ZOO_CACHE/judge/`` and retrained when absent (about 2 min on a 2-core CPU).

    python benchmarks/judge.py                         # train (or load) and print its test accuracy
    python benchmarks/judge.py --generator runs/x/generator --n 1000   # class accuracy of a conditional export
    python benchmarks/judge.py --generator runs/x/generator --truncation 1.0   # with the truncation trick
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from machine import facts as machine_facts  # noqa: E402
from tfgan_zoo.cli.argtypes import positive_float  # noqa: E402

EPOCHS, SEED = 4, 1


def build_judge():
    import keras
    from keras import layers

    x_in = keras.Input((28, 28, 1))
    h = layers.Conv2D(32, 5, padding="same", activation="relu")(x_in)
    h = layers.MaxPooling2D()(h)
    h = layers.Conv2D(64, 5, padding="same", activation="relu")(h)
    h = layers.MaxPooling2D()(h)
    h = layers.Flatten()(h)
    h = layers.Dense(256, activation="relu")(h)
    h = layers.Dropout(0.3)(h)
    return keras.Model(x_in, layers.Dense(10)(h), name="mnist_judge")


def _images(x):
    import numpy as np

    x = np.asarray(x)
    x = x.astype("float32") / 127.5 - 1.0 if x.dtype == np.uint8 else x.astype("float32")
    return x.reshape(-1, 28, 28, 1)


def load_judge() -> tuple[object, float]:
    """``(model, test accuracy)``: from the cache, or trained now and cached."""
    import keras
    import numpy as np

    from tfgan_zoo.cache import cache_dir
    from tfgan_zoo.data import load_arrays
    from tfgan_zoo.io import atomic_path

    path = cache_dir("judge", f"mnist_judge_e{EPOCHS}_s{SEED}.weights.h5")
    model = build_judge()
    xt, yt = load_arrays("mnist", split="test")
    if os.path.isfile(path):
        model.load_weights(path)
    else:
        keras.utils.set_random_seed(SEED)
        x, y = load_arrays("mnist", split="train")
        model.compile(keras.optimizers.Adam(1e-3),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
        with contextlib.redirect_stdout(sys.stderr):  # the training log must not corrupt the JSON on stdout
            model.fit(_images(x), y.astype("int32"), batch_size=128, epochs=EPOCHS, verbose=2, shuffle=True)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with atomic_path(path, suffix=".weights.h5") as tmp:
            model.save_weights(tmp)
    pred = np.argmax(model.predict(_images(xt), batch_size=500, verbose=0), axis=1)
    return model, float(np.mean(pred == yt))


def class_accuracy(model, images, asked) -> dict:
    """How often the judge sees the asked class: overall and per class."""
    import numpy as np

    pred = np.argmax(model.predict(_images(images), batch_size=500, verbose=0), axis=1)
    asked = np.asarray(asked)
    per = [float(np.mean(pred[asked == k] == k)) for k in range(10)]
    return {"class_accuracy": float(np.mean(pred == asked)), "class_accuracy_per_class": per}


def generate(generator_dir: str, n: int, seed: int = 1, truncation: float | None = None):
    """``n`` images of a conditional export, labels 0..9 in turn (as ``scripts/evaluate.py`` does); noise from
    the prior truncated to ``|z_i| <= truncation`` when it is given."""
    from tfgan_zoo.metrics.evaluate import generated_labels, load_images

    return load_images(generator_dir, n, seed=seed, truncation=truncation), generated_labels(generator_dir, n)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--generator", default=None, help="a conditional generator export to judge")
    p.add_argument("--n", type=int, default=1000, help="generated digits (labels 0..9 in turn)")
    p.add_argument("--truncation", type=positive_float, default=None,
                   help="draw the noise from the prior truncated to |z_i| <= T (the truncation trick)")
    a = p.parse_args(argv)
    machine = machine_facts()  # before the judge trains or loads: the load at the start
    model, acc = load_judge()
    out = {"judge": "benchmarks/judge.py LeNet-style CNN", "judge_test_accuracy": acc,
           "date": datetime.date.today().isoformat(), "machine": machine}
    if a.generator:
        images, asked = generate(a.generator, a.n, truncation=a.truncation)
        if asked is None:
            print("judge.py: error: the generator is not conditional (no labels to judge)", file=sys.stderr)
            return 2
        out.update({"generator": a.generator, "n": a.n, "truncation": a.truncation,
                    **class_accuracy(model, images, asked)})
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
