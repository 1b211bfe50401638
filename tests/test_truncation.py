"""The truncation trick: the noise prior conditioned on |z_i| <= t, in sampling and evaluation."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tfgan_zoo import export, nets
from tfgan_zoo.metrics import evaluate
from tfgan_zoo.priors import check_truncation, sample_numpy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def truncated_normal_variance(t: float) -> float:
    """Closed form: Var[z | |z| <= t] = 1 - 2 t phi(t) / (2 Phi(t) - 1) for z ~ N(0, 1)."""
    phi = math.exp(-t * t / 2) / math.sqrt(2 * math.pi)
    return 1 - 2 * t * phi / math.erf(t / math.sqrt(2))


@pytest.mark.parametrize("t", [0.5, 1.0, 2.0])
def test_truncated_normal_matches_the_closed_form(t):
    n = 200_000
    z = sample_numpy("normal", np.random.default_rng(0), (n,), truncation=t).astype(np.float64)
    assert np.abs(z).max() <= t
    # the sample variance's standard error is sqrt(Var[z^2] / n) <= sqrt(E[z^4] / n) <= t^2 / sqrt(n)
    # (0.0011 at t = 1); 5 standard errors, so a correct sampler fails with probability < 1e-6
    tol = 5 * t * t / math.sqrt(n)
    assert z.var() == pytest.approx(truncated_normal_variance(t), abs=tol)
    assert abs(z.mean()) < 5 * t / math.sqrt(n)
    # control: the untruncated prior's variance (1) is outside that tolerance for every t tried here
    assert abs(1.0 - truncated_normal_variance(t)) > tol


def test_uniform_truncation_and_no_truncation_keep_the_old_draws():
    z = sample_numpy("uniform", np.random.default_rng(0), (50_000,), truncation=0.5)
    assert np.abs(z).max() <= 0.5 and z.std() == pytest.approx(0.5 / math.sqrt(3), rel=0.02)  # U(-a, a): a / sqrt 3
    # a bound >= 1 does not cut U(-1, 1); and None draws exactly what the prior always drew for a seed
    np.testing.assert_array_equal(sample_numpy("uniform", np.random.default_rng(3), (9,), truncation=1.5),
                                  np.random.default_rng(3).uniform(-1, 1, (9,)).astype(np.float32))
    np.testing.assert_array_equal(sample_numpy("normal", np.random.default_rng(3), (9,)),
                                  np.random.default_rng(3).standard_normal((9,)).astype(np.float32))


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_bad_truncation_is_refused(bad):
    with pytest.raises(ValueError, match="truncation must be a finite bound > 0"):
        check_truncation(bad)


def test_truncation_reaches_the_generator_and_the_protocol(tmp_path, monkeypatch):
    monkeypatch.setenv("TFGAN_ZOO_CACHE", str(tmp_path / "cache"))
    g, _ = nets.build("mlp", (28, 28, 1), 8)
    path = export.export_generator(g, str(tmp_path / "gen"))
    near_zero = evaluate.load_images(path, 40, truncation=1e-4)
    free = evaluate.load_images(path, 40)
    # |z_i| <= 1e-4: every image is G(0) to within the generator's Lipschitz bound times 1e-4 (tiny); the control,
    # the untruncated prior, spreads the images out
    assert near_zero.std(axis=0).max() < 1e-2 < free.std(axis=0).mean()
    out = evaluate.evaluate("mnist", path, n=40, metrics=["fid"], network="mnist-classifier", truncation=0.5)
    assert out["protocol"]["truncation"] == 0.5
    assert "truncation" not in evaluate.evaluate("mnist", path, n=40, metrics=["fid"],
                                                 network="mnist-classifier")["protocol"]
    with pytest.raises(ValueError, match="truncation applies to the noise of a generator; 'mnist' is not"):
        evaluate.load_images("mnist", 10, truncation=0.5)


@pytest.mark.slow
def test_the_benchmark_writes_its_rows_and_pictures(tmp_path):
    g, _ = nets.build("mlp", (28, 28, 1), 8)
    path = export.export_generator(g, str(tmp_path / "gen"))
    out = tmp_path / "res" / "trunc.json"
    env = {**os.environ, "TFGAN_ZOO_CACHE": str(tmp_path / "cache")}
    r = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "truncation.py"), "--generator", path,
                        "--thresholds", "none,0.5", "--n", "60", "--out", str(out)],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    printed, saved = json.loads(r.stdout), json.loads(out.read_text())
    assert [row["truncation"] for row in saved["rows"]] == [None, 0.5]
    assert printed["rows"] == saved["rows"] and all(np.isfinite(row["classifier_fid"]) for row in saved["rows"])
    assert "judge_accuracy" not in saved["rows"][0]  # unconditional: nothing to judge
    for png in printed["png"]:
        with Image.open(png) as im:
            assert im.size[0] > 100 and im.size[1] > 100
    bad = subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "truncation.py"), "--generator", path,
                          "--thresholds", "none,-1"], capture_output=True, text=True, env=env, timeout=300)
    assert bad.returncode == 2 and "'-1' is neither 'none' nor a number > 0" in bad.stderr
