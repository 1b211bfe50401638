#!/usr/bin/env python3
"""The truncation trick: sample quality against diversity as the generator's noise is truncated.

    python benchmarks/truncation.py --generator runs/acgan/generator --thresholds none,1.5,1,0.75,0.5,0.25

For each threshold ``t`` (``none``: the untruncated prior) the exported generator draws ``--n`` images with
every noise entry conditioned on ``|z_i| <= t`` (``tfgan_zoo.priors.sample_numpy``; seed 1, labels 0..9 in turn
for a conditional generator) and they are scored against the first ``--n`` images of the dataset's test split:
the domain classifier's FID (``mnist-classifier`` or ``fashion-classifier``: fast, not comparable with the
standard Inception FID), the classifier's class histogram (smallest and largest share) and, for a conditional
MNIST generator, how often the independent judge (``benchmarks/judge.py``, not the committed classifier) and the
committed classifier see the requested digit. Truncation trades diversity for typical samples (Marchesi 2017;
Brock et al. 2019): accuracy should rise and the FID, past some point, rise too. Prints one JSON object
(protocol, CPU, one row per threshold) and saves a PNG of both curves beside ``--out`` and a grid with one row
of samples per threshold (noise seed 7; digits 0..9 for a conditional generator).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from machine import facts as machine_facts  # noqa: E402

CLASSIFIERS = {"mnist": "mnist-classifier", "fashion_mnist": "fashion-classifier"}


def parse_thresholds(text: str) -> list[float | None]:
    """``"none,1,0.5"`` -> ``[None, 1.0, 0.5]``; ValueError for anything but ``none`` or a bound
    :func:`tfgan_zoo.priors.check_truncation` accepts (finite, > 0)."""
    from tfgan_zoo.priors import check_truncation

    out: list[float | None] = []
    for part in (p.strip() for p in text.split(",")):
        if part.lower() == "none":
            out.append(None)
            continue
        try:
            out.append(check_truncation(part))
        except ValueError:
            raise ValueError(f"--thresholds: {part!r} is neither 'none' nor a number > 0 (e.g. none,1,0.5).") from None
    if not out:
        raise ValueError("--thresholds is empty; e.g. none,1,0.5.")
    return out


def measure(generator: str, dataset: str, thresholds: list[float | None], n: int, judge: bool) -> list[dict]:
    """One row per threshold: classifier FID, class shares and (conditional MNIST) class accuracies."""
    import numpy as np

    from tfgan_zoo.metrics.evaluate import evaluate, generated_labels, load_images

    judge_model = None
    if judge:
        from judge import class_accuracy, load_judge

        judge_model, judge_acc = load_judge()
    rows = []
    for t in thresholds:
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(sys.stderr):
            r = evaluate(dataset, generator, CLASSIFIERS[dataset], n, ("fid", "classifier"), real_split="test",
                         truncation=t)
        hist = np.asarray(r["class_histogram"], float)
        row = {"truncation": t, "classifier_fid": round(r["fid"], 3),
               "class_share_min": round(float(hist.min() / hist.sum()), 4),
               "class_share_max": round(float(hist.max() / hist.sum()), 4)}
        if "class_accuracy" in r:
            row["committed_classifier_accuracy"] = round(r["class_accuracy"], 4)
        if judge_model is not None:
            images = load_images(generator, n, seed=1, truncation=t)
            acc = class_accuracy(judge_model, images, generated_labels(generator, n))
            row["judge_accuracy"] = round(acc["class_accuracy"], 4)
            row["judge_accuracy_per_class"] = [round(a, 3) for a in acc["class_accuracy_per_class"]]
            row["judge_test_accuracy"] = round(judge_acc, 4)
        row["seconds"] = round(time.perf_counter() - t0, 1)
        print(f"truncation {t}: " + ", ".join(f"{k} {v}" for k, v in row.items() if k not in (
            "truncation", "judge_accuracy_per_class")), file=sys.stderr, flush=True)
        rows.append(row)
    return rows


def save_plots(rows: list[dict], generator: str, thresholds: list[float | None], stem: str, title: str) -> list[str]:
    """``stem.png`` (FID and accuracy against the threshold) and ``stem_samples.png`` (a row per threshold)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from tfgan_zoo.io import atomic_path
    from tfgan_zoo.sampling import from_export

    labels = ["none" if r["truncation"] is None else f"{r['truncation']:g}" for r in rows]
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
    ax[0].plot(labels, [r["classifier_fid"] for r in rows], "o-")
    ax[0].set_xlabel("truncation |z_i| <= t")
    ax[0].set_ylabel("classifier FID (lower is better)")
    for key, name in (("judge_accuracy", "independent judge"),
                      ("committed_classifier_accuracy", "committed classifier")):
        if key in rows[0]:
            ax[1].plot(labels, [100 * r[key] for r in rows], "o-", label=name)
    ax[1].plot(labels, [100 * r["class_share_min"] for r in rows], "s--", label="smallest class share")
    ax[1].set_xlabel("truncation |z_i| <= t")
    ax[1].set_ylabel("%")
    ax[1].legend(fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    paths = [stem + ".png", stem + "_samples.png"]
    with atomic_path(paths[0], suffix=".png") as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)
    sampler = from_export(generator)
    cols = 10
    labels_row = np.arange(cols) % sampler.num_classes if sampler.num_classes else None
    grid = [sampler.generate(sampler.noise(cols, seed=7, truncation=t), labels=labels_row) for t in thresholds]
    fig, axes = plt.subplots(len(grid), cols, figsize=(cols * 0.8, len(grid) * 0.85))
    axes = np.atleast_2d(axes)
    for i, imgs in enumerate(grid):
        for j in range(cols):
            a = axes[i, j]
            a.imshow((imgs[j].squeeze() + 1) / 2, cmap="gray", vmin=0, vmax=1)
            a.set_xticks([])
            a.set_yticks([])
            if j == 0:
                a.set_ylabel(labels[i], fontsize=8)
    fig.tight_layout(pad=0.2)
    with atomic_path(paths[1], suffix=".png") as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)
    return paths


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--generator", required=True, help="an exported generator folder (a run's generator/)")
    p.add_argument("--dataset", default="mnist", choices=sorted(CLASSIFIERS))
    p.add_argument("--thresholds", default="none,1.5,1,0.75,0.5,0.25",
                   help="comma-separated bounds t on |z_i|; none = the untruncated prior")
    p.add_argument("--n", type=int, default=10_000, help="generated and real test images per threshold")
    p.add_argument("--out", default=None, help="also write the JSON here; the PNGs go beside it")
    a = p.parse_args(argv)
    try:
        thresholds = parse_thresholds(a.thresholds)
    except ValueError as e:
        p.error(str(e))
    if a.n < 2:
        p.error("--n must be >= 2")
    from tfgan_zoo.metrics.evaluate import generated_labels

    try:
        conditional = generated_labels(a.generator, 2) is not None
    except ValueError as e:
        p.error(str(e))
    machine = machine_facts()
    t0 = time.perf_counter()
    rows = measure(a.generator, a.dataset, thresholds, a.n, judge=conditional and a.dataset == "mnist")
    out = {
        "benchmark": "truncation",
        "generator": a.generator,
        "date": datetime.date.today().isoformat(),
        "machine": machine,
        "protocol": {"network": CLASSIFIERS[a.dataset], "n_fake": a.n, "n_real": a.n, "reference_split": "test",
                     "noise": "prior truncated to |z_i| <= t per entry, seed 1",
                     "labels": "0..9 in turn" if conditional else None,
                     "judge": "benchmarks/judge.py LeNet-style CNN" if conditional and a.dataset == "mnist" else None},
        "rows": rows,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if a.out:
        from tfgan_zoo.io import write_text

        write_text(a.out, json.dumps(out, indent=2) + "\n")
        stem = os.path.splitext(a.out)[0]
        out["png"] = save_plots(rows, a.generator, thresholds, stem, f"truncation trick: {a.generator}")
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
