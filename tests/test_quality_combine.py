"""``benchmarks/quality.py --combine``: seeds trained in separate invocations are pooled, never mixed up."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _result(seeds, fids, recipe="mnist-acgan", n=10_000, cpu="cpu A"):
    return {"benchmark": "quality", "recipe": recipe, "flags": {"loss": "nsgan"}, "train_args": [],
            "epochs_override": None, "machine": {"cpu": cpu}, "eval": "standard", "n": n,
            "seeds": [{"seed": s, "facts": {"in_training_fid": []},
                       "metrics": {"fid": f, "kid": f / 1000}} for s, f in zip(seeds, fids)],
            "summary": {}}


def test_pooled_mean_and_std_are_those_of_all_seeds(quality):
    a = _result([0], [7.68], cpu="Intel Xeon")
    b = _result([1, 2], [6.5, 9.25], cpu="AMD EPYC")
    pooled = quality.combine([b, a], ["b.json", "a.json"])
    assert [s["seed"] for s in pooled["seeds"]] == [0, 1, 2]
    assert [s["cpu"] for s in pooled["seeds"]] == ["Intel Xeon", "AMD EPYC", "AMD EPYC"]
    assert [s["source"] for s in pooled["seeds"]] == ["a.json", "b.json", "b.json"]
    v = np.array([7.68, 6.5, 9.25])
    # closed form: mean 23.43/3 = 7.81; the sample std (n-1 in the denominator) of the three values
    assert pooled["summary"]["fid"]["mean"] == pytest.approx(23.43 / 3, rel=1e-12)
    assert pooled["summary"]["fid"]["std"] == pytest.approx(np.sqrt(((v - v.mean()) ** 2).sum() / 2), rel=1e-12)
    assert pooled["summary"]["fid"]["std"] != pytest.approx(v.std(), rel=1e-3)  # control: not the ddof=0 std
    assert pooled["summary"]["kid"]["n"] == 3
    assert pooled["combined_from"] == ["b.json", "a.json"]


@pytest.mark.parametrize("other, words", [
    (_result([1], [5.0], recipe="mnist-sngan"), "recipe"),
    (_result([1], [5.0], n=5_000), "n=5000"),
    (_result([0], [5.0]), "seed 0 is in both"),
    ({"benchmark": "modes"}, "not a result of benchmarks/quality.py"),
])
def test_results_that_cannot_be_pooled_are_refused(quality, other, words):
    with pytest.raises(quality.CombineError, match=words):
        quality.combine([_result([0], [7.0]), other], ["a.json", "b.json"])


def test_command_line_writes_the_pooled_json_and_names_bad_input(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(_result([0], [8.0])))
    b.write_text(json.dumps(_result([1], [6.0])))
    out = tmp_path / "pooled.json"
    cmd = [sys.executable, os.path.join(ROOT, "benchmarks", "quality.py"), "--combine", str(a), str(b),
           "--out", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(out.read_text())["summary"]["fid"]["mean"] == pytest.approx(7.0)
    assert json.loads(r.stdout) == json.loads(out.read_text())
    b.write_text("{not json")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "cannot read" in r.stderr and "b.json" in r.stderr and "Traceback" not in r.stderr


def test_a_pooled_result_can_be_pooled_again(quality):
    ab = quality.combine([_result([0], [8.0], cpu="X"), _result([1], [6.0], cpu="Y")], ["a", "b"])
    abc = quality.combine([ab, _result([2], [7.0], cpu="Z")], ["ab", "c"])
    assert [(s["seed"], s["cpu"], s["source"]) for s in abc["seeds"]] == [(0, "X", "a"), (1, "Y", "b"), (2, "Z", "c")]
    assert [m["cpu"] for m in abc["machine"]] == ["X", "Y", "Z"]
    assert abc["summary"]["fid"]["mean"] == pytest.approx(7.0) and abc["summary"]["fid"]["std"] == pytest.approx(1.0)
