"""benchmarks/results_table.py: the results tables in README.md, docs/results.md and benchmarks/README.md are what
the recipes' results and the result files say, and each recipe's numbers are what its result file says (no number
typed twice)."""

from __future__ import annotations

import importlib
import json
import os
import re
import statistics
import sys

import pytest

from tfgan_zoo import recipes

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _import_table():
    saved = list(sys.path)
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    try:
        return importlib.import_module("results_table")
    finally:
        sys.path[:] = saved


table = _import_table()


def test_the_committed_tables_are_what_the_recipes_say(capsys):
    """``check`` exits 0: README.md, docs/results.md and benchmarks/README.md hold exactly the rendered tables."""
    assert table.main(["check"]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("name", [n for n in recipes.names() if recipes.load(n)["result"]])
def test_each_recipe_result_is_what_its_result_file_says(name):
    """Every derived number of a recipe's result (mean, std, each seed's FID/KID/classifier FID, iterations,
    wall time, CPU, protocol) equals what ``record`` makes of the file it names."""
    result = recipes.load(name)["result"]
    derived = table.result_of_record(os.path.join(ROOT, result["source"]))
    assert {k: result.get(k) for k in derived} == derived
    stale = (set(table.DERIVED) - set(derived)) & set(result)
    assert not stale, f"derived keys the result file does not give: {stale}"


def test_the_table_shows_each_measured_recipe_and_a_changed_number_shows(monkeypatch):
    """Each measured recipe's FID appears in its row as recorded; control: a recipe whose value is changed
    renders another table (so ``check`` would fail on the committed README)."""
    text = table.render()
    for name in recipes.names():
        result = recipes.load(name)["result"]
        if result and "per_seed" in result and result["metric"].startswith("FID"):
            row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
            assert f"**{result['value']:.2f}" in row
        elif result and "per_seed" in result:  # another metric (mnist-infogan): not in the FID table
            assert f"| `{name}` |" not in text
    real_load = recipes.load

    def changed(name):
        r = real_load(name)
        if r["result"] and "per_seed" in r["result"]:
            r["result"] = dict(r["result"], value=r["result"]["value"] + 1.0)
        return r

    monkeypatch.setattr(recipes, "load", changed)
    assert table.render() != text


def _quality_file(tmp_path, fids, kids, cpu="AMD EPYC, avx512f=True, avx512_bf16=True"):
    seeds = [{"seed": i, "cpu": cpu, "metrics": {"fid": f, "kid": k, "mnist_classifier_fid": 2 * f,
                                                "protocol": {"network": "fid-inception-v3-2015-12-05",
                                                             "resize": "bilinear-299", "n_real": 10000,
                                                             "n_fake": 10000, "reference_split": "test"}},
              "facts": {"generator_steps": 15625, "wall_s_incl_evaluations": 3000.4 + i}}
             for i, (f, k) in enumerate(zip(fids, kids))]
    path = tmp_path / "quality_x.json"
    path.write_text(json.dumps({"benchmark": "quality", "flags": {"dataset": "mnist"}, "seeds": seeds}))
    return str(path)


def test_statistics_are_taken_on_the_unrounded_seeds(tmp_path):
    """Three seeds 10.004, 12.004, 14.004: mean 12.00 and sample std 2.00 (statistics module as reference);
    per-seed values rounded to 2 decimals for display; the CPU shortened; steps shared by the seeds."""
    fids = [10.004, 12.004, 14.004]
    out = table.result_of_record(_quality_file(tmp_path, fids, [0.001, 0.002, 0.003]))
    assert out["value"] == round(statistics.fmean(fids), 2) == 12.0
    assert out["std"] == round(statistics.stdev(fids), 2) == 2.0
    assert out["kid"] == 0.002 and out["kid_std"] == 0.001
    assert out["mnist_classifier_fid"] == 24.01 and [s["fid"] for s in out["per_seed"]] == [10.0, 12.0, 14.0]
    assert out["steps"] == 15625 and out["cpu"] == "AMD EPYC, AVX-512" and out["seeds"] == 3
    one = table.result_of_record(_quality_file(tmp_path, [9.0], [0.004]))
    assert one["std"] is None and one["seeds"] == 1


def test_record_keeps_the_note_and_writes_atomically(tmp_path, monkeypatch):
    """``record`` replaces the derived keys, keeps hand-written ones (``note``), leaves no temporary file."""
    folder = tmp_path / "recipes"
    folder.mkdir()
    (folder / "demo.json").write_text(json.dumps({"description": "d", "flags": {"loss": "nsgan"},
                                                  "result": {"value": 99.0, "note": "kept"}}))
    monkeypatch.setattr(recipes, "FOLDER", str(folder))
    result = table.record("demo", _quality_file(tmp_path, [5.0, 7.0], [0.001, 0.003]))
    saved = json.loads((folder / "demo.json").read_text())["result"]
    assert saved == result and saved["value"] == 6.0 and saved["note"] == "kept"
    assert os.listdir(folder) == ["demo.json"]
    with pytest.raises(recipes.RecipeError, match="Unknown recipe 'nope'"):
        table.record("nope", "x.json")


def test_a_file_without_markers_is_refused():
    with pytest.raises(SystemExit, match="needs one <!-- results-table:start --> ... <!-- results-table:end -->"):
        table._replace("no markers here", "table", "X.md")


# --- the other kinds of table: each rendered from its result files ---------------------------------------------

def _texts() -> dict[str, str]:
    return {rel: open(os.path.join(ROOT, rel), encoding="utf-8").read() for rel in table.TABLE_FILES}


def test_every_kind_marker_has_its_end_and_a_known_kind():
    """Every ``<!-- results-table:X:start -->`` (any X, to catch a misspelt kind) has its end marker after it and
    names a kind of ``KINDS``; every kind is shown somewhere and its files exist. Control: ``blocks`` refuses an
    unknown kind, a missing end, an end without its start and a start inside another table."""
    any_marker = re.compile(r"<!-- results-table:([^:>]+):(start|end) -->")
    shown = set()
    for rel, text in _texts().items():
        found = any_marker.findall(text)
        assert all(kind in table.KINDS for kind, _ in found), (rel, found)
        assert [w for _, w in found] == ["start", "end"] * (len(found) // 2), (rel, found)
        assert all(found[i][0] == found[i + 1][0] for i in range(0, len(found), 2)), (rel, found)
        assert [k for k, _, _ in table.blocks(text, rel)] == [k for k, w in found if w == "start"]
        shown |= {k for k, _ in found}
    assert shown == set(table.KINDS), set(table.KINDS) - shown
    for kind in table.KINDS.values():
        assert all(os.path.isfile(os.path.join(ROOT, p)) for p in table.source_paths(kind)), kind.sources
    start, end = "<!-- results-table:faults:start -->", "<!-- results-table:faults:end -->"
    for bad, message in ((start.replace("faults", "nope") + end.replace("faults", "nope"), "unknown results table kind"),
                         (start + "x", "has no <!-- results-table:faults:end --> marker"),
                         ("x" + end, "without its start marker"),
                         (start + start.replace("faults", "frechet"), "inside the 'faults' table")):
        with pytest.raises(SystemExit, match=re.escape(message)):
            table.blocks(bad, "X.md")


def test_each_table_names_its_source_files():
    """Each kind's table ends with the line naming its files, in order, each with the CPU the file records."""
    for name, kind in table.KINDS.items():
        last = table.render_kind(name).splitlines()[-1]
        assert last.startswith("Source: `"), (name, last)
        assert re.findall(r"`([^`]+\.json)`", last) == table.source_paths(kind), name


def _with_one_number_changed(text: str, kind: str) -> tuple[str, str, str]:
    """``text`` with the last digit of the first number of the first data row of ``kind``'s table changed;
    the text, the row as it was and the row as it is now."""
    (start, end), = [(s, e) for k, s, e in table.blocks(text, "X.md") if k == kind]
    rows = re.findall(r"^\| .*\|$", text[start:end], flags=re.M)
    row = rows[1]  # rows[0] is the header
    number = re.search(r"\d+(?:\.\d+)?", row)
    changed = number.group(0)[:-1] + str((int(number.group(0)[-1]) + 1) % 10)
    new_row = row[:number.start()] + changed + row[number.end():]
    return text[:start] + text[start:end].replace(row, new_row, 1) + text[end:], row, new_row


@pytest.mark.parametrize("kind", sorted(table.KINDS))
def test_check_reports_a_number_changed_in_a_copy_of_a_table(kind, tmp_path, monkeypatch, capsys):
    """Control: in a copy of the file that shows the table, one number of the table is changed; ``check`` exits
    1 with a diff that puts the file's number back, leaves the copy as it is, and ``write`` restores it."""
    rel, text = next((rel, t) for rel, t in _texts().items() if f"<!-- results-table:{kind}:start -->" in t)
    edited, row, new_row = _with_one_number_changed(text, kind)
    assert edited != text
    copy = tmp_path / os.path.basename(rel)
    copy.write_text(edited, encoding="utf-8")
    monkeypatch.setattr(table, "TABLE_FILES", {str(copy): table.TABLE_FILES[rel]})
    assert table.main(["check"]) == 1
    diff = capsys.readouterr().out
    assert f"\n-{new_row}\n" in diff and f"\n+{row}\n" in diff
    assert copy.read_text(encoding="utf-8") == edited
    assert table.main(["write"]) == 0
    assert copy.read_text(encoding="utf-8") == text


def test_the_truncation_table_is_taken_from_the_seeds():
    """The truncation table's means and standard deviations are taken on each seed's row; they agree with the
    summary the file also holds (written by another script)."""
    with open(os.path.join(ROOT, table.RESULTS, table.KINDS["truncation"].sources[0]), encoding="utf-8") as f:
        data = json.load(f)
    text = table.render_truncation(data)
    for t, s in data["summary_over_seeds"].items():
        label = "none (the prior)" if t == "none" else f"{float(t):g}"
        row = next(line for line in text.splitlines() if line.startswith(f"| {label} |"))
        assert table.pct(s["judge_accuracy_mean"], s["judge_accuracy_std"]) in row
        assert table.pm(s["classifier_fid_mean"], s["classifier_fid_std"], 2) in row


def test_the_formatting_helpers():
    """mean ± error, percentages with the decimals a tiny share needs, class shares, weakest classes, train.py
    flags without output and logging flags, CPUs from the places a result file keeps them."""
    assert table.pm(12.345, 0.5, 2) == "12.35 ± 0.50" and table.pm(None) == "–" and table.pm(3.0, None, 1) == "3.0"
    assert table.pct(0.9283, 0.0023) == "92.8 ± 0.2%"
    assert [table.small_pct(x) for x in (0.088, 0.0021, 6e-05, 0.0)] == ["8.8%", "0.21%", "0.0060%", "0.0%"]
    assert table.shares([100, 300, 600]) == "10.0% / 60.0%"
    assert table.weakest([0.9, 0.5, 0.7, 0.5], 3) == "1: 50%, 3: 50%, 2: 70%"
    assert table.train_flags("scripts/train.py --loss nsgan --out OUT --no-tensorboard --log-every 200 --seed 0 "
                             "(stopped, resumed); benchmarks/judge.py --n 10") == "--loss nsgan --seed 0"
    assert table.cpu_of({"runs": [{"machine": {"cpu": "AMD EPYC, avx512f=True"}}], "cpu": None}) == "AMD EPYC, AVX-512"
    assert table.cpu_of({"protocol": "a text"}) is None
    assert table.md_table(["a", "b"], [["1", "2"]]) == "| a | b |\n|---|---|\n| 1 | 2 |"


def test_a_partial_run_is_shown_with_its_last_epoch_until_the_recipe_has_a_result(tmp_path):
    """A ``partial_NAME_seedK_*.json`` of a recipe without a result is read (last epoch's step and classifier
    FID, the target, the CPU); a file of another recipe, or one without ``target_steps`` (a stopped seed), is
    not. Control: the committed table names every recipe's partial file or lists it as not measured."""
    epochs = [{"epoch": 1, "step": 1000, "mnist_classifier_fid": 335.09},
              {"epoch": 2, "step": 2000, "mnist_classifier_fid": 69.14}]
    good = {"recipe": "mnist-x", "seed": 0, "target_steps": 40000, "epochs": epochs,
            "cpu": "AMD EPYC, avx512f=False, avx512_bf16=False"}
    (tmp_path / "partial_mnist-x_seed0_2026-12-07.json").write_text(json.dumps(good))
    (tmp_path / "partial_mnist-x_seed1_2026-12-07.json").write_text(json.dumps(dict(good, target_steps=None)))
    (tmp_path / "partial_mnist-xy_seed0_2026-12-07.json").write_text(json.dumps(dict(good, recipe="mnist-xy")))
    runs = table.partial_runs("mnist-x", str(tmp_path))
    assert [p for p, _ in runs] == ["benchmarks/results/partial_mnist-x_seed0_2026-12-07.json"]
    note = table.partial_note(*runs[0])
    assert note.startswith("`mnist-x` seed 0: 2,000 of 40,000 iterations, in-training MNIST-classifier FID 69.1 ")
    assert "AMD EPYC, AVX2" in note
    text = table.render()
    measured = {n for n, _, _ in table.measured_recipes()[0]}
    for name in recipes.names():
        if name in measured or (recipes.load(name)["result"] or {}).get("per_seed"):
            continue
        partial = table.partial_runs(name)
        for path, data in partial:
            assert f"{data['epochs'][-1]['step']:,} of {data['target_steps']:,} iterations" in text and path in text
        if not partial:
            assert re.search(rf"Not measured yet: .*`{re.escape(name)}`", text)
