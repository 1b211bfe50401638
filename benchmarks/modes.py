#!/usr/bin/env python3
"""Mode collapse on the 2-D mixtures: modes covered, high-quality share, reverse KL, per loss.

Protocol (PacGAN, Lin et al. 2018, Table 1): the ring (8 modes, sigma 0.01) and the grid (25
modes, sigma 0.05) of ``tfgan_zoo.analysis.toy``; PacGAN's networks (``tfgan_zoo.nets.toy_pair``:
G latent 2, 4 x 400 Dense + BN + ReLU; D 3 x maxout 200 x 5); each loss with its default
optimizers and n_critic, batch ``--batch-size`` (100), ``--steps`` generator steps (default 20,000,
about 15 minutes a run on a 2-core CPU, 7-8 minutes with ``--jit-compile on`` on one thread of a 2-core AVX-512 Xeon
shared with another job; ``--steps-per-execution N`` runs N of them per compiled call, the same
updates, but measured 1.5x slower at N = 100 on a 2-core AVX-512 Xeon, so the default is 1); PacGAN trained
400 epochs of 1,000 batches of 100 = 400,000 steps with Adam(1e-4, beta1 0.8) and N(0, 0.02) initial weights, which is hours a run here); then 2,500
samples scored by ``toy.mode_metrics`` (3-sigma high quality, covered modes, reverse KL of the
mode histogram). ``--seeds`` runs per (mixture, loss); mean and standard error over seeds.

``--jit-compile on`` compiles each step with XLA (2-2.6x faster on the CPU; other random numbers, so other runs:
their files carry ``_xla``).

``--drs STEPS`` also scores discriminator rejection sampling of each trained generator (``tfgan_zoo.rejection``;
Azadi et al. 2019): a fresh unpacked discriminator is fitted for STEPS steps (``--drs-batch`` real and as many
generated samples each, default ``--batch-size``) as the classifier of real against generated samples, and 2,500
samples kept by DRS are scored beside the raw ones (``after_drs`` in each run, with the share of proposals kept,
and in the summary; a ``_drs.png`` scatter). ``--drs-sweep P1,P2`` scores more gammas (percentiles of F) with the
same fitted classifier.

Resumable at run granularity: each finished run is written to ``OUT/<mixture>_<loss>_seed<k>.json``
(with a PNG scatter) and skipped when the script is run again with the same ``--out``.
A reverse KL is null when a run has no high-quality sample (it is undefined; counted in the summary). A run
whose generator diverged (non-finite samples) scores 0 modes and 0% high quality, and is counted as diverged.
Prints one JSON object with the protocol, the CPU, per-run results, the summary and PacGAN's anchors.

``--combine A.json B.json ...`` pools the runs of results printed by this script (for example seeds 0-2 from one
session and 3-4, run with ``--first-seed 3 --seeds 2``, from another) and prints the summary over all of them.
The results must share the protocol (steps, batch, every option, XLA); a (mixture, loss, seed) may come from one
file only. Nothing is trained again.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from machine import facts as machine_facts  # noqa: E402

# PacGAN Table 1 (10 trials): modes, high-quality share, reverse KL
ANCHORS = {
    "ring": {"GAN": (6.3, 0.982, 0.45), "PacGAN2": (7.9, 0.956, 0.07), "PacGAN3": (7.8, 0.977, 0.10)},
    "grid": {"ALI": (24.1, 0.957, 0.14), "PacGAN4": (24.8, 0.936, 0.04)},
}


DEFAULTS = {"pack": 1, "optimizer": "default", "lr_decay": "none", "constraint": None, "cascade": 1,
            "feature_matching": None, "ema": None, "ema_start": 0, "drs": 0, "drs_percentile": None,
            "drs_batch": None, "drs_sweep": None}
# DRS proposals before a run records that it could not keep 2,500 samples (acceptance below 5e-5)
DRS_MAX_PROPOSALS = 50_000_000
# a progress line on stderr every this many DRS proposals (the grid's gamma-0 sampling proposed about 40 million)
DRS_LOG_EVERY = 5_000_000


def variant_name(**options) -> str:
    """The part of a run's name that says how it differs from the defaults (empty for the defaults)."""
    o = {**DEFAULTS, **options}
    parts = []
    if o["pack"] > 1:
        parts.append(f"pack{o['pack']}")
    if o["optimizer"] != "default":
        parts.append(o["optimizer"])
    if o["lr_decay"] != "none":
        parts.append(f"decay-{o['lr_decay']}")
    if o["constraint"]:
        parts.append(o["constraint"])
    if o["cascade"] > 1:
        parts.append(f"cascade{o['cascade']}")
    if o["feature_matching"]:
        parts.append(f"fm-{o['feature_matching']}")
    if o["ema"]:
        parts.append(f"ema{o['ema']:g}" + (f"-from{o['ema_start']}" if o["ema_start"] else ""))
    if o["drs"]:
        parts.append(f"drs{o['drs']}" + (f"-p{o['drs_percentile']:g}" if o["drs_percentile"] is not None else "")
                     + (f"-b{o['drs_batch']}" if o["drs_batch"] else "")
                     + ("-sw" + "-".join(f"{q:g}" for q in o["drs_sweep"]) if o["drs_sweep"] else ""))
    return "_".join(parts)


def run_name(mixture_name: str, loss: str, seed: int, jit_compile: bool = False, **options) -> str:
    """A run's file name without extension: mixture, loss, variant, ``xla`` when the step was compiled with XLA
    (whose random numbers differ, so it is another run than the same seed without), seed."""
    variant = variant_name(**options)
    return f"{mixture_name}_{loss}{'_' + variant if variant else ''}{'_xla' if jit_compile else ''}_seed{seed}"


def one_run(mixture_name: str, loss: str, seed: int, steps: int, batch_size: int, out: str,
            steps_per_execution: int = 1, jit_compile: bool = False, log_every: int = 0, **options) -> dict:
    """Train one (mixture, loss, seed) with ``options`` (keys of ``DEFAULTS``) and score its 2,500 samples (by the
    EMA generator when ``ema`` is set)."""
    from tfgan_zoo.analysis import toy

    o = {**DEFAULTS, **options}
    mix = toy.get(mixture_name)
    extra = {k: o[k] for k in ("constraint", "feature_matching", "ema") if o[k]}
    if o["ema"]:
        extra["ema_start"] = o["ema_start"]
    run = toy.train(loss, mix, steps, batch_size=batch_size, seed=seed, pack=o["pack"], optimizer=o["optimizer"],
                    lr_decay=o["lr_decay"], cascade=o["cascade"], steps_per_execution=steps_per_execution,
                    jit_compile=jit_compile, log_every=log_every, **extra)
    gan, wall = run.gan, run.wall_s
    samples = gan.generate(toy.N_EVAL).numpy()
    variant = variant_name(**o)
    name = run_name(mixture_name, loss, seed, jit_compile, **o)
    if np.all(np.isfinite(samples)):
        toy.plot(samples, mix, os.path.join(out, name + ".png"),
                 title=f"{mixture_name}, {loss}{', ' + variant if variant else ''}, seed {seed}")
        metrics = {**scored(samples, mix), "diverged": False}
    else:  # the generator diverged (non-finite samples): it covers no mode; counted as such in the summary
        metrics = {"modes": 0, "high_quality": 0.0, "reverse_kl": None, "n": int(len(samples)),
                   "counts": [], "diverged": True}
    if o["drs"] and not metrics["diverged"]:
        metrics["after_drs"] = drs_metrics(gan, mix, seed, o["drs"], o["drs_percentile"],
                                           o["drs_batch"] or batch_size, sweep=o["drs_sweep"] or ())
        kept_samples = metrics["after_drs"].pop("samples")
        if kept_samples is not None:
            toy.plot(kept_samples, mix, os.path.join(out, name + "_drs.png"),
                     title=f"{mixture_name}, {loss}{', ' + variant if variant else ''}, seed {seed}, after DRS")
    return {"mixture": mixture_name, "loss": loss + ("+" + variant if variant else ""), "seed": seed, "steps": steps,
            **o, "batch_size": batch_size, "jit_compile": bool(jit_compile), "wall_s": round(wall, 1), **metrics}


def scored(samples: np.ndarray, mix) -> dict:
    """``toy.mode_metrics`` of finite samples, with an undefined reverse KL (no high-quality sample) as None (null in
    the JSON; counted in the summary)."""
    from tfgan_zoo.analysis import toy

    m = toy.mode_metrics(samples, mix)
    if math.isnan(m["reverse_kl"]):
        m["reverse_kl"] = None
    return m


def significant(x: float, digits: int = 4) -> float:
    """``x`` to ``digits`` significant figures (acceptances span 1 down to 5e-5)."""
    return float(f"{x:.{digits}g}")


def rounded(x: float) -> float:
    """4 decimals, or 4 significant figures below 0.1 (so an acceptance of 1.72e-4 keeps its digits)."""
    return significant(x) if abs(x) < 0.1 else round(x, 4)


def drs_metrics(gan, mix, seed: int, steps: int, percentile: float | None, batch_size: int,
                sweep: tuple[float, ...] = ()) -> dict:
    """Discriminator rejection sampling on the trained generator (``tfgan_zoo.rejection``): a fresh, unpacked
    PacGAN discriminator is fitted for ``steps`` Adam(1e-3) steps as the classifier of real against generated
    samples (so packed runs and the EMA generator get a classifier of the sampler that is scored), then 2,500
    kept samples are scored like the raw ones. ``percentile``: DRS's gamma at that percentile of F on the
    burn-in batch; None: gamma = 0 (exact rejection sampling if the classifier were optimal). ``sweep``: more
    percentiles scored with the same fitted classifier and proposal seed, under ``sweep`` keyed ``p<P>``."""
    from tfgan_zoo import nets, rejection
    from tfgan_zoo.analysis import toy

    def generate(k, rng):
        return np.asarray(gan.generate(rng.standard_normal((k, 2)).astype(np.float32)))

    fit_rng = np.random.default_rng(seed + 2)
    clf = nets.toy_discriminator()
    real = toy.dataset(mix, batch_size, seed=seed + 1_000_003).as_numpy_iterator()
    fit = rejection.fit_density_ratio(clf, real, lambda k: generate(k, fit_rng), steps, batch_size,
                                      log_every=max(1000, steps // 10))
    def kept(p):
        try:
            x, stats = rejection.rejection_sample(generate, lambda v: np.asarray(clf(v.astype(np.float32))),
                                                  toy.N_EVAL, gamma_percentile=p, batch_size=5000, seed=seed + 3,
                                                  max_proposals=DRS_MAX_PROPOSALS, log_every=DRS_LOG_EVERY)
        except rejection.RejectionShortfall as e:  # recorded (metrics null, counted in the summary), not a crash
            hint = (" Here: --drs-percentile P (or --drs-sweep) sets gamma at a percentile of F, which keeps more."
                    if p is None else "")
            return None, {"modes": None, "high_quality": None, "reverse_kl": None, "n": e.kept,
                          "acceptance": significant(e.kept / max(e.proposals, 1)), "gamma": round(e.gamma, 4),
                          "failed": str(e) + hint}
        m = scored(x, mix)
        m.pop("counts")
        return x, {**m, "acceptance": significant(stats["acceptance"]), "gamma": round(stats["gamma"], 4)}

    x, m = kept(percentile)
    out = {**m, "classifier_loss_first": round(fit["loss_first"], 4),
           "classifier_loss_last": round(fit["loss_last"], 4), "samples": x}
    if sweep:
        out["sweep"] = {f"p{q:g}": kept(q)[1] for q in sweep}
    return out


def drs_summary(drs_runs: list[dict], mean_se) -> dict:
    """Mean and standard error of the DRS metrics over seeds, and of each swept percentile's.

    ``modes`` and ``high_quality`` average the ``scored`` seeds (those that kept 2,500 samples), ``reverse_kl``
    those of them with a high-quality sample, ``acceptance`` every seed (a failed one's is measured too);
    ``failed`` and ``no_high_quality_sample`` count the others."""
    def one(ds: list[dict]) -> dict:
        ok = [d for d in ds if "failed" not in d]
        return {**{k: mean_se([d[k] for d in ok]) for k in ("modes", "high_quality", "reverse_kl")},
                "acceptance": mean_se([d["acceptance"] for d in ds]), "scored": len(ok),
                "failed": len(ds) - len(ok), "no_high_quality_sample": sum(d["reverse_kl"] is None for d in ok)}

    out = one(drs_runs)
    sweeps = [d["sweep"] for d in drs_runs if "sweep" in d]
    if sweeps:
        out["sweep"] = {q: one([s[q] for s in sweeps if q in s]) for q in sweeps[0]}
    return out


def summarize(runs: list[dict]) -> dict:
    def mean_se(values):
        values = [v for v in values if v is not None]
        if not values:
            return None
        se = statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else None
        return [rounded(statistics.fmean(values)), None if se is None else rounded(se)]

    out = {}
    for r in runs:
        out.setdefault(r["mixture"], {}).setdefault(r["loss"], []).append(r)
    return {m: {loss: {"seeds": len(rs), "modes": mean_se([r["modes"] for r in rs]),
                       "high_quality": mean_se([r["high_quality"] for r in rs]),
                       "reverse_kl": mean_se([r["reverse_kl"] for r in rs]),
                       "no_high_quality_sample": sum(r["reverse_kl"] is None for r in rs),
                       "diverged": sum(bool(r.get("diverged")) for r in rs),
                       **({"after_drs": drs_summary([r["after_drs"] for r in rs if "after_drs" in r], mean_se)}
                          if any("after_drs" in r for r in rs) else {})}
                for loss, rs in by_loss.items()} for m, by_loss in out.items()}


class CombineError(ValueError):
    """Results that cannot be pooled (another benchmark, another protocol, a run in two files)."""


# protocol entries that may differ between pooled results: how many seeds each ran, on what machine, how fast
# (steps_per_execution runs the same updates per compiled call), and a hand-written note
PER_SOURCE = ("seeds", "first_seed", "cpu", "load_average_at_start", "tensorflow", "steps_per_execution", "note")
# what an older result that lacks an option ran with (the option did not exist yet, so it was its default)
PROTOCOL_DEFAULTS = {**DEFAULTS, "jit_compile": False}
# not compared either: the per-source entries, and what combine() itself writes into a pooled protocol
NOT_COMPARED = (*PER_SOURCE, "seed_list", "statistic")
RUN_KEYS = ("mixture", "loss", "seed", "modes", "high_quality", "reverse_kl")


def combine(results: list[dict], sources: list[str]) -> dict:
    """Pool the runs of several results of this script into one, with the summary over all of them.

    Parameters
    ----------
    results : list of dict
        Parsed JSON printed by ``modes.py``, or pooled by this function (its ``sources`` are carried over).
    sources : list of str
        Where each came from, one per result (recorded in ``sources``, ``combined_from`` and, per run, ``source``).

    Returns
    -------
    dict
        ``benchmark``; ``protocol``: the shared protocol (an option an older file lacks counts as its default),
        with ``seeds`` the number of distinct seeds and ``seed_list`` them; ``sources``: per input file its
        ``seeds``, ``first_seed``, CPU, load, TensorFlow, ``steps_per_execution``, note and command, which may
        differ; ``summary`` recomputed by ``summarize`` over every run; ``anchors_pacgan_table1``; ``runs``
        sorted by (mixture, loss, seed), each with its ``source``; ``combined_from``.

    Raises
    ------
    CombineError
        When a result is not from this script, its protocol differs from the first one's, a run lacks its
        metrics, or a (mixture, loss, seed) is in two results.
    """
    if not results:
        raise CombineError("--combine needs at least one result JSON of benchmarks/modes.py")
    if len(results) != len(sources):
        raise CombineError(f"{len(results)} results but {len(sources)} sources: give one source per result")
    for r, src in zip(results, sources):
        if not isinstance(r, dict) or r.get("benchmark") != "modes" or not isinstance(r.get("protocol"), dict) \
                or not isinstance(r.get("runs"), list):
            raise CombineError(f"{src} is not a result of benchmarks/modes.py (it needs \"benchmark\": \"modes\", "
                               "a protocol and runs); give the JSON the script printed")

    def shared(protocol: dict) -> dict:
        return {k: v for k, v in {**PROTOCOL_DEFAULTS, **protocol}.items() if k not in NOT_COMPARED}

    common = shared(results[0]["protocol"])
    seen: dict[tuple, str] = {}
    runs, per_source = [], []
    for r, src in zip(results, sources):
        mine = shared(r["protocol"])
        for k in sorted(set(common) | set(mine)):
            if mine.get(k) != common.get(k):
                flag = "--" + k.replace("_", "-")
                raise CombineError(f"{src} has {k}={mine.get(k)!r} but {sources[0]} has {common.get(k)!r}: only runs "
                                   f"under one protocol can be pooled; run the missing seeds with {flag} as in "
                                   f"{sources[0]}, or leave {src} out")
        for run in r["runs"]:
            missing = [k for k in RUN_KEYS if k not in run]
            if missing:
                raise CombineError(f"a run in {src} lacks {', '.join(missing)}; give the JSON the script printed")
            key = (run["mixture"], run["loss"], run["seed"])
            if key in seen:
                raise CombineError(f"{key[0]} {key[1]} seed {key[2]} is in both {seen[key]} and {src}: leave one of "
                                   "the two out")
            seen[key] = src
            runs.append({**run, "source": run.get("source", src)})
        if isinstance(r.get("sources"), list):  # an already pooled result: its own sources, not one merged entry
            per_source += r["sources"]
        else:
            per_source.append({"source": src, **{k: r["protocol"].get(k) for k in PER_SOURCE},
                               **({"command": r["command"]} if "command" in r else {})})
    runs.sort(key=lambda run: (run["mixture"], run["loss"], run["seed"]))
    seed_list = sorted({run["seed"] for run in runs})
    protocol = {**common, "seeds": len(seed_list), "seed_list": seed_list,
                "statistic": "mean and standard error over seeds"}
    return {"benchmark": "modes", "protocol": protocol, "sources": per_source, "summary": summarize(runs),
            "anchors_pacgan_table1": ANCHORS, "runs": runs, "combined_from": list(sources)}


def percentiles(text: str) -> tuple[float, ...]:
    """``--drs-sweep``'s value: comma-separated percentiles in [0, 100], at least one."""
    try:
        values = tuple(dict.fromkeys(float(v) for v in text.split(",")))  # each once, in the order given
    except ValueError:
        values = ()
    if not values or not all(0 <= v <= 100 for v in values):
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of percentiles in [0, 100]; "
                                         "for example 50,80,95")
    return values


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mixtures", default="ring,grid")
    p.add_argument("--losses", default="nsgan,lsgan,wgan-gp,hinge")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--first-seed", type=int, default=0, metavar="K",
                   help="run seeds K .. K+SEEDS-1 (to split seeds across processes; a later run with --first-seed 0 "
                        "and the same --out reads the finished runs back and summarizes them all)")
    p.add_argument("--steps", type=int, default=20000, help="generator steps per run")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--pack", type=int, default=1, help="PacGAN packing: samples per discriminator input")
    p.add_argument("--optimizer", default="default", choices=("default", "pacgan"),
                   help="default: each loss's own; pacgan: Adam(1e-4, beta1 0.8) for both networks")
    p.add_argument("--lr-decay", default="none", choices=("none", "linear"),
                   help="linear: both learning rates decay linearly to 0 at the last step")
    p.add_argument("--constraint", default=None, help="a Lipschitz constraint on D (sn, gn, gran, clip)")
    p.add_argument("--cascade", type=int, default=1, help="cascading rejection: D's number of scores")
    p.add_argument("--feature-matching", default=None, choices=("only", "add"),
                   help="Salimans et al.'s feature-matching generator loss")
    p.add_argument("--ema", type=float, default=None, metavar="DECAY",
                   help="score a generator EMA with this decay (e.g. 0.999) instead of the last weights")
    p.add_argument("--ema-start", type=int, default=0, metavar="STEPS", help="EMA warm-up: copy for these steps")
    p.add_argument("--drs", type=int, default=0, metavar="STEPS",
                   help="also score discriminator rejection sampling (Azadi et al. 2019) of the trained generator, "
                        "with a fresh unpacked discriminator fitted for STEPS steps as the density-ratio classifier")
    p.add_argument("--drs-percentile", type=float, default=None, metavar="P",
                   help="DRS's gamma at this percentile of F on the burn-in batch (default: gamma 0, exact)")
    p.add_argument("--drs-sweep", type=percentiles, default=None, metavar="P1,P2,...",
                   help="also score DRS with gamma at each of these percentiles, from the same fitted classifier "
                        "(under after_drs.sweep; in the run's name as -swP1-P2)")
    p.add_argument("--drs-batch", type=int, default=None, metavar="N",
                   help="real and generated samples per classifier step of --drs (default: --batch-size). The "
                        "ring's off-mode samples are about 7%% of a batch, so a larger batch gives the classifier "
                        "more of them per step")
    p.add_argument("--steps-per-execution", type=int, default=1, metavar="N",
                   help="generator steps per compiled call (the same updates; must divide --steps). 100 measured "
                        "1.5x slower than 1 on a 2-core AVX-512 Xeon, so 1 is the default; for accelerators")
    p.add_argument("--jit-compile", default="off", choices=("on", "off"),
                   help="compile each step with XLA: on the CPU 2-2.6x faster for these networks (26-34 ms against "
                        "68 ms a step, one thread of a 2-core AVX-512 Xeon), but its random numbers differ from "
                        "the step without XLA, so a seed's run is not the same run; recorded in the protocol")
    p.add_argument("--log-every", type=int, default=None, metavar="N",
                   help="a progress line (step, samples/s, losses, ETA) on stderr every N generator steps of a run "
                        "(default: a tenth of --steps, at least 1000; 0: none)")
    p.add_argument("--out", default="runs/modes", help="folder of per-run JSON + PNG (reruns skip finished runs)")
    p.add_argument("--combine", nargs="+", metavar="JSON",
                   help="pool the runs of earlier results of this script and print their summary (no training)")
    a = p.parse_args(argv)
    if a.combine:
        given = [t.split("=")[0] for t in (sys.argv[1:] if argv is None else argv) if t.startswith("--")]
        others = [t for t in given if t != "--combine"]
        if others:
            p.error(f"--combine pools finished runs and prints them; {', '.join(others)} would be ignored. Leave "
                    "them out, and redirect the output to keep it: modes.py --combine A.json B.json > pooled.json")
        results = []
        sources = [os.path.relpath(x, ROOT) if x.startswith(ROOT + os.sep) else x  # as recorded in the repository
                   for x in map(os.path.abspath, a.combine)]
        for path in a.combine:
            try:
                with open(path, encoding="utf-8") as f:
                    results.append(json.load(f))
            except (OSError, ValueError) as e:
                p.error(f"--combine {path}: cannot read it ({e}); give JSON files printed by benchmarks/modes.py")
        try:
            result = combine(results, sources)
        except CombineError as e:
            p.error(str(e))
        print(json.dumps(result, indent=2))
        return result
    machine = machine_facts()  # before the runs: the load at the start
    if a.steps_per_execution < 1 or a.steps % a.steps_per_execution:
        p.error(f"--steps-per-execution {a.steps_per_execution} must be >= 1 and divide --steps {a.steps}; "
                "for example --steps-per-execution 1.")
    if a.drs < 0 or (a.drs_percentile is not None and not 0 <= a.drs_percentile <= 100):
        p.error(f"--drs {a.drs} must be >= 0 (0: no DRS) and --drs-percentile {a.drs_percentile} in [0, 100]; "
                "for example --drs 5000.")
    if a.log_every is not None and a.log_every < 0:
        p.error(f"--log-every {a.log_every} must be >= 0 (0: no progress lines); for example --log-every 2000.")
    log_every = max(1000, a.steps // 10) if a.log_every is None else a.log_every
    if a.seeds < 1 or a.first_seed < 0:
        p.error(f"--seeds {a.seeds} must be >= 1 and --first-seed {a.first_seed} >= 0; for example --seeds 5.")
    if a.drs_batch is not None and (a.drs_batch < 1 or not a.drs):
        p.error(f"--drs-batch {a.drs_batch} must be >= 1 and needs --drs STEPS; for example --drs 20000 "
                "--drs-batch 1000.")
    if a.drs_sweep and not a.drs:
        p.error(f"--drs-sweep {','.join(f'{q:g}' for q in a.drs_sweep)} needs --drs STEPS; for example --drs 20000 "
                "--drs-sweep 50,80,95.")
    os.makedirs(a.out, exist_ok=True)
    from tfgan_zoo.io import write_text

    runs = []
    todo = [(m, loss, s) for m in a.mixtures.split(",") for loss in a.losses.split(",") for s in range(a.first_seed, a.first_seed + a.seeds)]
    options = {k: getattr(a, k) for k in DEFAULTS}
    jit = a.jit_compile == "on"
    for i, (m, loss, s) in enumerate(todo):
        path = os.path.join(a.out, run_name(m, loss, s, jit, **options) + ".json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                run = json.load(f)
            if run.get("steps") == a.steps:
                runs.append(run)
                continue
        print(f"[{i + 1}/{len(todo)}] {m} {loss} seed {s}: training {a.steps} steps", file=sys.stderr, flush=True)
        run = one_run(m, loss, s, a.steps, a.batch_size, a.out, steps_per_execution=a.steps_per_execution,
                      jit_compile=jit, log_every=log_every, **options)
        write_text(path, json.dumps(run) + "\n")
        print(f"[{i + 1}/{len(todo)}] {m} {loss} seed {s}: {run['modes']} modes, "
              f"{run['high_quality']:.1%} high quality, reverse KL {run['reverse_kl']} ({run['wall_s']} s)",
              file=sys.stderr, flush=True)
        if "after_drs" in run:
            for q, v in [("gamma", run["after_drs"]), *run["after_drs"].get("sweep", {}).items()]:
                what = "after DRS" + ("" if q == "gamma" else f", gamma at {q}")
                print(f"    {what}: " + (v["failed"] if "failed" in v else
                                         f"{v['modes']} modes, {v['high_quality']:.1%} high quality, reverse KL "
                                         f"{v['reverse_kl']} (kept {v['acceptance']:.2%} of the proposals)"),
                      file=sys.stderr, flush=True)
        runs.append(run)
    import tensorflow as tf

    result = {"benchmark": "modes",
              "protocol": {"networks": "PacGAN: G latent 2, 4x400 Dense+BN+ReLU; D 3x maxout(200, 5)",
                           "samples": 2500, "high_quality": "distance to nearest mode < 3 sigma",
                           "reverse_kl": "KL(mode histogram of high-quality samples || uniform), nats",
                           "steps": a.steps, "batch_size": a.batch_size, "seeds": a.seeds, "first_seed": a.first_seed, **options,
                           "steps_per_execution": a.steps_per_execution, "jit_compile": jit,
                           "statistic": "mean and standard error over seeds", **machine,
                           "tensorflow": tf.__version__},
              "summary": summarize(runs), "anchors_pacgan_table1": ANCHORS,
              "runs": [{k: v for k, v in r.items() if k != "counts"} for r in runs]}
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
