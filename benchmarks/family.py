#!/usr/bin/env python3
"""The whole GAN family on MNIST, one short run each: which losses and options train, and how well.

    python benchmarks/family.py                       # every member, 1 epoch, seed 0
    python benchmarks/family.py --members nsgan,fgan-kl,mmd --epochs 2

Protocol: ``train.py --dataset mnist --arch dcgan --batch-size 64 --epochs E --seed S`` with each member's own
loss/option flags and its loss's default optimizers (one epoch = 937 generator steps); then the exported
generator draws 10,000 images (seed 1) scored by the **MNIST-classifier FID** against the 10,000 test digits
(the committed classifier's penultimate features; fast, and not comparable with the standard Inception FID of
``quality.py``), with the classifier's histogram of generated digits. ``nsgan`` is the reference in the same run.
Runs go to ``--runs-dir/NAME/seedS`` and are resumed (``--resume``); a finished run's score is cached in its
folder. Prints one JSON object and writes a PNG of every member's last sample grid.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from machine import facts as machine_facts  # noqa: E402
from quality import _history, evaluate_run, log  # noqa: E402

# name -> train.py flags (besides the protocol's)
MEMBERS = {
    "nsgan": ["--loss", "nsgan"],
    "lsgan": ["--loss", "lsgan"],
    "hinge": ["--loss", "hinge"],
    **{f"fgan-{d}": ["--loss", f"fgan-{d}"] for d in ("kl", "reverse-kl", "pearson", "hellinger", "js")},
    "rsgan": ["--loss", "rsgan"],
    "ragan": ["--loss", "ragan"],
    "ralsgan": ["--loss", "ralsgan"],
    "mmd": ["--loss", "mmd"],
    "mmd-gp": ["--loss", "mmd-gp"],
    "nsgan+feature-matching": ["--loss", "nsgan", "--feature-matching", "add"],
    "nsgan+minibatch-discrimination": ["--loss", "nsgan", "--minibatch-discrimination", "100,5"],
    "nsgan+minibatch-stddev": ["--loss", "nsgan", "--minibatch-stddev", "4"],
    "nsgan+label-smoothing": ["--loss", "nsgan", "--label-smoothing", "0.1"],
    "nsgan+gran": ["--loss", "nsgan", "--constraint", "gran"],
    "hinge+gran": ["--loss", "hinge", "--constraint", "gran"],
    "nsgan+cascade3": ["--loss", "nsgan", "--cascade", "3"],
    "hinge+sn+cascade3": ["--loss", "hinge", "--constraint", "sn", "--cascade", "3"],
    # issue 13's options for sample quality, one at a time on the NS GAN
    "nsgan+ema-warmup": ["--loss", "nsgan", "--ema", "0.99", "--ema-start", "400"],
    "nsgan+lr-decay": ["--loss", "nsgan", "--lr-decay", "linear"],
    "nsgan+uniform-prior": ["--loss", "nsgan", "--prior", "uniform"],
    "nsgan+diffaugment": ["--loss", "nsgan", "--augment", "color,translation,cutout"],
    "nsgan+progressive-augment": ["--loss", "nsgan", "--progressive-augment", "1", "--pa-start", "1"],
    "nsgan+minibatch-discrimination+ema-warmup": ["--loss", "nsgan", "--minibatch-discrimination", "100,5",
                                                  "--ema", "0.99", "--ema-start", "400"],
}


def command(name: str, seed: int, run_dir: str, epochs: int) -> list[str]:
    """The ``train.py`` arguments of one member's run (the protocol's flags after the member's)."""
    return [*MEMBERS[name], "--dataset", "mnist", "--arch", "dcgan", "--batch-size", "64", "--epochs", str(epochs),
            "--seed", str(seed), "--out", run_dir, "--resume", "--no-tensorboard"]


def train(name: str, seed: int, run_dir: str, epochs: int) -> None:
    import subprocess

    if os.path.isfile(os.path.join(run_dir, "summary.json")) and len(_history(run_dir)) >= epochs:
        return
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "train.py"), *command(name, seed, run_dir, epochs)]
    log("training: " + " ".join(cmd[1:]))
    r = subprocess.run(cmd, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"), stdout=sys.stderr)
    if r.returncode != 0:
        raise SystemExit(f"family.py: training {run_dir} failed (exit {r.returncode}); start again to resume it.")


def montage(rows: list[tuple[str, str]], path: str) -> None:
    """One PNG: each member's last sample grid with its name and score."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt

    from tfgan_zoo.io import atomic_path

    cols = 5
    n = len(rows)
    fig, axes = plt.subplots((n + cols - 1) // cols, cols, figsize=(3 * cols, 3.3 * ((n + cols - 1) // cols)),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (title, png) in zip(axes.flat, rows):
        ax.imshow(mpimg.imread(png), cmap="gray")
        ax.set_title(title, fontsize=8)
    fig.tight_layout()
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=90)
    plt.close(fig)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--members", default=",".join(MEMBERS), help="comma-separated subset of: " + ", ".join(MEMBERS))
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n", type=int, default=10_000, help="generated and real test images")
    p.add_argument("--runs-dir", default=os.path.join(ROOT, "benchmarks", "runs", "family"))
    p.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    a = p.parse_args(argv)
    names = [m for m in a.members.split(",") if m]
    unknown = [m for m in names if m not in MEMBERS]
    if unknown:
        p.error(f"unknown member {unknown[0]!r}; choose from {', '.join(MEMBERS)}")
    machine = machine_facts()
    results, grids = [], []
    for name in names:
        run_dir = os.path.join(a.runs_dir, f"{name}-e{a.epochs}", f"seed{a.seed}")
        t0 = time.perf_counter()
        train(name, a.seed, run_dir, a.epochs)
        metrics = evaluate_run(run_dir, "mnist", "fast", a.n)
        with open(os.path.join(run_dir, "summary.json"), encoding="utf-8") as f:
            summary = json.load(f)
        hist = metrics["class_histogram"]
        results.append({"member": name, "flags": MEMBERS[name], "run": os.path.relpath(run_dir, ROOT),
                        "mnist_classifier_fid": round(metrics["mnist_classifier_fid"], 2),
                        "class_histogram": hist, "largest_class_share": round(max(hist), 4),
                        "smallest_class_share": round(min(hist), 4),
                        "generator_steps": summary["generator_steps"], "train_wall_s": summary["wall_time_s"],
                        "final": summary.get("final"), "this_call_s": round(time.perf_counter() - t0, 1)})
        log(f"{name}: MNIST-classifier FID {results[-1]['mnist_classifier_fid']}")
        grid = os.path.join(run_dir, "samples", f"epoch_{a.epochs:04d}.png")
        if os.path.isfile(grid):
            grids.append((f"{name}: {results[-1]['mnist_classifier_fid']}", grid))
    cpu_kind = "avx512" if "avx512f=True" in machine["cpu"] else "avx2"
    stem = f"family_e{a.epochs}_{datetime.date.today().isoformat()}_{cpu_kind}"
    os.makedirs(a.results_dir, exist_ok=True)
    png = os.path.join(a.results_dir, stem + ".png")
    montage(grids, png)
    ref = next((r["mnist_classifier_fid"] for r in results if r["member"] == "nsgan"), None)
    out = {"benchmark": "family", "machine": machine,
           "protocol": __doc__.split("Protocol: ", 1)[1].split("\n\n")[0].replace("\n", " "),
           "epochs": a.epochs, "seed": a.seed, "n": a.n, "reference": {"member": "nsgan", "mnist_classifier_fid": ref},
           "results": results, "samples": os.path.relpath(png, ROOT)}
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
