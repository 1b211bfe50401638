#!/usr/bin/env python3
"""Does a trained InfoGAN keep its promises? Matched accuracy of its categorical code, use of z, and what its
continuous codes do (tfgan_zoo.analysis.codes).

    python benchmarks/infogan_codes.py --run ~/runs/infogan/seed0 --out benchmarks/results/infogan_codes.json

Protocol:

* **Matched accuracy**: ``--n`` images per code value (z from the run's prior and continuous codes from
  U(-1, 1), seed 1), read by the committed MNIST classifier; code values matched to digits by the best
  one-to-one assignment (Hungarian). Chen et al. (2016) report 5% error on MNIST.
* **Use of z**: per code value, the mean pairwise Euclidean distance of 200 of those images against that of
  200 MNIST test digits of the matched class (ratio 1: as varied as real digits; near 0: one glyph).
* **Continuous codes**: for each code, 100 rows (z drawn with seed 2, category ``r % K``, the other codes 0)
  swept over 9 values in the trained range [-1, 1] and over [-2, 2]; retention = share of images whose class
  equals the row's class at 0; slant and width (ink-weighted moments) per value.

The run folder is the one ``train.py`` writes (``config.json`` for the code sizes, ``generator/`` for the
exported generator). Prints one JSON object; with ``--out`` also writes it and PNGs beside it.
"""

from __future__ import annotations

import argparse
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

import numpy as np  # noqa: E402

from machine import facts as machine_facts  # noqa: E402

SWEEPS = {"trained": np.linspace(-1.0, 1.0, 9), "extended": np.linspace(-2.0, 2.0, 9)}


def measure(gen, n_per_code: int = 1000, rows: int = 100) -> dict:
    """All the numbers of the module docstring for a :class:`tfgan_zoo.analysis.codes.CodeGenerator`."""
    from tfgan_zoo.analysis import codes
    from tfgan_zoo.analysis.latent import mnist_classes as classify
    from tfgan_zoo.data.memory import load_arrays

    k, m = gen.num_categories, gen.num_continuous
    rng = np.random.default_rng(1)
    cat = np.repeat(np.arange(k), n_per_code)
    z = gen.noise(len(cat), seed=1)
    cont = rng.uniform(-1, 1, (len(cat), m)).astype(np.float32)
    images = gen.generate(z, cat, cont)
    pred = classify(images)
    match = codes.matched_accuracy(cat, pred, k, 10)
    real_x, real_y = load_arrays("mnist", "test")
    real_x = np.asarray(real_x, np.float32)
    if real_x.max() > 1.5:  # uint8 -> [-1, 1]
        real_x = real_x / 127.5 - 1.0
    per = min(200, n_per_code)
    fake_by_code = [images[cat == c][:per] for c in range(k)]
    real_by_class = [real_x[real_y == d][:per] for d in range(10)]
    div = codes.diversity(fake_by_code, real_by_class, match["assignment"])
    out = {"matched_accuracy": match["matched_accuracy"], "purity": match["purity"],
           "assignment": match["assignment"], "counts": match["counts"],
           "per_code_accuracy": [match["counts"][c][a] / n_per_code if a >= 0 else None
                                 for c, a in enumerate(match["assignment"])],
           "diversity": {key: div[key] for key in ("fake", "real", "ratio", "mean_ratio")},
           "continuous": [], "_images": {"categorical": np.stack([f[:10] for f in fake_by_code])}}
    zr = gen.noise(rows, seed=2)
    cat_r = np.arange(rows) % max(k, 1)
    for j in range(m):
        entry = {"code": j}
        for name, values in SWEEPS.items():
            def generate(vs, j=j):
                n_v = len(vs)
                c = np.zeros((rows * n_v, m), np.float32)
                c[:, j] = np.tile(np.asarray(vs, np.float32), rows)
                return gen.generate(np.repeat(zr, n_v, axis=0), np.repeat(cat_r, n_v), c)

            sw = codes.sweep(generate, classify, rows, values)
            entry[name] = {key: sw[key] for key in ("values", "retention", "class_changes", "slant", "width", "ink",
                                                    "slant_slope", "width_slope", "ink_slope", "slant_change",
                                                    "width_change", "ink_change")}
            out["_images"][f"continuous_{j}_{name}"] = sw["images"]
        out["continuous"].append(entry)
    return out


def save_pngs(result: dict, stem: str) -> list[str]:
    """Grids: the categorical code (row = code value in the order of its matched digit) and each continuous
    code's sweeps (first 10 rows), plus a plot of slant and width against the code value."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tfgan_zoo.images import save_grid

    paths = []
    imgs = result["_images"]
    order = np.argsort([a if a >= 0 else 99 for a in result["assignment"]])
    cat = imgs["categorical"][order]
    paths.append(save_grid(cat.reshape(-1, *cat.shape[2:]), f"{stem}_categorical.png", nrow=cat.shape[1]))
    for key, grid in imgs.items():
        if key.startswith("continuous_"):
            g = grid[:10]
            paths.append(save_grid(g.reshape(-1, *g.shape[2:]), f"{stem}_{key}.png", nrow=g.shape[1]))
    if result["continuous"]:
        fig, axes = plt.subplots(1, 2, figsize=(8, 3))
        for entry in result["continuous"]:
            e = entry["extended"]
            axes[0].plot(e["values"], e["slant"], marker="o", label=f"code {entry['code']}")
            axes[1].plot(e["values"], e["width"], marker="o", label=f"code {entry['code']}")
        for ax, name in zip(axes, ("slant (pixels per pixel of height)", "width (pixels)")):
            ax.axvspan(-1, 1, color="0.9", zorder=0)
            ax.set_xlabel("continuous code value (shaded: trained range)")
            ax.set_ylabel(name)
            ax.legend(fontsize=8)
        fig.tight_layout()
        paths.append(f"{stem}_stroke.png")
        fig.savefig(paths[-1], dpi=90)
        plt.close(fig)
    return paths


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--run", required=True, help="run folder of an InfoGAN training (config.json, generator/)")
    p.add_argument("--n", type=int, default=1000, help="images per categorical code value")
    p.add_argument("--out", default=None, help="also write the JSON here; the PNGs go beside it")
    a = p.parse_args(argv)
    cfg_path = os.path.join(a.run, "config.json")
    if not os.path.isfile(cfg_path):
        p.error(f"{a.run!r} has no config.json: pass the folder train.py wrote (--out of the run).")
    with open(cfg_path, encoding="utf-8") as f:
        cfg = json.load(f)
    cfg = cfg.get("config", cfg)
    k, m = int(cfg.get("info_categorical", 0)), int(cfg.get("info_continuous", 0))
    if k + m == 0:
        p.error(f"{a.run!r} is not an InfoGAN run (info_categorical and info_continuous are 0).")
    if cfg.get("dataset", "mnist") != "mnist":
        p.error("The committed classifier reads MNIST digits; this benchmark measures MNIST InfoGANs only.")
    if a.n < 200:
        p.error("--n must be >= 200 (the diversity uses 200 images per code value)")
    from tfgan_zoo.analysis.codes import CodeGenerator

    try:
        gen = CodeGenerator.from_export(os.path.join(a.run, "generator"), k, m)
    except ValueError as e:  # no export yet (a run still training), or one whose input does not fit the codes
        p.error(str(e))
    machine = machine_facts()
    t0 = time.perf_counter()
    result = measure(gen, a.n)
    images = result.pop("_images")
    summary = os.path.join(a.run, "summary.json")
    steps = None
    if os.path.isfile(summary):
        with open(summary, encoding="utf-8") as f:
            steps = json.load(f).get("generator_steps")
    out = {"benchmark": "infogan_codes", "run": a.run, "date": datetime.date.today().isoformat(),
           "machine": machine, "generator_steps": steps,
           "config": {key: cfg.get(key) for key in ("loss", "arch", "batch_size", "latent_dim", "info_categorical",
                                                    "info_continuous", "info_weight", "lr_d", "lr_g", "seed",
                                                    "epochs", "steps_per_epoch", "prior")},
           "protocol": {"classifier": "committed MNIST classifier (tfgan_zoo.metrics.classifier)",
                        "n_per_code": a.n, "noise_seed": 1, "matching": "Hungarian (scipy linear_sum_assignment)",
                        "diversity": "mean pairwise L2 of 200 images per code value vs 200 MNIST test digits of "
                                     "the matched class",
                        "sweeps": {name: v.tolist() for name, v in SWEEPS.items()},
                        "sweep_rows": 100},
           **result, "seconds": round(time.perf_counter() - t0, 1)}
    if a.out:
        from tfgan_zoo.io import write_text

        write_text(a.out, json.dumps(out, indent=2) + "\n")
        result["_images"] = images
        out["png"] = save_pngs(result, os.path.splitext(a.out)[0])
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
