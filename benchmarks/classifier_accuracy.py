#!/usr/bin/env python3
"""Test accuracy of the committed domain classifiers (``tfgan_zoo/metrics/weights/``), the networks of the
MNIST- and Fashion-classifier FIDs and of ``--metrics classifier``: the ceiling of every class accuracy they
measure. Protocol: all 10,000 test images of each dataset, in [-1, 1], argmax of the classifier's output.

    python benchmarks/classifier_accuracy.py > benchmarks/results/classifier_accuracy_DATE_CPU.json
"""

from __future__ import annotations

import datetime
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def accuracy(dataset: str) -> dict:
    """Accuracy, per-class accuracy and weights digest of ``dataset``'s committed classifier on its test split."""
    from tfgan_zoo import data
    from tfgan_zoo.metrics import classifier

    x, y = data.load_arrays(dataset, split="test")
    x = x.astype(np.float32) / 127.5 - 1.0 if x.dtype == np.uint8 else x
    pred = classifier.classifier_probs(x, classifier.load_classifier(dataset)).argmax(axis=1)
    return {"dataset": dataset, "n": int(len(y)), "accuracy": round(float((pred == y).mean()), 4),
            "per_class": [round(float((pred[y == k] == k).mean()), 4) for k in range(10)],
            "weights_sha256": classifier.weights_digest(dataset)}


def main() -> int:
    from machine import facts as machine_facts

    out = {"benchmark": "classifier_accuracy", "date": datetime.date.today().isoformat(),
           "machine": machine_facts(),
           "protocol": "the committed classifier's argmax on all 10,000 test images in [-1, 1]",
           "results": [accuracy(d) for d in ("mnist", "fashion_mnist")]}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
