"""benchmarks/results_table.py: the results tables in README.md and benchmarks/README.md are what the recipes'
results say, and each recipe's numbers are what its result file says (no number typed twice)."""

from __future__ import annotations

import importlib
import json
import os
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
    """``check`` exits 0: README.md and benchmarks/README.md hold exactly the rendered table."""
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
        if result and "per_seed" in result:
            row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
            assert f"**{result['value']:.2f}" in row
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
