#!/usr/bin/env python3
"""The results tables, written from the result files: each number is typed nowhere.

    python benchmarks/results_table.py record RECIPE RESULT.json  # a recipe's result of record from a result file
    python benchmarks/results_table.py write                      # rewrite the tables (README, docs, benchmarks)
    python benchmarks/results_table.py check                      # exit 1 (with a diff) where a table is out of date

The recipe table. ``benchmarks/quality.py`` (or ``scripts/evaluate.py``) writes a result file under
``benchmarks/results/``; ``record`` copies its numbers into the recipe's ``"result"`` (``tfgan_zoo/recipes/
RECIPE.json``: mean, sample standard deviation and each seed's FID, KID, domain-classifier FID, generator
iterations, training wall time and CPU, with the FID protocol and the source file), keeping the recipe's
hand-written ``note``; ``write`` renders every recipe's result into the tables between the markers
``<!-- results-table:start -->`` and ``<!-- results-table:end -->`` of ``docs/results.md`` and
``benchmarks/README.md``, and a short table (recipe, data, FID, seeds) into the README's
``results-table-short`` markers.

Every other table. ``KINDS`` names each kind of table, the result files it is read from and a pure function
from their JSON to Markdown; ``write`` puts it between ``<!-- results-table:KIND:start -->`` and
``<!-- results-table:KIND:end -->`` wherever those markers are in the files of ``TABLE_FILES``, with a line
naming its source files and the CPU each file records. ``tests/test_results_table.py`` checks the links:
the tables are what ``write`` makes of the files, and each recipe's numbers are what ``record`` makes of its
source file.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import math
import os
import re
import statistics
import sys
from typing import Callable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tfgan_zoo import recipes  # noqa: E402  (no TensorFlow import)

START, END = "<!-- results-table:start -->", "<!-- results-table:end -->"
SHORT_START, SHORT_END = "<!-- results-table-short:start -->", "<!-- results-table-short:end -->"
#: the markers of a table kind: ``<!-- results-table:KIND:start -->`` ... ``<!-- results-table:KIND:end -->``
MARKER = re.compile(r"<!-- results-table:([A-Za-z0-9_-]+):(start|end) -->")
#: the files that hold tables: each holds the recipe table, the full one (docs/results.md, benchmarks/README.md)
#: or the short one (README.md), and any number of other kinds between their markers
TABLE_FILES = {os.path.join("docs", "results.md"): "full", os.path.join("benchmarks", "README.md"): "full",
               "README.md": "short"}
RESULTS = "benchmarks/results"
DOMAIN_FIDS = {"mnist_classifier_fid": "MNIST", "fashion_classifier_fid": "Fashion"}
#: result keys that ``record`` derives from the source file (everything else in a result is kept as it is)
DERIVED = ("metric", "value", "std", "seeds", "kid", "kid_std", *DOMAIN_FIDS,
           *(f"{k}_std" for k in DOMAIN_FIDS), "steps", "per_seed", "protocol", "source", "cpu")


def _rel(path: str) -> str:
    path = os.path.abspath(path)
    return os.path.relpath(path, ROOT) if path.startswith(ROOT + os.sep) else path


def short_cpu(cpu: str | None) -> str:
    """``"AMD EPYC, avx512f=True, avx512_bf16=True"`` -> ``"AMD EPYC, AVX-512"``; other texts as they are."""
    if not cpu:
        return "?"
    if "avx512f=" not in cpu:
        return cpu
    model = cpu.split(",")[0].replace("(R)", "").replace(" Processor", "").strip()
    return f"{model}, {'AVX-512' if 'avx512f=True' in cpu else 'AVX2'}"


# ---------------------------------------------------------------------------------------------------------------
# Formatting shared by every table
# ---------------------------------------------------------------------------------------------------------------

def pm(mean, err=None, digits: int = 2, scale: float = 1.0, unit: str = "") -> str:
    """``mean ± err`` with ``digits`` decimals after multiplying by ``scale`` (100 for percentages); "–" for None.
    The binary noise of a computed mean is rounded off first, so that 0.95149999... shows as the 95.2 of 0.9515."""
    if mean is None:
        return "–"
    text = f"{round(mean * scale, 9):.{digits}f}"
    if err is not None:
        text += f" ± {round(err * scale, 9):.{digits}f}"
    return text + unit


def pct(share, err=None, digits: int = 1) -> str:
    """A share in [0, 1] as a percentage: ``pct(0.9283, 0.0023)`` -> ``"92.8 ± 0.2%"``."""
    return pm(share, err, digits, 100.0, "%")


def small_pct(share, err=None) -> str:
    """A share that may be tiny, with the decimals its size needs: 0.088 -> 8.8%, 0.0021 -> 0.21%, 6e-05 -> 0.006%."""
    if share is None:
        return "–"
    digits = 1 if share >= 0.01 or share <= 0 else 1 - math.floor(math.log10(share * 100))
    return pct(share, err, digits)


def num(value, digits: int = 0) -> str:
    """``1234.5`` -> ``"1,235"`` (``digits`` decimals, thousands separated); "–" for None."""
    return "–" if value is None else f"{value:,.{digits}f}"


def md_table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


def mean_sd(values: list) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation of the values that are not None (None where undefined)."""
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else None


def shares(histogram: list[int]) -> str:
    """The smallest and largest class share of a class histogram: ``"1.2% / 22.6%"``."""
    total = sum(histogram)
    return f"{pct(min(histogram) / total)} / {pct(max(histogram) / total)}"


def weakest(per_class: list[float], k: int = 3) -> str:
    """The ``k`` classes with the lowest accuracy: ``"8: 47%, 6: 51%, 2: 52%"``."""
    order = sorted(range(len(per_class)), key=lambda c: (per_class[c], c))[:k]
    return ", ".join(f"{c}: {pct(per_class[c], digits=0)}" for c in order)


def train_flags(command: str) -> str:
    """The flags of the ``train.py`` call in a command, without its output and logging flags."""
    call = command.split(";")[0].split(" (")[0].split("train.py", 1)[-1].split()
    drop = {"--out": 2, "--no-tensorboard": 1, "--log-every": 2}
    kept, i = [], 0
    while i < len(call):
        if call[i] in drop:
            i += drop[call[i]]
            continue
        kept.append(call[i])
        i += 1
    return " ".join(kept)


def _own_cpus(d: dict) -> list:
    return [d.get("cpu")] + [m.get("cpu") for m in (d.get("machine"), d.get("protocol")) if isinstance(m, dict)]


def cpu_of(data: dict) -> str | None:
    """The CPUs a result file records (``cpu``, ``machine.cpu`` or ``protocol.cpu`` of the file, or of its seeds,
    runs or sources), shortened; None where it records none."""
    found = _own_cpus(data)
    for key in ("seeds", "runs", "sources"):
        items = data.get(key)
        found += [c for item in (items if isinstance(items, list) else []) if isinstance(item, dict)
                  for c in _own_cpus(item)]
    cpus = sorted({short_cpu(c) for c in found if c})
    return "; ".join(cpus) or None


def source_note(paths: list[str], datas: list[dict]) -> str:
    """``Source: `benchmarks/results/x.json` (AMD EPYC, AVX-512).``: each file with the CPU it records."""
    parts = [f"`{p}` ({cpu_of(d) or 'no CPU recorded'})" for p, d in zip(paths, datas)]
    return "Source: " + "; ".join(parts) + "."


# ---------------------------------------------------------------------------------------------------------------
# The recipe table: from each recipe's result of record
# ---------------------------------------------------------------------------------------------------------------

def _round(value, digits: int):
    return None if value is None else round(float(value), digits)


def _stats(values: list[float], digits: int) -> tuple[float | None, float | None]:
    mean, sd = mean_sd(values)
    return _round(mean, digits), _round(sd, digits)


def codes_result(data: dict, source: str | None) -> dict:
    """The derived part of an InfoGAN recipe's ``"result"`` from a ``benchmarks/infogan_codes.py`` file (one seed)."""
    cfg, conts = data["config"], data["continuous"]
    seed = {"seed": cfg.get("seed"), "matched_accuracy": _round(data["matched_accuracy"], 4),
            "worst_code_accuracy": _round(min(a for a in data["per_code_accuracy"] if a is not None), 3),
            "diversity_ratio": _round(data["diversity"]["mean_ratio"], 3),
            "continuous_retention_trained_range": [_round(e["trained"]["retention"], 4) for e in conts],
            "continuous_retention_extended_range": [_round(e["extended"]["retention"], 4) for e in conts],
            "slant_slope": [_round(e["trained"]["slant_slope"], 3) for e in conts],
            "width_slope": [_round(e["trained"]["width_slope"], 3) for e in conts],
            "steps": data.get("generator_steps"), "batch_size": cfg.get("batch_size"),
            "cpu": short_cpu(data["machine"]["cpu"])}
    return {"metric": (f"matched accuracy of the categorical code (Hungarian assignment of code values to digits; "
                       f"committed MNIST classifier, {data['protocol']['n_per_code']:,} images per code value)"),
            "value": seed["matched_accuracy"], "seeds": 1, "steps": seed["steps"], "per_seed": [seed],
            "source": _rel(source) if source else None, "cpu": seed["cpu"]}


def result_from_data(data: dict, source: str | None) -> dict:
    """The derived part of a recipe's ``"result"`` from the JSON ``data`` of the result file ``source``: a
    ``benchmarks/quality.py`` result (one seed or pooled by ``--combine``), a ``scripts/evaluate.py`` one, or a
    ``benchmarks/infogan_codes.py`` one (:func:`codes_result`)."""
    if data.get("benchmark") == "infogan_codes":
        return codes_result(data, source)
    raw = []  # the unrounded metrics of each seed: the statistics are taken on these
    if data.get("benchmark") == "quality":
        seeds = []
        machine = data.get("machine")
        run_cpu = machine.get("cpu") if isinstance(machine, dict) else None  # one run: the file's machine
        for s in data["seeds"]:
            m, facts = s["metrics"], s.get("facts", {})
            raw.append(m)
            seeds.append({"seed": s["seed"], "fid": _round(m.get("fid"), 2), "kid": _round(m.get("kid"), 4),
                          **{k: _round(m[k], 2) for k in DOMAIN_FIDS if m.get(k) is not None},
                          "steps": facts.get("generator_steps"),
                          "train_wall_s": _round(facts.get("wall_s_incl_evaluations") or
                                                 facts.get("last_session_wall_s"), 0),
                          "cpu": short_cpu(s.get("cpu") or run_cpu)})
        protocol = data["seeds"][0]["metrics"].get("protocol", {})
        dataset = data.get("flags", {}).get("dataset", "mnist")
    elif "fid" in data and "protocol" in data:
        raw = [data]
        seeds = [{"seed": 0, "fid": _round(data["fid"], 2), "kid": _round(data.get("kid"), 4), "steps": None,
                  "train_wall_s": None, "cpu": short_cpu(data.get("cpu"))}]
        protocol = data["protocol"]
        dataset = protocol.get("real", "mnist")
    else:
        raise SystemExit(f"{source} is neither a benchmarks/quality.py nor a scripts/evaluate.py result.")
    out: dict = {"metric": f"FID (standard Inception, {protocol.get('n_fake', '?'):,} generated vs "
                           f"{protocol.get('n_real', '?'):,} {'Fashion-MNIST' if dataset == 'fashion_mnist' else 'MNIST'}"
                           f" {protocol.get('reference_split', '?')})"}
    out["value"], out["std"] = _stats([m["fid"] for m in raw], 2)
    out["seeds"] = len(seeds)
    out["kid"], out["kid_std"] = _stats([m.get("kid") for m in raw], 4)
    for key in DOMAIN_FIDS:
        if any(key in m for m in raw):
            out[key], out[f"{key}_std"] = _stats([m.get(key) for m in raw], 2)
    steps = {s["steps"] for s in seeds}
    out["steps"] = steps.pop() if len(steps) == 1 else None
    out["per_seed"] = seeds
    out["protocol"] = {k: protocol.get(k) for k in ("network", "resize", "n_real", "n_fake", "reference_split")}
    out["source"] = _rel(source) if source else None
    out["cpu"] = "; ".join(sorted({s["cpu"] for s in seeds}))
    return {k: v for k, v in out.items() if v is not None or k in ("std",)}


def result_of_record(source: str) -> dict:
    """The derived part of a recipe's ``"result"`` from the result file ``source`` (see ``result_from_data``)."""
    with open(source, encoding="utf-8") as f:
        return result_from_data(json.load(f), source)


def record(name: str, source: str) -> dict:
    """Write ``result_of_record(source)`` into recipe ``name`` (its other result keys, such as ``note``, kept)."""
    recipes.load(name)  # refuses unknown names
    path = os.path.join(recipes.FOLDER, name + ".json")
    with open(path, encoding="utf-8") as f:
        recipe = json.load(f)
    kept = {k: v for k, v in (recipe.get("result") or {}).items() if k not in DERIVED}
    recipe["result"] = {**result_of_record(source), **kept}
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(recipe, indent=2, ensure_ascii=False) + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return recipe["result"]


def setup(flags: dict) -> str:
    """A short description of a recipe's training from its flags (not typed anywhere)."""
    parts = [flags.get("loss", "nsgan"), flags.get("arch", "dcgan")]
    if flags.get("d-norm", "none") != "none":
        parts.append(f"D {flags['d-norm']} norm")
    if flags.get("constraint"):
        parts.append(f"D {flags['constraint']}")
    if flags.get("conditional", "none") != "none":
        parts.append(f"{flags['conditional']} conditional")
    if flags.get("minibatch-discrimination"):
        parts.append("minibatch discrimination")
    if flags.get("ema"):
        parts.append(f"EMA {flags['ema']}" + (f" from {flags['ema-start']}" if flags.get("ema-start") else ""))
    parts.append(f"batch {flags.get('batch-size', 32)}, z {flags.get('latent-dim', 100)} {flags.get('prior', 'normal')}")
    parts.append("best epoch kept" if flags.get("keep-best") else "last generator")
    return ", ".join(str(p) for p in parts)


def _dataset(flags: dict) -> str:
    return "Fashion-MNIST" if flags.get("dataset") == "fashion_mnist" else "MNIST"


def result_cells(res: dict) -> list[str]:
    """A measured result's cells: standard FID (each seed), KID, classifier FID, seeds, iterations, wall s, CPU."""
    seeds = res["per_seed"]
    fid = f"**{pm(res['value'], res.get('std'), 2)}**"
    if len(seeds) > 1:
        fid += " (" + ", ".join(f"{s['fid']:.2f}" for s in seeds) + ")"
    dom = "–"
    for key, label in DOMAIN_FIDS.items():
        if key in res:
            dom = f"{label} {pm(res[key], res.get(key + '_std'), 2)}"
    walls = [s.get("train_wall_s") for s in seeds]
    wall = ", ".join(f"{w:,.0f}" for w in walls if w) or "–"
    steps = f"{res['steps']:,}" if res.get("steps") else "–"
    return [fid, pm(res.get("kid"), res.get("kid_std"), 4), dom, str(len(seeds)), steps, wall, res.get("cpu", "?")]


def measured_recipes() -> tuple[list[tuple[str, dict, dict]], list[str]]:
    """``([(name, flags, result), ...] of the recipes with an FID of record, [names of those with none])``.
    Recipes judged by another metric (``mnist-infogan``: its codes' matched accuracy) are in neither list: their
    results have tables of their own."""
    measured, unmeasured = [], []
    for name in recipes.names():
        r = recipes.load(name)
        res = r["result"]
        if not (res and "per_seed" in res):
            unmeasured.append(name)
        elif str(res.get("metric", "FID")).startswith("FID"):
            measured.append((name, r["flags"], res))
    return measured, unmeasured


def partial_runs(name: str, results_dir: str | None = None) -> list[tuple[str, dict]]:
    """``[(path, data), ...]``: the partial result files of recipe ``name`` (``partial_NAME_seedK_*.json`` whose
    ``recipe`` is ``name`` and that give ``target_steps``: a run still training, with its curve so far)."""
    folder = results_dir or os.path.join(ROOT, RESULTS)
    found = []
    for fname in sorted(os.listdir(folder)):
        if fname.startswith(f"partial_{name}_seed") and fname.endswith(".json"):
            with open(os.path.join(folder, fname)) as f:
                data = json.load(f)
            if data.get("recipe") == name and data.get("target_steps") and data.get("epochs"):
                found.append((f"{RESULTS}/{fname}", data))
    return found


def partial_note(path: str, data: dict) -> str:
    """One partial run in a sentence: seed, iterations so far of the target, last in-training classifier FID."""
    last = data["epochs"][-1]
    fids = [(label, last[k]) for k, label in DOMAIN_FIDS.items() if k in last]
    fid = f", in-training {fids[0][0]}-classifier FID {fids[0][1]:.1f} after its last epoch" if fids else ""
    return (f"`{data['recipe']}` seed {data['seed']}: {last['step']:,} of {data['target_steps']:,} iterations"
            f"{fid} (`{path}`, {cpu_of(data) or 'no CPU recorded'})")


def render() -> str:
    """The results table of every recipe: measured ones by dataset and FID, then the runs still training (their
    partial files), then the unmeasured."""
    measured, unmeasured = measured_recipes()
    rows = sorted(((_dataset(flags), res["value"]), [f"`{name}`", _dataset(flags), setup(flags), *result_cells(res)])
                  for name, flags, res in measured)
    protocol = ("Standard FID: the 2015-12-05 FID Inception pool_3, bilinear resize to 299, grey repeated to RGB, "
                "10,000 generated against the first 10,000 test images; mean ± sample standard deviation over "
                "seeds (each seed in brackets). Written by `benchmarks/results_table.py` from each recipe's "
                "`result` (`tfgan_zoo/recipes/NAME.json`), which names its result file.")
    text = protocol + "\n\n" + md_table(["recipe", "data", "setup (from its flags)", "standard FID", "KID",
                                          "classifier FID", "seeds", "iterations", "train s per seed", "CPU"],
                                         [row for _, row in rows])
    partial = {name: partial_runs(name) for name in unmeasured}
    if any(partial.values()):
        text += ("\n\nPartial runs (no standard FID yet): "
                 + "; ".join(partial_note(p, d) for runs in partial.values() for p, d in runs) + ".")
    unmeasured = [n for n in unmeasured if not partial[n]]
    if unmeasured:
        text += "\n\nNot measured yet: " + ", ".join(f"`{n}`" for n in unmeasured) + "."
    return text


def render_short() -> str:
    """The README's table: each measured recipe's dataset, standard FID and seeds, best first per dataset."""
    rows = []
    for name, flags, res in measured_recipes()[0]:
        cond = " (conditional)" if flags.get("conditional", "none") != "none" else ""
        rows.append(((_dataset(flags), res["value"]), [f"`{name}`{cond}", _dataset(flags),
                                                      pm(res["value"], res.get("std"), 2), res["seeds"]]))
    return md_table(["recipe", "data", "standard FID", "seeds"], [row for _, row in sorted(rows)])


# ---------------------------------------------------------------------------------------------------------------
# The other kinds: each a pure function of its files' JSON (in KINDS' order) to Markdown
# ---------------------------------------------------------------------------------------------------------------

def render_quality_runs(*datas: dict) -> str:
    """``benchmarks/quality.py`` results that are no recipe's result of record, with the flags they ran with."""
    rows = []
    for data in datas:
        res = result_from_data(data, None)
        rows.append([f"`{data['recipe']}` as it ran then", setup(data["flags"]), *result_cells(res)])
    return md_table(["run", "setup (its flags then)", "standard FID", "KID", "classifier FID", "seeds",
                     "iterations", "train s per seed", "CPU"], rows)


def render_quickstart(screening: dict) -> str:
    """The one-epoch quick-start candidates of the screening file."""
    part, rows = screening["quickstart_candidates"], []
    for run in part["runs"]:
        flags = f"`{train_flags(run['train_command'])}`"
        if "stopped" in run:
            rows.append([run["candidate"], flags, "not scored: stopped " + run["stopped"], "–", "–"])
            continue
        rows.append([run["candidate"], flags, num(run["mnist_classifier_fid"], 2), num(run["train_wall_s"]),
                     shares(run["class_histogram"])])
    table = md_table(["candidate", "flags", "MNIST-classifier FID", "train s", "smallest / largest class share"],
                     rows)
    return f"{part['protocol']}. From the file: {screening['note']}.\n\n{table}"


def render_inception_screen(screen: dict) -> str:
    """One-epoch generators scored by the standard Inception at a small N beside their MNIST-classifier FID, best
    KID first."""
    rows = [[f"`{r['name']}`", f"`{r['flags']}`", f"{r['steps']:,}", num(r["mnist_classifier_fid"], 1),
             shares(r["class_histogram"]), pm(r["kid"], r["kid_std"], digits=4), num(r["fid"], 1)]
            for r in sorted(screen["runs"], key=lambda r: r["kid"])]
    table = md_table(["run", "flags", "steps", "MNIST-classifier FID (10k)", "smallest / largest class share",
                      "KID ± sd (standard Inception)", "FID (standard Inception, biased at this N)"], rows)
    return f"{screen['protocol']}. From the file: {screen['note']}\n\n{table}"


def render_precision_quality(data: dict) -> str:
    """``precision_quality.py``: each seed's domain-classifier FID under float32 and mixed_bfloat16, and the
    difference against the float32 seeds' spread."""
    runs, s = data["runs"], data["summary"]
    seeds = sorted(runs["float32"], key=int)  # seeds 0 .. n-1, the order of the summary's per-seed differences
    rows = [[seed, num(runs["float32"][seed]["classifier_fid"], 2), num(runs["mixed_bfloat16"][seed]["classifier_fid"], 2),
             f"{diff:+.2f}"] for seed, diff in zip(seeds, s["bfloat16_minus_float32_per_seed"], strict=True)]
    verdict = ("within" if s["within_seed_spread"] else "outside") if s["within_seed_spread"] is not None else "–"
    caption = (f"`precision_quality.py --recipe {data['recipe']} --epochs {data['epochs']} --seeds {len(seeds)}`: "
               f"{data['protocol']['evaluation']}. Mean difference (bfloat16 − float32) "
               f"{s['bfloat16_minus_float32_mean']:+.2f} against the float32 seeds' standard deviation "
               f"{num(s['float32_seed_std'], 2)}: {verdict} what one seed tells apart.")
    return caption + "\n\n" + md_table(["seed", "float32", "mixed_bfloat16", "difference"], rows)


def _judge_row(label: str, run: dict, judge_accuracy: float, cpu: str | None) -> list[str]:
    per_class = run["class_accuracy_per_class"]
    return [label, pct(run["class_accuracy"]), weakest(per_class), f"{run['n']:,}", pct(judge_accuracy, digits=2),
            cpu or "–"]


_JUDGE_HEADER = ["run", "requested digit (judge)", "weakest classes", "digits judged", "judge on real test digits",
                 "CPU"]


def render_conditional(screening: dict, *judged: dict) -> str:
    """The conditional one-epoch runs of the screening file and one-epoch runs judged later (``judge.py`` files)."""
    part = screening["conditional_one_epoch"]
    n = int(re.search(r"([\d,]+) generated digits", part["protocol"]).group(1).replace(",", ""))
    rows = [_judge_row(f"`{train_flags(run['train_command'])}`", {"n": n, **run}, part["judge_test_accuracy"],
                       cpu_of(screening)) for run in part["runs"]]
    rows += [_judge_row(f"`{train_flags(d['command'])}`", d, d["judge_test_accuracy"], cpu_of(d)) for d in judged]
    return f"{part['protocol']}.\n\n{md_table(_JUDGE_HEADER, rows)}"


def render_conditional_screen(screen: dict) -> str:
    """One-epoch conditional candidates judged on 10,000 digits, with their seeds, weakest classes and the
    MNIST-classifier FID (what the class accuracy costs in sample quality)."""
    rows = []
    for name, r in screen["results"].items():
        seeds = r["seeds"]
        acc = [s["judge_accuracy"] for s in seeds]
        m, sd = mean_sd(acc)
        fids = [s["mnist_classifier_fid"] for s in seeds if s["mnist_classifier_fid"] is not None]
        fm, fsd = mean_sd(fids)
        per_class = [statistics.fmean(c) for c in zip(*(s["judge_per_class"] for s in seeds))]
        rows.append([name, f"`{' '.join(r['flags']) or '(the recipe)'}`", f"**{pct(m, sd)}**",
                     ", ".join(f"{100 * a:.1f}" for a in acc), ", ".join(str(s["seed"]) for s in seeds),
                     weakest(per_class), pm(fm, fsd) if fids else "–",
                     ", ".join(f"{s['train_wall_s']:,.0f}" for s in seeds)])
    header = ["candidate", "flags after `--recipe mnist-acgan --epochs 1`", "requested digit (judge)", "per seed, %",
              "seeds", "weakest classes", "MNIST-classifier FID", "train s (shared CPU)"]
    return f"{screen['protocol']} Goal: {screen['goal']}.\n\n{md_table(header, rows)}"


def render_judge(*judged: dict) -> str:
    """``judge.py`` results of exported generators, with the file's note."""
    rows = [_judge_row(f"`{d['generator']}`", d, d["judge_test_accuracy"], cpu_of(d)) for d in judged]
    notes = " ".join(f"From the file: {d['note']}" for d in judged if d.get("note"))
    return md_table(_JUDGE_HEADER, rows) + (f"\n\n{notes}" if notes else "")


def render_truncation(data: dict) -> str:
    """The truncation trick on the one-epoch conditional runs: each threshold over the seeds that measured it."""
    by_t: dict = {}
    for run in data["runs"]:
        for row in run["rows"]:
            by_t.setdefault(row["truncation"], []).append((run["seed"], row))
    out = []
    for t, rows in by_t.items():
        acc = [r["judge_accuracy"] for _, r in rows]
        fid = mean_sd([r["classifier_fid"] for _, r in rows])
        share = mean_sd([r["class_share_min"] for _, r in rows])
        out.append(["none (the prior)" if t is None else f"{t:g}", pct(*mean_sd(acc)),
                    ", ".join(f"{a * 100:.1f}" for a in acc) if len(acc) > 1 else "–",
                    ", ".join(str(s) for s, _ in rows), pm(*fid, 2), pct(*share)])
    p = data["runs"][0]["protocol"]
    train = re.sub(r"--seed \d+", "--seed S", data["runs"][0]["train_command"])
    caption = (f"`{data['recipe']}`: `{train}` for each seed S, then `{data['command']}`. Noise: "
               f"{p['noise']}; {p['n_fake']:,} generated digits (labels {p['labels']}), judged by {p['judge']}; "
               f"the MNIST-classifier FID against {p['n_real']:,} {p['reference_split']} digits. Mean ± sample "
               f"standard deviation over the seeds that measured the threshold. Goal: {data['goal']}.")
    return caption + "\n\n" + md_table(["truncation `t`", "requested digit (judge)", "per seed, %", "seeds",
                                        "MNIST-classifier FID", "smallest class share"], out)


def modes_setup(p: dict) -> str:
    """A 2-D mixture run's configuration from its protocol (the keys the file has)."""
    parts = [f"{p['steps']:,} steps, batch {p['batch_size']}"]
    if p.get("pack", 1) != 1:
        parts.append(f"pack {p['pack']}")
    if p.get("optimizer", "default") != "default":
        parts.append(f"{p['optimizer']} optimizer")
    if p.get("lr_decay", "none") != "none":
        parts.append(f"{p['lr_decay']} LR decay")
    if p.get("ema"):
        parts.append(f"EMA {p['ema']}")
    if p.get("jit_compile"):
        parts.append("XLA")
    if p.get("drs"):
        parts.append(f"DRS classifier fitted {p['drs']:,} steps")
    return ", ".join(parts)


def _modes_cells(stats: dict) -> list[str]:
    """Modes, high-quality share and reverse KL (mean ± s.e. where there is one) of a summary entry."""
    kl = stats.get("reverse_kl") or [None, None]
    return [pm(*stats["modes"], 1), pct(*stats["high_quality"]), pm(*kl, 3)]


def render_modes(*datas: dict) -> str:
    """The 2-D mixture benchmark: PacGAN's published rows (as each file gives them) and ours, per mixture."""
    rows = []
    for data in datas:
        for mixture, by_loss in data["summary"].items():
            for name, (modes, hq, kl) in data["anchors_pacgan_table1"][mixture].items():
                rows.append([mixture, f"PacGAN Table 1 (published): {name}", f"{modes:.1f}", pct(hq), f"{kl:.2f}",
                             "–"])
            for loss, stats in by_loss.items():
                runs = [r for r in data["runs"] if r["mixture"] == mixture and r["loss"] == loss]
                per_seed = ", ".join(f"{r['modes']} / {pct(r['high_quality'])}" for r in runs)
                rows.append([mixture, f"**ours: `{loss}`**, {stats['seeds']} seeds", *_modes_cells(stats),
                             per_seed])
    p = datas[0]["protocol"]
    caption = (f"Ours: {modes_setup(p)}; {p['samples']:,} samples scored; high quality: {p['high_quality']}; "
               f"reverse KL: {p['reverse_kl']}; {p['statistic']}.")
    return caption + "\n\n" + md_table(["mixture", "run", "modes", "high quality", "reverse KL",
                                        "per seed (modes / high quality)"], rows)


def _drs_seed(result: dict) -> str:
    if result.get("failed"):
        return f"failed (kept {result['n']:,})"
    return f"{result['modes']} / {pct(result['high_quality'])}"


def render_drs_sweep(data: dict) -> str:
    """Discriminator rejection sampling on the 2-D mixture runs: the raw generator, γ = 0 and each swept γ."""
    (mixture, by_loss), = data["summary"].items()
    (loss, stats), = by_loss.items()
    after = stats["after_drs"]
    settings = [("raw generator", stats, lambda r: r), ("DRS, γ = 0: exact rejection sampling", after,
                                                        lambda r: r["after_drs"])]
    settings += [(f"DRS, γ at the {k[1:]}th percentile of F", s, lambda r, k=k: r["after_drs"]["sweep"][k])
                 for k, s in after["sweep"].items()]
    rows = []
    for label, s, pick in settings:
        scored = s.get("scored", stats["seeds"] - s.get("failed", 0))
        if scored < stats["seeds"]:
            label += f" ({scored} of {stats['seeds']} seeds kept their samples)"
        kept = small_pct(*s["acceptance"]) if "acceptance" in s else "–"
        rows.append([label, *_modes_cells(s), kept, ", ".join(_drs_seed(pick(r)) for r in data["runs"])])
    caption = (f"{mixture}, `{loss}`: {modes_setup(data['protocol'])}; seeds {', '.join(str(r['seed']) for r in data['runs'])}; "
               f"{data['protocol']['statistic']}. Kept: the share of proposals accepted.")
    return caption + "\n\n" + md_table(["setting", "modes", "high quality", "reverse KL", "kept",
                                        "per seed (modes / high quality)"], rows)


def render_modes_runs(*datas: dict) -> str:
    """Single 2-D mixture runs and screens: every (mixture, loss) of each file, after DRS where it was scored."""
    rows = []
    for data in datas:
        for mixture, by_loss in data["summary"].items():
            for loss, stats in by_loss.items():
                after = stats.get("after_drs")
                drs = ("–" if not after else f"{after['modes'][0]:.0f} / {pct(after['high_quality'][0])} / "
                       f"{after['reverse_kl'][0]:.3f}, kept {small_pct(after['acceptance'][0])}")
                rows.append([mixture, f"`{loss}`: {modes_setup(data['protocol'])}", str(stats["seeds"]),
                             *_modes_cells(stats), drs, cpu_of(data) or "–"])
    return md_table(["mixture", "run", "seeds", "modes", "high quality", "reverse KL",
                     "after DRS (modes / high quality / reverse KL)", "CPU"], rows)


#: family members whose 2-D mixture run is named otherwise in the modes file
MODES_NAMES = {"nsgan+feature-matching": "nsgan+fm-add"}


def _toy_cell(summary: dict, mixture: str, member: str) -> str:
    stats = summary.get(mixture, {}).get(MODES_NAMES.get(member, member))
    if stats is None:
        return "n/a"
    if stats.get("diverged"):
        return "diverged"
    return f"{stats['modes'][0]:.0f} / {pct(stats['high_quality'][0])} / {stats['reverse_kl'][0]:.2f}"


def render_family(family: dict, modes: dict | None = None) -> str:
    """One short MNIST run per family member (``benchmarks/family.py``), with its 2-D mixture screen if given."""
    header = ["member", "flags", "MNIST-classifier FID", "smallest / largest class share"]
    rows = [[f"`{r['member']}`", f"`{' '.join(r['flags'])}`", num(r["mnist_classifier_fid"], 2),
             shares(r["class_histogram"])] for r in family["results"]]
    caption = (f"{family['epochs']} epoch (seed {family['seed']}, {family['results'][0]['generator_steps']:,} "
               f"generator steps), {family['n']:,} generated digits; reference `{family['reference']['member']}` in "
               f"the same run.")
    if family.get("note"):
        caption += f" From the file: {family['note']}"
    if modes:
        header += ["ring: modes / HQ / rev. KL", "grid: modes / HQ / rev. KL"]
        rows = [row + [_toy_cell(modes["summary"], m, r["member"]) for m in ("ring", "grid")]
                for row, r in zip(rows, family["results"])]
        p = modes["protocol"]
        caption += (f" Ring and grid (`benchmarks/modes.py`): {modes_setup(p)}, {p['seeds']} seed; n/a: the option "
                    f"is not in the toy networks; diverged: the generator's samples became non-finite.")
    return caption + "\n\n" + md_table(header, rows)


def render_translation(*datas: dict) -> str:
    """``train.py --model pix2pix|cyclegan`` runs by their metrics against the known targets."""
    rows = [[d["model"], d["pairs"], d["loss"], num(d["metrics"]["l1"], 3), num(d["metrics"]["ssim"], 3),
             pct(d["metrics"]["label_preservation"]), f"{d['generator_steps']:,}", num(d["wall_time_s"])]
            for d in datas]
    return md_table(["model", "pairs", "loss", "L1", "SSIM", "label preservation", "steps", "wall s"], rows)


def render_evaluations(*datas: dict) -> str:
    """``scripts/evaluate.py`` results: FID and KID with their protocol."""
    rows = [[f"`{p['fake']}`", f"{p['real']} {p['reference_split']}", f"{p['n_fake']:,} vs {p['n_real']:,}",
             p["network"], num(d["fid"], 1), pm(d["kid"], d.get("kid_std"), 3)]
            for d in datas for p in [d["protocol"]]]
    return md_table(["generator", "real images", "generated vs real", "network", "FID", "KID"], rows)


def render_input_pipeline(data: dict) -> str:
    """``benchmarks/input_pipeline.py``: the pipeline against the train step it feeds."""
    m, j = data["mnist"], data["jpeg_folder_64"]
    rows = [["MNIST, in memory", num(m["images_per_s"]), num(m["train_step_images_per_s"], 1), num(m["ratio"], 1)],
            [f"{j['files']:,} 64×64 JPEGs, cached", num(j["images_per_s"]), num(j["train_step_images_per_s"], 1),
             num(j["ratio"], 1)],
            ["the same, streamed (decoded every epoch)", num(j["streamed_images_per_s"]),
             num(j["train_step_images_per_s"], 1), num(j["streamed_ratio"], 1)],
            ["the same, cold first epoch", num(j["first_epoch_images_per_s"]), num(j["train_step_images_per_s"], 1),
             num(j["first_epoch_ratio"], 1)]]
    p = data["protocol"]
    caption = (f"Batch {p['batch_size']}, {p['statistic']} of {p['rounds']} rounds; train step: {p['train_step']}; "
               f"{p['machine']}, TensorFlow {p['tensorflow']}.")
    return caption + "\n\n" + md_table(["data", "pipeline images/s", "train step images/s", "ratio"], rows)


def render_fid_features(*datas: dict) -> str:
    """``benchmarks/fid_features.py``: our FID feature extraction against the TorchScript reference."""
    rows = [[cpu_of(d) or "not recorded", num(d["ours_images_per_s"], 1), num(d["reference_images_per_s"], 1),
             f"**{d['speedup']:.2f}×**", num(d["ours_cpu_s_per_image"], 3), num(d["reference_cpu_s_per_image"], 3),
             f"{d['max_abs_feature_diff']:.1e}", num(d.get("load_average_at_start"), 2)] for d in datas]
    d = datas[0]
    caption = (f"{d['rounds']} rounds of {d['images_per_round']} images {tuple(d['input'])}, batch {d['batch_size']}, "
               f"torch {d['torch_version']} with {d['torch_threads']} threads; medians.")
    return caption + "\n\n" + md_table(["CPU", "ours images/s", "reference images/s", "speedup", "ours CPU s/image",
                                        "reference CPU s/image", "max feature difference", "load average"], rows)


def render_fid_agreement(data: dict) -> str:
    """``benchmarks/fid_agreement.py``: our FID against pytorch-fid's computation on the same images."""
    rows = [[pair, f"{data[key]['fid_ours']:.6f}", f"{data[key]['fid_reference']:.6f}",
             f"**{data[key]['rel_diff']:.1e}**"]
            for pair, key in (("test vs train", "test_vs_train"), ("test vs inverted train", "test_vs_train_inverted"))]
    caption = (f"{data['n']:,} + {data['n']:,} MNIST digits; largest feature difference "
               f"{data['max_abs_feature_diff']:.1e}; {num(data['seconds']['ours'], 1)} s (ours) and "
               f"{num(data['seconds']['reference'], 1)} s (reference).")
    return caption + "\n\n" + md_table(["pair", "FID, ours", "FID, reference", "relative difference"], rows)


def render_frechet(data: dict) -> str:
    """``benchmarks/frechet.py``: our Fréchet distance against the ``scipy.linalg.sqrtm`` computation."""
    p = data["protocol"]
    rows = [[num(data["ours_s"], 3), num(data["scipy_sqrtm_s"], 2), f"**{data['speedup']:.1f}×**",
             f"{data['speedup_of_fastest']:.1f}×", f"**{data['rel_diff']:.1e}**"]]
    caption = (f"{p['dim']}-d features, {p['n_per_set']:,} per set, median of {p['repeats']}; numpy {p['numpy']}, "
               f"scipy {p['scipy']}, {p['machine']}.")
    return caption + "\n\n" + md_table(["ours s", "scipy sqrtm s", "speedup (medians)", "speedup (fastest)",
                                        "relative difference"], rows)


def render_resume_time(*datas: dict) -> str:
    """``benchmarks/resume_time.py``: process start to the end of the first step, fresh and resumed."""
    rows = []
    for d in datas:
        load = d["machine"].get("load_average") or [None]
        rows.append([cpu_of(d) or "not recorded", d.get("transpose_impl", "–"), str(d["rounds"]),
                     num(d["seconds"]["fresh"], 2), num(d["seconds"]["resume"], 2),
                     num(d["seconds"]["resume_end_of_pass"], 2), f"{d['resume_over_fresh']:.2f}×", num(load[0], 1)])
    return (datas[0]["protocol"] + ".\n\n" +
            md_table(["CPU", "transposed convolutions", "rounds", "fresh s", "resume s", "resume at the end of a pass s",
                      "resume / fresh", "load average"], rows))


def _xla_speedups(d: dict) -> tuple[float, float]:
    """(XLA, no XLA) nsgan speedups over the reference: where a file has ``nsgan_no_xla``, its ``nsgan`` was
    the XLA step (the default then); where it has ``nsgan_xla``, its ``nsgan`` was the step without XLA."""
    s = d["speedup_by_loss"]
    return (s["nsgan"], s["nsgan_no_xla"]) if "nsgan_no_xla" in s else (s["nsgan_xla"], s["nsgan"])


def render_train_step_xla(*datas: dict) -> str:
    """``benchmarks/train_step.py`` (native layers): the nsgan step with and without XLA, per CPU."""
    rows = [[cpu_of(d) or "not recorded", num(d["protocol"].get("load_average_at_start"), 2),
             num(d["reference_images_per_s"], 1), *(f"{x:.2f}×" for x in _xla_speedups(d))] for d in datas]
    p = datas[0]["protocol"]
    caption = (f"{p['network']}, batch {p['batch_size']}, {p['precision']}, {p['statistic']} ({p['rounds']} rounds "
               f"of {p['steps']} steps); speedup: our images/s over the reference's.")
    return caption + "\n\n" + md_table(["CPU", "load average", "reference images/s", "ours nsgan, XLA",
                                        "ours nsgan, no XLA"], rows)


def render_train_step_share(data: dict, repeat: dict) -> str:
    """``benchmarks/train_step.py``: each loss's step with native and sub-pixel transposed convolutions, as a
    share of the adjacent matmul rate, with the same shares in a repeat run."""
    ms, share, flops = data["ms_per_step"], data["share_of_matmul"], data["gflop_per_step"]
    rows = [[loss, num(flops[loss], 1), num(ms["native"][loss]), pct(share["native"][loss], digits=0),
             num(ms["subpixel"][loss]), f"**{pct(share['subpixel'][loss], digits=0)}**",
             f"{data['subpixel_speedup'][loss]:.2f}×",
             f"{pct(repeat['share_of_matmul']['native'][loss], digits=0)} → "
             f"{pct(repeat['share_of_matmul']['subpixel'][loss], digits=0)}"] for loss in ms["native"]]
    ref = data["reference"]
    rows.append(["keras-io reference (native layers)", num(flops["reference"], 1), num(ref["ms_per_step"]),
                 pct(ref["share_of_matmul"], digits=0), "", "", "", pct(repeat["reference"]["share_of_matmul"], digits=0)])
    p = data["protocol"]
    caption = (f"{p['network']}, batch {p['batch_size']}, {p['rounds']} rounds of {p['steps']} steps; GFLOP: "
               f"{p['flops']}; share: {p['share_of_matmul']} (matmul {data['matmul_gflop_per_s']} GFLOP/s; "
               f"{repeat['matmul_gflop_per_s']} in the repeat run). The nsgan step through XLA (sub-pixel): "
               f"{num(data['xla_nsgan']['ms_per_step'])} ms.")
    return caption + "\n\n" + md_table(["step", "GFLOP", "native ms", "native share", "sub-pixel ms",
                                        "**sub-pixel share**", "sub-pixel speedup",
                                        "share in the repeat run (native → sub-pixel)"], rows)


def _cpu_kind(data: dict) -> str:
    """The CPU of a ``train_step_networks`` file, with oneDNN's ISA cap where one was set."""
    cap = data["protocol"].get("onednn_max_cpu_isa")
    return short_cpu(data["protocol"]["cpu"]) + (f", oneDNN capped at {cap}" if cap else "")


def render_train_step_networks(*datas: dict) -> str:
    """``train_step.py --networks``: each recipe network's step per configuration and CPU (ms and iterations
    per hour), its GFLOP and the fastest configuration's share of the matmul rate."""
    p = datas[0]["protocol"]
    differ = [k for k in ("batch_size", "rounds", "steps", "loss", "configs")
              if any(d["protocol"][k] != p[k] for d in datas)]
    if differ:  # one caption and one set of columns speak for every row
        raise SystemExit(f"train-step-networks: the files' protocols differ in {differ}; time them alike")
    configs = p["configs"]
    rows = []
    for data in datas:
        for name, r in data["networks"].items():
            cells = [f"{num(r[c]['ms_per_step'])} ms ({num(r[c]['iterations_per_hour'])}/h)" if c in r else "–"
                     for c in configs]
            best = r["fastest"]
            rows.append([f"`{name}`", _cpu_kind(data), num(r["gflop_per_step"], 1), *cells, best,
                         f"{100 * r[best]['share_of_matmul']:.0f}%"])
    mm = "; ".join(f"{_cpu_kind(d)} {', '.join(f'{k} {v}' for k, v in d['matmul_gflop_per_s'].items())}"
                   for d in datas)
    caption = (f"One NS-GAN step (D then G) at batch {p['batch_size']} on {p['image_shape'][0]}×"
               f"{p['image_shape'][1]} images, {p['statistic']} ({p['rounds']} rounds of {p['steps']} steps); "
               f"GFLOP: {p['flops']}; share: the step's GFLOP/s over a {p['matmul']}. Matmul GFLOP/s: {mm}. "
               "mixed_bfloat16 is timed only where the CPU has native bfloat16 (AVX512_BF16 or AMX).")
    heads = {"float32/native": "float32 native", "float32/subpixel": "float32 sub-pixel", "float32/xla": "float32 XLA"}
    return caption + "\n\n" + md_table(["network", "CPU", "GFLOP", *(heads.get(c, c) for c in configs), "fastest",
                                        "its share of matmul"], rows)


def render_quickstart_epoch(*datas: dict) -> str:
    """The quick start's epoch under each configuration (transposed-convolution implementation, XLA), one table
    per CPU."""
    parts = []
    for data in datas:
        rows = [[impl, num(r["wall_time_s"], 1), num(r["process_s"], 1), num(r["ms_per_step"], 1),
                 num(r["images_per_s"], 1), f"{r['final']['d_loss']:.4f}"] for impl, r in data["runs"].items()]
        p = data["protocol"]
        caption = (f"{short_cpu(p['cpu'])}, {p['date']}: `{p['command']}`; {p['statistic']}. Made by: "
                   f"{p['made_by']}. Speedup: {data['speedup']:.2f}×.")
        parts.append(caption + "\n\n" + md_table(["configuration", "fit s", "process s", "ms per step", "images/s",
                                                  "final d_loss"], rows))
    return "\n\n".join(parts)


def render_faults(data: dict) -> str:
    """``benchmarks/faults.py``: each fault's trials and outcomes."""
    keys = ("trials", "recovered", "clean_error_then_recovered", "unaffected", "lost")
    rows = [[f"`{name}`", *(str(f[k]) for k in keys)] for name, f in data["faults"].items()]
    rows.append(["**all**", str(data["trials"]), "", "", "", f"**{data['lost']}**"])
    refs = data.get("references")
    took = (f"uninterrupted reference run took {data['reference_training_time_s']} s" if not refs else
            "uninterrupted reference runs took " + ", ".join(f"{r['reference_training_time_s']} s ({kind})"
                                                             for kind, r in refs.items()))
    caption = (f"Target: {data['target']} ({'met' if data['target_met'] else 'not met'}); "
               f"{num(data['wall_time_s'])} s in all; the {took}.")
    return caption + "\n\n" + md_table(["fault", "trials", "recovered", "refused cleanly, then recovered",
                                        "unaffected", "lost"], rows)


def render_infogan_codes(*datas: dict) -> str:
    """``benchmarks/infogan_codes.py`` results: the categorical code's matched accuracy, the use of z and what
    each continuous code does over the trained range [-1, 1] (and [-2, 2])."""
    rows = []
    for d in datas:
        c = d["config"]
        per = [a for a in d["per_code_accuracy"] if a is not None]
        conts = "; ".join(
            f"code {e['code']}: class kept {pct(e['trained']['retention'])} ({pct(e['extended']['retention'])}), "
            f"slant {e['trained']['slant_slope']:+.3f}/unit, width {e['trained']['width_slope']:+.2f} px/unit"
            for e in d["continuous"])
        rows.append([f"`{c.get('arch')}` {c.get('loss')}, seed {c.get('seed')}",
                     f"{d['generator_steps']:,} x {c.get('batch_size')}", f"**{pct(d['matched_accuracy'])}**",
                     pct(min(per)) if per else "-", pct(d["purity"]), num(d["diversity"]["mean_ratio"], 2), conts,
                     short_cpu(d["machine"]["cpu"])])
    return md_table(["run", "iterations x batch", "matched accuracy", "worst code", "purity",
                     "spread vs real (1 = as varied)", "continuous codes: class kept in [-1, 1] ([-2, 2]), slopes",
                     "CPU"], rows)


def render_pretrained(*manifests: dict) -> str:
    """The shipped generators (``tfgan_zoo/pretrained/NAME.json``): recipe, seed, commit, the run's standard FID,
    the domain classifier's FID of the float32 run and of the shipped float16 weights, and the file's size."""
    rows = []
    for m in manifests:
        cls = m["classifier_fid"]
        acc = cls["float16"].get("class_accuracy")
        rows.append([f"`{m['name']}`", f"`{m['recipe']}` seed {m['seed']}", f"`{m['commit'][:7]}`",
                     f"{m['training']['generator_steps']:,}", f"**{m['standard_fid']['fid']:.2f}**",
                     f"{cls['network']}: {cls['float32']['fid']:.2f} / {cls['float16']['fid']:.2f}",
                     pct(acc) if acc is not None else "unconditional", f"{m['weights']['bytes'] / 1e6:.2f} MB",
                     short_cpu(m["machine"]["cpu"])])
    return md_table(["name", "recipe", "commit", "iterations", "standard FID (float32 run)",
                     "classifier FID, float32 / float16 (10k vs test)", "MNIST classifier sees the asked "
                     "class (10,000, float16)", "weights", "CPU (training)"], rows)


@dataclasses.dataclass(frozen=True)
class Kind:
    """A kind of table: a pure function of the JSON of its files (in this order) to Markdown."""
    render: Callable[..., str]
    sources: tuple[str, ...]


_DRS = "nsgan-pack2-decay-ema-drs20000-sweep_20k_5seeds_2026-12-04_avx512.json"
KINDS: dict[str, Kind] = {
    "quality-former": Kind(render_quality_runs, ("quality_mnist-lucic_3seeds_2026-12-04_avx512.json",)),
    "quickstart-e1": Kind(render_quickstart, ("screening_2026-11-29_avx2.json",)),
    "quickstart-inception": Kind(render_inception_screen, ("screen_quickstart_inception_e1_2026-12-07_avx512.json",)),
    "conditional-e1": Kind(render_conditional, ("screening_2026-11-29_avx2.json",
                                                "judge_mnist-acgan_e1_seed0_2026-12-03_avx512.json",
                                                "judge_mnist-acgan-cbn_e1_seed0_2026-12-03_avx512.json")),
    "conditional-e1-screen": Kind(render_conditional_screen, ("screen_conditional_e1_2026-12-07_avx512.json",)),
    "truncation": Kind(render_truncation, ("truncation_mnist-acgan_e1_3seeds_2026-12-03_avx512.json",)),
    "judge-full": Kind(render_judge, ("judge_mnist-acgan_2026-12-02_avx512.json",)),
    "precision-quality": Kind(render_precision_quality, ("precision_quality_mnist-nsgan_e2_2026-12-07_avx512.json",)),
    "judge-acgan-e1": Kind(render_judge, ("judge_mnist-acgan-e1_seed0_2026-12-07_avx512.json",)),
    "family": Kind(render_family, ("family_e1_2026-12-02_avx512.json", "modes5k_2026-12-02_avx512.json")),
    "family-quality-options": Kind(render_family, ("family_e1_quality-options_2026-12-04_avx512.json",)),
    "modes": Kind(render_modes, ("modes_ring_nsgan-pack2-decay-ema_20k_5seeds_2026-12-03_avx512.json",
                                 "modes_grid_nsgan-pack2-decay-ema_20k_5seeds_2026-12-03_avx512.json")),
    "modes-ring-drs": Kind(render_drs_sweep, ("modes_ring_" + _DRS,)),
    "modes-grid-drs": Kind(render_drs_sweep, ("modes_grid_" + _DRS,)),
    "modes-runs": Kind(render_modes_runs, ("modes_ring_nsgan-pack2-decay-ema-drs5000_20k_seed0_2026-12-03_avx512.json",
                                           "modes_grid_nsgan-pack2-decay-ema-drs5000_20k_seed0_2026-12-03_avx512.json",
                                           "modes_grid_nsgan-pack4-pacgan-decay-ema_20k_seed0_2026-12-03_avx512.json",
                                           "modes_2026-11-29_avx2_ring_5k.json")),
    "translation": Kind(render_translation, ("translation_pix2pix_mnist-edges_2026-12-02_avx512.json",
                                             "translation_cyclegan_mnist-thick_2026-12-02_avx512.json")),
    "resnet-smoke": Kind(render_evaluations, ("resnet_fashion_hinge_sn_200steps_fid5k_2026-12-02_avx512.json",)),
    "input-pipeline": Kind(render_input_pipeline, ("input_pipeline_2026-11-23.json",)),
    "fid-features": Kind(render_fid_features, ("fid_features_2026-11-23_avx512.json", "fid_features_2026-11-23.json")),
    "fid-agreement": Kind(render_fid_agreement, ("fid_agreement_2026-11-23.json",)),
    "frechet": Kind(render_frechet, ("frechet_2026-11-23.json",)),
    "resume-time": Kind(render_resume_time, ("resume_time_2026-11-23.json", "resume_time_2026-11-23_quiet.json",
                                             "resume_time_2026-11-29_avx2_native.json",
                                             "resume_time_2026-11-29_avx2_subpixel.json")),
    "train-step-xla": Kind(render_train_step_xla, ("train_step_2026-11-23.json", "train_step_2026-11-23_avx512.json",
                                                   "train_step_2026-11-23_avx512_quiet.json")),
    "train-step-share": Kind(render_train_step_share, ("train_step_2026-11-29_avx2.json",
                                                       "train_step_2026-11-29_avx2_repeat.json")),
    "train-step-networks": Kind(render_train_step_networks, ("train_step_networks_2026-12-07_avx512.json",
                                                             "train_step_networks_2026-12-07_avx512-capped-avx2.json",
                                                             "train_step_networks_2026-12-07_avx2.json")),
    "quickstart-epoch": Kind(render_quickstart_epoch, ("quickstart_2026-11-29_avx2.json",
                                                       "quickstart_2026-12-07_avx2.json")),
    "faults": Kind(render_faults, ("faults_2026-12-07_avx512.json",)),
    "infogan-codes": Kind(render_infogan_codes, ("infogan_codes_mnist-infogan_seed0_2026-12-07_avx512.json",)),
    "pretrained": Kind(render_pretrained, ("tfgan_zoo/pretrained/fashion-dcgan-ema.json", "tfgan_zoo/pretrained/mnist-acgan.json", "tfgan_zoo/pretrained/mnist-mbd-ema.json")),
}


def source_paths(kind: Kind) -> list[str]:
    """The files of ``kind``, relative to the repository: a bare name is a result file in ``RESULTS``, a path
    (such as a shipped generator's manifest, ``tfgan_zoo/pretrained/NAME.json``) is taken as it is."""
    return [s if "/" in s else f"{RESULTS}/{s}" for s in kind.sources]


def render_kind(name: str) -> str:
    """The table of kind ``name`` from its files, with the line that names them."""
    kind = KINDS[name]
    paths = source_paths(kind)
    datas = []
    for path in paths:
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            datas.append(json.load(f))
    return kind.render(*datas) + "\n\n" + source_note(paths, datas)


# ---------------------------------------------------------------------------------------------------------------
# The files: replace what is between the markers
# ---------------------------------------------------------------------------------------------------------------

def _replace(text: str, table: str, path: str, start: str = START, end: str = END) -> str:
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise SystemExit(f"{path} needs one {start} ... {end} pair for the results table.")
    head, rest = text.split(start)
    _, tail = rest.split(end)
    return f"{head}{start}\n{table}\n{end}{tail}"


def blocks(text: str, path: str) -> list[tuple[str, int, int]]:
    """``(kind, start, end)`` of each kind's block in ``text``: the text between ``start`` and ``end`` is
    replaced. Refuses an unknown kind, an end without its start, a start without its end, and nesting."""
    out, open_ = [], None
    for m in MARKER.finditer(text):
        kind, which = m.groups()
        if kind not in KINDS:
            raise SystemExit(f"{path}: unknown results table kind {kind!r}; known: {', '.join(KINDS)}.")
        if which == "start":
            if open_:
                raise SystemExit(f"{path}: {m.group(0)} inside the {open_[0]!r} table, which has no end marker.")
            open_ = (kind, m.end())
        elif not open_ or open_[0] != kind:
            raise SystemExit(f"{path}: {m.group(0)} without its start marker.")
        else:
            out.append((kind, open_[1], m.start()))
            open_ = None
    if open_:
        raise SystemExit(f"{path}: the {open_[0]!r} table has no <!-- results-table:{open_[0]}:end --> marker.")
    return out


def rewrite(text: str, path: str, legacy: str = "full", cache: dict | None = None) -> str:
    """``text`` of the file ``path`` with its recipe table (``legacy``: "full" or "short") and every kind's table
    rewritten from the files."""
    if legacy == "full":
        text = _replace(text, render(), path)
    else:
        text = _replace(text, render_short(), path, SHORT_START, SHORT_END)
    cache = {} if cache is None else cache
    pieces, last = [], 0
    for kind, start, end in blocks(text, path):
        if kind not in cache:
            cache[kind] = render_kind(kind)
        pieces += [text[last:start], f"\n{cache[kind]}\n"]
        last = end
    return "".join(pieces) + text[last:]


def updated() -> dict[str, tuple[str, str]]:
    """``{path: (current text, text with the tables rewritten)}`` for the files that hold tables."""
    out, cache = {}, {}
    for rel, legacy in TABLE_FILES.items():
        path = os.path.join(ROOT, rel)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        out[path] = (text, rewrite(text, rel, legacy, cache))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="copy a result file's numbers into a recipe's result")
    rec.add_argument("recipe")
    rec.add_argument("source")
    sub.add_parser("write", help="rewrite the tables")
    sub.add_parser("check", help="exit 1 where a table is out of date")
    args = p.parse_args(argv)
    if args.command == "record":
        print(json.dumps(record(args.recipe, args.source), indent=2, ensure_ascii=False))
        return 0
    stale = 0
    for path, (old, new) in updated().items():
        if old == new:
            continue
        stale += 1
        if args.command == "write":
            tmp = path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(new)
            os.replace(tmp, path)
            print(f"rewrote the tables in {_rel(path)}")
        else:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True), _rel(path),
                                                       _rel(path) + " (from the result files)"))
    if args.command == "check" and stale:
        print(f"\n{stale} file(s) with tables out of date: run python benchmarks/results_table.py write",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
