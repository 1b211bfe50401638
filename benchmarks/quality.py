#!/usr/bin/env python3
"""Sample quality of a shipped recipe: train it (resumable) for each seed, then score the chosen generator.

    python benchmarks/quality.py --recipe mnist-sngan --seeds 3
    python benchmarks/quality.py --recipe quickstart --eval fast        # MNIST-classifier FID only (seconds)

Protocol (``--eval standard``, the default): the exported generator of the run (with ``--keep-best``, the
best epoch's) draws ``--n`` images (default 10,000; z from the recipe's prior, seed 1, conditional labels
0..9 in turn), compared with the first ``--n`` images of the dataset's **test** split by the standard FID
Inception (2015-12-05 pool_3, bilinear resize to 299, grey repeated to RGB): FID and KID (subsets of 1,000).
The real statistics and features are cached, so only the first evaluation pays for them. For MNIST also the
MNIST-classifier FID (same images, test split) and the classifier's histogram of generated digits (an
even share is 10% per class); for Fashion-MNIST likewise with the committed Fashion-MNIST classifier.
``--eval fast`` computes only the classifier numbers.

Runs go to ``--runs-dir/RECIPE/seedS`` (``train.py --recipe RECIPE --seed S --resume``): stopping this
script and starting it again continues every run where it stopped, and a finished run's evaluation is read
from its ``quality_eval.json`` as long as the generator it measured is still the exported one (checked by a
SHA-256 of its files, so ``--epochs 40`` after a 20-epoch run measures the new generator). Prints one JSON object (per-seed numbers, mean and sample standard deviation,
steps, wall time, CPU) and saves a PNG of the in-training FID against wall-clock time and epochs.

Seeds trained in separate invocations (``--seeds 1 --first-seed K``, in parallel or in other sessions) are
pooled by ``--combine A.json B.json ...``: the per-seed entries of results printed by this script for the
same recipe, evaluation and ``--n`` are concatenated (each keeps its CPU and source file) and the mean and
standard deviation are taken over all of them. Nothing is trained or evaluated again.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import hashlib
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from machine import facts as machine_facts  # noqa: E402

ANCHORS = {
    "mnist": [{"fid": 6.8, "setup": "NS GAN, InfoGAN-style nets, 20 epochs, best of a large search",
               "source": "Lucic et al. 2018"},
              {"fid": 2.9, "setup": "SN-DCGAN, NS loss, 40k iterations", "source": "PA-GAN (Zhang & Khoreva 2019)"},
              {"fid": 2.5, "setup": "SN-DCGAN + progressive augmentation", "source": "PA-GAN"},
              {"fid": 1.57, "setup": "MNIST train vs test images (the floor)", "source": "this project"}],
    "fashion_mnist": [{"fid": 21.5, "setup": "WGAN, InfoGAN-style nets", "source": "Lucic et al. 2018"},
                      {"fid": 10.6, "setup": "SN-DCGAN, NS loss", "source": "PA-GAN"},
                      {"fid": 6.2, "setup": "SN-DCGAN + progressive augmentation", "source": "PA-GAN"}],
}


def log(msg: str) -> None:
    print(f"[quality {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _history(run_dir: str) -> list[dict]:
    path = os.path.join(run_dir, "history.csv")
    if not os.path.isfile(path):
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(f)]


def train(recipe: str, seed: int, run_dir: str, epochs: int | None, extra: list[str]) -> None:
    """``train.py --recipe --seed --out --resume`` unless the run has all its epochs already."""
    done = len(_history(run_dir))
    want = epochs
    if want is None and os.path.isfile(os.path.join(run_dir, "config.json")):
        with open(os.path.join(run_dir, "config.json"), encoding="utf-8") as f:
            want = json.load(f)["epochs"]
    if os.path.isfile(os.path.join(run_dir, "summary.json")) and want is not None and done >= want:
        log(f"{run_dir}: trained ({done} epochs)")
        return
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "train.py"), "--recipe", recipe, "--seed", str(seed),
           "--out", run_dir, "--resume", *(["--epochs", str(epochs)] if epochs else []), *extra]
    log("training: " + " ".join(cmd[1:]))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    r = subprocess.run(cmd, env=env, stdout=sys.stderr)  # its progress lines into our log; stdout stays JSON
    if r.returncode != 0:
        raise SystemExit(f"quality.py: training {run_dir} failed (exit {r.returncode}); see its stderr above. "
                         "Start this script again to resume it.")


def generator_digest(gen_dir: str) -> str:
    """SHA-256 of an exported generator: over every file's path (relative, sorted) and its own SHA-256
    (:func:`tfgan_zoo.io.file_digest`)."""
    from tfgan_zoo.io import file_digest

    h = hashlib.sha256()
    for root, dirs, files in os.walk(gen_dir):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            h.update(os.path.relpath(path, gen_dir).replace(os.sep, "/").encode() + b"\0")
            h.update(file_digest(path).encode() + b"\0")
    return h.hexdigest()


def evaluate_run(run_dir: str, dataset: str, mode: str, n: int) -> dict:
    """The metrics of ``run_dir/generator`` (cached in ``run_dir/quality_eval.json`` by protocol and by the
    generator's :func:`generator_digest`, so a run trained further is measured again; a cached entry that lacks a
    metric this version computes, such as the Fashion-MNIST classifier's, gets only that metric added)."""
    cache = os.path.join(run_dir, "quality_eval.json")
    key = f"{mode}:{n}"
    gen = os.path.join(run_dir, "generator")
    digest = generator_digest(gen)
    saved = {}
    if os.path.isfile(cache):
        with open(cache, encoding="utf-8") as f:
            saved = json.load(f)
    out: dict = dict(saved.get(key, {}))
    if out.get("generator_sha256") != digest:  # another generator (or an entry from before digests): measure anew
        if out:
            log(f"{run_dir}: the cached evaluation is of another generator; measuring this one")
        out = {"generator_sha256": digest}
    elif not _missing(out, dataset, mode):
        return out
    from tfgan_zoo.io import write_text

    t0 = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # progress bars: stdout carries only the JSON result
        _measure(out, dataset, gen, mode, n)
    out["eval_time_s"] = round(out.get("eval_time_s", 0.0) + time.perf_counter() - t0, 1)
    saved[key] = out
    write_text(cache, json.dumps(saved, indent=2) + "\n")
    return out


# the committed classifier of each built-in dataset: its FID and histogram of generated classes
DOMAIN_CLASSIFIERS = {"mnist": ("mnist-classifier", "mnist_classifier"),
                      "fashion_mnist": ("fashion-classifier", "fashion_classifier")}
METRIC_KEYS = ("fid", "kid", "mnist_classifier_fid", "fashion_classifier_fid")


def _missing(out: dict, dataset: str, mode: str) -> list[str]:
    """The parts of an evaluation not yet in ``out``: "standard" and/or "classifier"."""
    parts = ["standard"] if mode == "standard" and "fid" not in out else []
    if dataset in DOMAIN_CLASSIFIERS and f"{DOMAIN_CLASSIFIERS[dataset][1]}_fid" not in out:
        parts.append("classifier")
    return parts


def _measure(out: dict, dataset: str, gen: str, mode: str, n: int) -> None:
    from tfgan_zoo.metrics.evaluate import evaluate

    missing = _missing(out, dataset, mode)
    if "standard" in missing:
        log(f"{gen}: standard FID/KID on {n} + {n} images")
        r = evaluate(dataset, gen, "fid-inception", n, ["fid", "kid"], real_split="test")
        out.update({"fid": r["fid"], "kid": r["kid"], "kid_std": r["kid_std"], "protocol": r["protocol"]})
    if "classifier" in missing:
        network, name = DOMAIN_CLASSIFIERS[dataset]
        r = evaluate(dataset, gen, network, n, ["fid", "classifier"], real_split="test")
        out.update({f"{name}_fid": r["fid"], "class_histogram": r["class_histogram"],
                    **({"class_accuracy": r["class_accuracy"]} if "class_accuracy" in r else {}),
                    f"{name}_protocol": r["protocol"]})


def run_facts(run_dir: str) -> dict:
    """Steps, the chosen step, and wall time of a finished run."""
    from tfgan_zoo.export import read_generator_info

    with open(os.path.join(run_dir, "summary.json"), encoding="utf-8") as f:
        summary = json.load(f)
    hist = _history(run_dir)
    info = read_generator_info(os.path.join(run_dir, "generator"))
    with open(os.path.join(run_dir, "config.json"), encoding="utf-8") as f:
        config = json.load(f)
    return {"config": config, "generator_steps": summary["generator_steps"], "epochs": len(hist),
            "selected": info.get("selected"),
            "wall_s_incl_evaluations": hist[-1].get("wall_s") if hist else None,
            "last_session_wall_s": summary["wall_time_s"],
            "in_training_fid": [[int(r["epoch"]), r.get("wall_s"), r["fid"]] for r in hist if "fid" in r]}


def mean_std(values: list[float]) -> dict:
    import numpy as np

    v = np.asarray([x for x in values if x is not None], float)
    if len(v) == 0:
        return {"mean": None, "std": None, "n": 0}
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if len(v) > 1 else None, "n": int(len(v))}


class CombineError(ValueError):
    """Results that cannot be pooled (another recipe, protocol or ``--n``, or a seed twice)."""


def combine(results: list[dict], sources: list[str]) -> dict:
    """Pool the seeds of several results of this script into one, with the summary over all of them.

    Parameters
    ----------
    results : list of dict
        Parsed JSON printed by ``quality.py`` (one or more seeds each).
    sources : list of str
        Where each came from (recorded beside every seed it contributed).

    Returns
    -------
    dict
        The first result with ``seeds`` = every seed, ``summary`` recomputed (mean, sample standard deviation
        with ``ddof=1``, count), ``machine`` = the list of machines and ``combined_from`` = ``sources``.
    """
    if not results:
        raise CombineError("--combine needs at least one result JSON")
    first = results[0]
    seen: dict[int, str] = {}
    seeds = []
    for r, src in zip(results, sources):
        if r.get("benchmark") != "quality":
            raise CombineError(f"{src} is not a result of benchmarks/quality.py (no \"benchmark\": \"quality\")")
        for key in ("recipe", "eval", "n", "flags", "train_args", "epochs_override"):
            if r.get(key) != first.get(key):
                raise CombineError(f"{src} has {key}={r.get(key)!r} but {sources[0]} has {first.get(key)!r}: "
                                   "only runs of one recipe under one protocol can be pooled")
        for s in r["seeds"]:
            if s["seed"] in seen:
                raise CombineError(f"seed {s['seed']} is in both {seen[s['seed']]} and {src}: pool each seed once")
            seen[s["seed"]] = src
            cpu = s["cpu"] if "cpu" in s else r["machine"]["cpu"]  # a pooled result keeps each seed's own
            seeds.append({**s, "cpu": cpu, "source": s.get("source", src)})
    seeds.sort(key=lambda s: s["seed"])
    summary = {m: mean_std([s["metrics"].get(m) for s in seeds]) for m in METRIC_KEYS
               if any(m in s["metrics"] for s in seeds)}
    machines = [m for r in results for m in (r["machine"] if isinstance(r["machine"], list) else [r["machine"]])]
    notes = {src: r["note"] for r, src in zip(results, sources) if r.get("note")}  # each about its own seeds
    pooled = {k: v for k, v in first.items() if k not in ("note", "notes", "plot")}
    return {**pooled, "machine": machines, "seeds": seeds, "summary": summary, "combined_from": list(sources),
            "notes": notes, "plot": None}


def unused_png(stem: str) -> str:
    """``stem.png``, or ``stem_2.png``, ``stem_3.png``, ... : the first name not taken (a plot of record is never
    overwritten)."""
    png = stem + ".png"
    for k in range(2, 1000):
        if not os.path.exists(png):
            break
        png = f"{stem}_{k}.png"
    return png


def plot(seeds: list[dict], path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tfgan_zoo.io import atomic_path

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for s in seeds:
        curve = s["facts"]["in_training_fid"]
        if not curve:
            continue
        ep, wall, fid = zip(*curve)
        axes[0].plot(ep, fid, marker=".", label=f"seed {s['seed']}")
        if all(w is not None for w in wall):
            axes[1].plot([w / 60 for w in wall], fid, marker=".", label=f"seed {s['seed']}")
    axes[0].set_xlabel("epoch")
    axes[1].set_xlabel("wall-clock minutes (evaluations included)")
    for ax in axes:
        ax.set_ylabel("in-training FID (the recipe's --fid-network)")
        ax.set_yscale("log")
        ax.grid(True, alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--recipe")
    p.add_argument("--combine", nargs="+", metavar="JSON", help="pool the seeds of earlier results (no training)")
    p.add_argument("--out", help="with --combine: also write the pooled JSON here")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs (a shorter check)")
    p.add_argument("--eval", default="standard", choices=("standard", "fast"))
    p.add_argument("--n", type=int, default=10_000, help="generated and real test images")
    p.add_argument("--runs-dir", default=os.path.join(ROOT, "benchmarks", "runs"))
    p.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    p.add_argument("--train-arg", action="append", default=[], help="an extra train.py argument (repeatable)")
    a = p.parse_args(argv)
    if a.combine:
        return _combine_main(p, a)
    if not a.recipe:
        p.error("--recipe NAME is required (or --combine A.json B.json ... to pool earlier results)")
    from tfgan_zoo import recipes

    try:
        recipe = recipes.load(a.recipe)
    except recipes.RecipeError as e:
        p.error(str(e))
    dataset = recipe["flags"].get("dataset", "mnist")
    machine = machine_facts()
    tag = a.recipe + (f"-e{a.epochs}" if a.epochs else "") + ("-" + "-".join(
        x.lstrip("-") for x in a.train_arg) if a.train_arg else "")
    seeds = []
    for seed in range(a.first_seed, a.first_seed + a.seeds):
        run_dir = os.path.join(a.runs_dir, tag, f"seed{seed}")
        train(a.recipe, seed, run_dir, a.epochs, a.train_arg)
        facts = run_facts(run_dir)
        differs = sorted(k for k, v in recipe["flags"].items() if facts["config"].get(k.replace("-", "_")) != v
                         and not (k == "epochs" and a.epochs))
        if differs:  # a run trained before the recipe changed: its own config.json says what it was
            log(f"warning: {run_dir} was trained with other values of {', '.join(differs)} than the recipe has "
                "now; its config.json is reported. Remove the folder to train it anew.")
        seeds.append({"seed": seed, "run": os.path.relpath(run_dir, ROOT), "differs_from_recipe": differs,
                      "facts": facts, "metrics": evaluate_run(run_dir, dataset, a.eval, a.n)})
        log(f"seed {seed}: " + json.dumps({k: v for k, v in seeds[-1]["metrics"].items()
                                           if k in METRIC_KEYS}))
    summary = {m: mean_std([s["metrics"].get(m) for s in seeds]) for m in METRIC_KEYS
               if any(m in s["metrics"] for s in seeds)}
    cpu_kind = "avx512" if "avx512f=True" in machine["cpu"] else "avx2"
    stem = f"quality_{tag}_{datetime.date.today().isoformat()}_{cpu_kind}"
    os.makedirs(a.results_dir, exist_ok=True)
    png = None
    if any(s["facts"]["in_training_fid"] for s in seeds):  # a recipe without --fid-every has no curve to plot
        png = unused_png(os.path.join(a.results_dir, stem))  # same recipe, day and CPU kind: a new name
        plot(seeds, png, f"{tag}: in-training FID per seed ({machine['cpu']})")
    result = {"benchmark": "quality", "recipe": a.recipe, "flags": recipe["flags"],
              "train_args": a.train_arg, "epochs_override": a.epochs, "machine": machine,
              "protocol": __doc__.split("Protocol (", 1)[1].split("\n\n")[0].replace("\n", " "),
              "eval": a.eval, "n": a.n, "seeds": seeds, "summary": summary, "anchors": ANCHORS.get(dataset),
              "plot": os.path.relpath(png, ROOT) if png else None}
    print(json.dumps(result, indent=2))
    return 0


def _combine_main(p: argparse.ArgumentParser, a: argparse.Namespace) -> int:
    results = []
    for path in a.combine:
        try:
            with open(path, encoding="utf-8") as f:
                results.append(json.load(f))
        except (OSError, json.JSONDecodeError) as e:
            p.error(f"cannot read {path} as a quality.py result: {e}")
    try:
        pooled = combine(results, [os.path.relpath(os.path.abspath(x), ROOT) for x in a.combine])
    except CombineError as e:
        p.error(str(e))
    if a.recipe and a.recipe != pooled["recipe"]:
        p.error(f"--recipe {a.recipe} but the results are of {pooled['recipe']}")
    if any(s["facts"]["in_training_fid"] for s in pooled["seeds"]):  # the recipe computed FIDs while training
        stem = os.path.splitext(a.out)[0] if a.out else os.path.join(
            a.results_dir, f"quality_{pooled['recipe']}_{len(pooled['seeds'])}seeds")
        png = unused_png(stem)
        plot(pooled["seeds"], png, f"{pooled['recipe']}: in-training FID per seed (pooled)")
        pooled["plot"] = os.path.relpath(png, ROOT)
    text = json.dumps(pooled, indent=2)
    if a.out:
        from tfgan_zoo.io import write_text

        write_text(a.out, text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
