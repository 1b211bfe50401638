#!/usr/bin/env python3
"""The results tables, written from the recipes' results of record: each number is typed nowhere.

    python benchmarks/results_table.py record RECIPE RESULT.json  # a recipe's result of record from a result file
    python benchmarks/results_table.py write                      # rewrite the tables (README, docs, benchmarks)
    python benchmarks/results_table.py check                      # exit 1 (with a diff) where a table is out of date

The chain is: ``benchmarks/quality.py`` (or ``scripts/evaluate.py``) writes a result file under
``benchmarks/results/``; ``record`` copies its numbers into the recipe's ``"result"`` (``tfgan_zoo/recipes/
RECIPE.json``: mean, sample standard deviation and each seed's FID, KID, domain-classifier FID, generator
iterations, training wall time and CPU, with the FID protocol and the source file), keeping the recipe's
hand-written ``note``; ``write`` renders every recipe's result into the tables between the markers
``<!-- results-table:start -->`` and ``<!-- results-table:end -->`` of ``docs/results.md`` and
``benchmarks/README.md``, and a short table (recipe, data, FID, seeds) into the README's
``results-table-short`` markers. ``tests/test_results_table.py`` checks
both links: the tables are what ``write`` makes of the recipes, and each recipe's numbers are what ``record``
makes of its source file.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tfgan_zoo import recipes  # noqa: E402  (no TensorFlow import)

START, END = "<!-- results-table:start -->", "<!-- results-table:end -->"
SHORT_START, SHORT_END = "<!-- results-table-short:start -->", "<!-- results-table-short:end -->"
#: the files that hold a table: the full one (docs/results.md, benchmarks/README.md) or the short one (README.md)
TABLE_FILES = {os.path.join("docs", "results.md"): "full", os.path.join("benchmarks", "README.md"): "full",
               "README.md": "short"}
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


def _round(value, digits: int):
    return None if value is None else round(float(value), digits)


def _stats(values: list[float], digits: int) -> tuple[float | None, float | None]:
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    return _round(statistics.fmean(values), digits), _round(statistics.stdev(values), digits) if len(values) > 1 \
        else None


def result_of_record(source: str) -> dict:
    """The derived part of a recipe's ``"result"`` from the result file ``source``: a ``benchmarks/quality.py``
    JSON (one seed or pooled by ``--combine``) or a ``scripts/evaluate.py`` JSON (one generator)."""
    with open(source, encoding="utf-8") as f:
        data = json.load(f)
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
    out["source"] = _rel(source)
    out["cpu"] = "; ".join(sorted({s["cpu"] for s in seeds}))
    return {k: v for k, v in out.items() if v is not None or k in ("std",)}


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


def _pm(mean, std, digits: int) -> str:
    if mean is None:
        return "–"
    return f"{mean:.{digits}f}" + (f" ± {std:.{digits}f}" if std is not None else "")


def render() -> str:
    """The results table of every recipe: measured ones by FID, then the unmeasured."""
    rows, unmeasured = [], []
    for name in recipes.names():
        r = recipes.load(name)
        res = r["result"]
        if not res or "per_seed" not in res:
            unmeasured.append(name)
            continue
        seeds = res["per_seed"]
        fid = f"**{_pm(res['value'], res.get('std'), 2)}**"
        if len(seeds) > 1:
            fid += " (" + ", ".join(f"{s['fid']:.2f}" for s in seeds) + ")"
        dom = "–"
        for key, label in DOMAIN_FIDS.items():
            if key in res:
                dom = f"{label} {_pm(res[key], res.get(key + '_std'), 2)}"
        walls = [s.get("train_wall_s") for s in seeds]
        wall = ", ".join(f"{w:,.0f}" for w in walls if w) or "–"
        steps = f"{res['steps']:,}" if res.get("steps") else "–"
        dataset = "Fashion-MNIST" if r["flags"].get("dataset") == "fashion_mnist" else "MNIST"
        rows.append((res["value"], f"| `{name}` | {dataset} | {setup(r['flags'])} | {fid} | "
                                   f"{_pm(res.get('kid'), res.get('kid_std'), 4)} | {dom} | {len(seeds)} | {steps} | "
                                   f"{wall} | {res.get('cpu', '?')} |"))
    lines = ["| recipe | data | setup (from its flags) | standard FID | KID | classifier FID | seeds | iterations | "
             "train s per seed | CPU |", "|---|---|---|---|---|---|---|---|---|---|"]
    lines += [row for _, row in sorted(rows, key=lambda t: (t[1].split(" | ")[1], t[0]))]
    protocol = ("Standard FID: the 2015-12-05 FID Inception pool_3, bilinear resize to 299, grey repeated to RGB, "
                "10,000 generated against the first 10,000 test images; mean ± sample standard deviation over "
                "seeds (each seed in brackets). Written by `benchmarks/results_table.py` from each recipe's "
                "`result` (`tfgan_zoo/recipes/NAME.json`), which names its result file.")
    text = protocol + "\n\n" + "\n".join(lines)
    if unmeasured:
        text += "\n\nNot measured yet: " + ", ".join(f"`{n}`" for n in unmeasured) + "."
    return text


def render_short() -> str:
    """The README's table: each measured recipe's dataset, standard FID and seeds, best first per dataset."""
    rows = []
    for name in recipes.names():
        r = recipes.load(name)
        res = r["result"]
        if not res or "per_seed" not in res:
            continue
        dataset = "Fashion-MNIST" if r["flags"].get("dataset") == "fashion_mnist" else "MNIST"
        cond = " (conditional)" if r["flags"].get("conditional", "none") != "none" else ""
        rows.append(((dataset, res["value"]), f"| `{name}`{cond} | {dataset} | {_pm(res['value'], res.get('std'), 2)} "
                                             f"| {res['seeds']} |"))
    return "\n".join(["| recipe | data | standard FID | seeds |", "|---|---|---|---|"] +
                     [row for _, row in sorted(rows)])


def _replace(text: str, table: str, path: str, start: str = START, end: str = END) -> str:
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise SystemExit(f"{path} needs one {start} ... {end} pair for the results table.")
    head, rest = text.split(start)
    _, tail = rest.split(end)
    return f"{head}{start}\n{table}\n{end}{tail}"


def updated() -> dict[str, tuple[str, str]]:
    """``{path: (current text, text with the table rewritten)}`` for the files that hold a table."""
    tables = {"full": (render(), START, END), "short": (render_short(), SHORT_START, SHORT_END)}
    out = {}
    for rel, kind in TABLE_FILES.items():
        path = os.path.join(ROOT, rel)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        table, start, end = tables[kind]
        out[path] = (text, _replace(text, table, rel, start, end))
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
            print(f"rewrote the table in {_rel(path)}")
        else:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True), _rel(path),
                                                       _rel(path) + " (from the recipes)"))
    if args.command == "check" and stale:
        print(f"\n{stale} table(s) out of date: run python benchmarks/results_table.py write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
