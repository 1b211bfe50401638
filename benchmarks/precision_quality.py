#!/usr/bin/env python3
"""Does ``mixed_bfloat16`` cost sample quality? A recipe trained briefly under float32 and under
``mixed_bfloat16`` with the same seeds, against the seed-to-seed spread of float32 in the same run.

    python benchmarks/precision_quality.py --recipe mnist-lucic --epochs 3 --seeds 2

Protocol: for each seed and precision, ``train.py --recipe RECIPE --seed S --epochs E [--precision
mixed_bfloat16]`` (resumable, in ``--runs-dir``), then ``quality.py``'s fast evaluation of the exported
generator: the domain classifier's FID (10,000 generated vs 10,000 test images; MNIST or Fashion-MNIST
classifier), with the in-training FID of every epoch from the run's history. Reference: float32. The
comparison: the mean over seeds of (bfloat16 - float32) for the same seed, against the float32 seeds'
standard deviation (what one seed cannot tell apart). Prints one JSON object with the machine; skips (exit 0,
``"skipped"``) where ``mixed_bfloat16`` is refused or would be emulated.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from machine import facts as machine_facts  # noqa: E402

PRECISIONS = ("float32", "mixed_bfloat16")


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--recipe", default="mnist-lucic")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--runs-dir", default=os.path.join(os.path.expanduser("~"), "runs", "precision_quality"))
    a = p.parse_args(argv)
    import quality
    from tfgan_zoo import recipes
    from tfgan_zoo.precision import bfloat16_not_native

    facts = machine_facts()
    recipe = recipes.load(a.recipe)
    dataset = recipe["flags"].get("dataset", "mnist")
    skip = bfloat16_not_native()
    result: dict = {"benchmark": "precision_quality", "recipe": a.recipe, "epochs": a.epochs,
                    "protocol": {"evaluation": "quality.py --eval fast: domain-classifier FID, 10,000 generated vs "
                                               "10,000 test images", "reference": "float32, same seeds",
                                 "comparison": "mean over seeds of bfloat16 - float32 (same seed) against the "
                                               "float32 seeds' standard deviation"},
                    "machine": facts}
    if skip:
        result["skipped"] = skip
        print(json.dumps(result, indent=2))
        return result
    runs: dict = {prec: {} for prec in PRECISIONS}
    for seed in range(a.seeds):
        for prec in PRECISIONS:
            run_dir = os.path.join(a.runs_dir, a.recipe, f"e{a.epochs}", prec, f"seed{seed}")
            t0 = time.perf_counter()
            quality.train(a.recipe, seed, run_dir, a.epochs, ["--precision", prec])
            metrics = quality.evaluate_run(run_dir, dataset, "fast", 10_000)
            key = next(k for k in metrics if k.endswith("classifier_fid"))
            runs[prec][seed] = {"classifier_fid": round(metrics[key], 3),
                                "in_training_fid": [round(row["fid"], 2) for row in quality._history(run_dir)
                                                    if "fid" in row],
                                "wall_s_this_call": round(time.perf_counter() - t0, 1)}
    f32 = [runs["float32"][s]["classifier_fid"] for s in range(a.seeds)]
    diffs = [runs["mixed_bfloat16"][s]["classifier_fid"] - runs["float32"][s]["classifier_fid"]
             for s in range(a.seeds)]
    spread = statistics.stdev(f32) if len(f32) > 1 else None
    result.update(runs=runs, summary={
        "float32_mean": round(statistics.fmean(f32), 3), "float32_seed_std": None if spread is None else round(spread, 3),
        "bfloat16_minus_float32_mean": round(statistics.fmean(diffs), 3),
        "bfloat16_minus_float32_per_seed": [round(d, 3) for d in diffs],
        "within_seed_spread": None if spread is None else abs(statistics.fmean(diffs)) <= spread})
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
