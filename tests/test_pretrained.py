"""The shipped pretrained generators (tfgan_zoo.pretrained): the weight folds are exact, bad weights and unknown
names are refused, and each shipped generator loads offline and scores what its manifest recorded."""

import json
import os

import numpy as np
import pytest

from tfgan_zoo import nets, pretrained
from tfgan_zoo.cli import app
from tfgan_zoo.nets.heads import EMBED_DIM
from tfgan_zoo.sampling import from_keras
from tfgan_zoo.sampling import pretrained as pretrained_sampler

# What the package ships; a generator added or lost must change this list.
SHIPPED = ["fashion-dcgan-ema", "mnist-acgan", "mnist-mbd-ema"]


def _randomize(g, seed=0):
    """Give every weight (batch-norm statistics and label embedding included) random values, so a fold that drops
    or misplaces any of them changes the output."""
    rng = np.random.default_rng(seed)
    for w in g.weights:
        shape = tuple(w.shape)
        if w.path.endswith("moving_variance"):
            w.assign(rng.uniform(0.5, 2.0, shape).astype(np.float32))
        elif w.path.endswith(("moving_mean", "beta")):
            w.assign(rng.normal(0.0, 0.5, shape).astype(np.float32))
        elif w.path.endswith("gamma"):
            w.assign(rng.uniform(0.5, 1.5, shape).astype(np.float32))
        else:
            w.assign((rng.normal(0.0, 1.0, shape) / np.sqrt(max(1, np.prod(shape[:-1])))).astype(np.float32))


def _dcgan_g(num_classes=None, seed=0):
    g, _ = nets.build("dcgan", (28, 28, 1), 16, conditional="acgan" if num_classes else None,
                      num_classes=num_classes, width=16)
    _randomize(g, seed)
    return g


def _images(g, k, n=8):
    rng = np.random.default_rng(1)
    z = rng.normal(size=(n, 16)).astype(np.float32)
    return np.asarray(g([z, np.arange(n) % k] if k else z, training=False))


@pytest.mark.parametrize("k", [None, 10])
def test_compact_then_expand_computes_the_same_generator(k):
    """compact() keeps 2 arrays per batch norm (scale, shift) and, for the label-conditional generator, the K rows
    E @ W_e instead of E (K x 50) and W_e (50 rows of the projection); expand() into a differently initialised
    network must reproduce the images. Tolerance 1e-4: the folds are exact in real arithmetic and computed in
    float64, so only float32 rounding remains (relative 2^-24 per product; sums of at most 16*5*5 = 400 terms per
    layer give about 20 * 6e-8 * |activation| per layer, three layers: ~1e-5 on a tanh output), 10x margin.
    Control: one folded array changed by 0.05 moves the images by more than 1e-3."""
    g = _dcgan_g(k)
    arrays = pretrained.compact(g, 16)
    units = 7 * 7 * 64  # the width-16 DCGAN's projection: 7x7 map of 4 * 16 channels
    expected = {"project/kernel": (16, units), "project_bn/scale": (units,), "project_bn/shift": (units,),
                "up_0/kernel": (4, 4, 32, 64), "up_0_bn/scale": (32,), "up_0_bn/shift": (32,),
                "to_image/kernel": (4, 4, 1, 32), "to_image/bias": (1,)}
    if k:
        expected["label_embedding/rows"] = (k, units)
    assert {key: v.shape for key, v in arrays.items()} == expected
    full = sum(int(np.prod(w.shape)) for w in g.weights)
    kept = sum(v.size for v in arrays.values())
    # saved: 2 of 4 arrays per batch norm, and with labels E (k x 50) plus (50 - k) rows of the projection
    assert full - kept == 2 * (units + 32) + ((k * EMBED_DIM + (EMBED_DIM - k) * units) if k else 0)

    fresh = _dcgan_g(k, seed=7)
    assert np.abs(_images(fresh, k) - _images(g, k)).max() > 0.1  # another network before expand
    pretrained.expand(fresh, arrays)
    assert np.abs(_images(fresh, k) - _images(g, k)).max() < 1e-4

    wrong = dict(arrays, **{"project_bn/shift": arrays["project_bn/shift"] + 0.05})
    pretrained.expand(fresh, wrong)
    assert np.abs(_images(fresh, k) - _images(g, k)).max() > 1e-3


def test_expand_refuses_weights_of_another_network():
    g = _dcgan_g(10)
    arrays = pretrained.compact(g, 16)
    fresh = _dcgan_g(10, seed=3)
    missing = {key: v for key, v in arrays.items() if key != "up_0/kernel"}
    with pytest.raises(pretrained.PretrainedError, match="no 'up_0/kernel'"):
        pretrained.expand(fresh, missing)
    with pytest.raises(pretrained.PretrainedError, match="'to_image/bias' has shape \\(2,\\)"):
        pretrained.expand(fresh, dict(arrays, **{"to_image/bias": np.zeros(2)}))
    with pytest.raises(pretrained.PretrainedError, match="does not use: extra/kernel"):
        pretrained.expand(fresh, dict(arrays, **{"extra/kernel": np.zeros(2)}))
    unconditional = pretrained.compact(_dcgan_g(None), 16)
    with pytest.raises(pretrained.PretrainedError, match="label_embedding/embeddings"):
        pretrained.expand(fresh, unconditional)  # a conditional network from unconditional weights


def test_label_fold_needs_an_embedding_at_least_as_wide_as_the_labels():
    g = _dcgan_g(EMBED_DIM + 1)
    arrays = pretrained.compact(g, 16)
    with pytest.raises(pretrained.PretrainedError, match="cannot hold the one-hot of 51 labels"):
        pretrained.expand(_dcgan_g(EMBED_DIM + 1, seed=2), arrays)


def test_float16_refuses_values_it_cannot_hold():
    assert pretrained.to_float16({"a": np.array([1.0, -2.5])})["a"].dtype == np.float16
    with pytest.raises(ValueError, match="float16's range"):
        pretrained.to_float16({"a": np.array([7e4])})


def test_unknown_name_is_refused_with_the_list(capsys):
    with pytest.raises(pretrained.PretrainedError, match="No pretrained generator 'mnist-best'. Shipped: "
                       + ", ".join(SHIPPED)):
        pretrained_sampler("mnist-best")
    assert app.main(["sample", "--pretrained", "mnist-best", "--out", "x"]) == 2
    err = capsys.readouterr().err
    assert "No pretrained generator 'mnist-best'" in err and SHIPPED[0] in err and "Traceback" not in err
    assert app.main(["sample", "--out", "x"]) == 2
    assert "either GENERATOR_DIR or --pretrained NAME" in capsys.readouterr().err


def test_the_package_ships_what_it_says():
    assert pretrained.names() == SHIPPED


def _check_fid(sampler, m):
    """The manifest's check: the domain classifier's FID of CHECK_N images from noise seed CHECK_SEED against the
    whole test split (so no other test's global seed can change the reference images)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "pack_pretrained", os.path.join(os.path.dirname(__file__), "..", "scripts", "pack_pretrained.py"))
    pack = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pack)
    return pack.classifier_check(sampler, m["settings"]["dataset"], m["check"]["n"], m["check"]["seed"])


# the cheapest in the fast tier, the other two in the slow tier (each scores 10,000 images)
@pytest.mark.parametrize("name", [n if n == "mnist-mbd-ema" else pytest.param(n, marks=pytest.mark.slow)
                                  for n in SHIPPED])
def test_shipped_generator_loads_and_scores_its_recorded_fid(name, tmp_path, capsys):
    """Each shipped generator: at most MAX_BYTES, its manifest's SHA-256, and the domain classifier's FID of the
    manifest's check draw within 2 sd of the recorded value, sd being the spread of that FID over five other
    noise draws (recorded with it). The draw is the same, so only float rounding across CPUs should move it
    (far below 2 sd); a wrong fold or wrong weights would not stay within it: the control sets the projection's
    batch-norm shift to 0 and must land outside. For a conditional generator also the classifier's accuracy on
    the requested labels, within 4 binomial sd of the recorded one (and the control's must fall below it)."""
    m = pretrained.manifest(name)
    path = os.path.join(pretrained.FOLDER, m["weights"]["file"])
    assert os.path.getsize(path) == m["weights"]["bytes"] <= pretrained.MAX_BYTES
    assert pretrained.sha256(path) == m["weights"]["sha256"]
    assert m["recipe"] and len(m["commit"]) == 40 and m["standard_fid"]["protocol"]["n_fake"] == 10_000
    s = pretrained_sampler(name)
    assert (s.latent_dim, s.prior, s.num_classes) == (m["latent_dim"], m["prior"], m["num_classes"])
    got = _check_fid(s, m)
    tol = 2 * m["check"]["sd_over_noise_seeds"]
    assert abs(got["fid"] - m["check"]["fid"]) <= tol, (got, m["check"])

    g = pretrained.load(name)
    g.get_layer("project_bn").beta.assign(np.zeros(g.get_layer("project_bn").beta.shape, np.float32))
    broken = from_keras(g, s.latent_dim, s.prior, s.num_classes)
    control = _check_fid(broken, m)
    assert abs(control["fid"] - m["check"]["fid"]) > tol, control

    if s.num_classes:
        p = m["check"]["class_accuracy"]
        bound = 4 * np.sqrt(p * (1 - p) / m["check"]["n"])
        assert abs(got["class_accuracy"] - p) <= bound
        assert control["class_accuracy"] < p - bound

    assert app.main(["sample", "--pretrained", name, "--grid", "--n", "16", "--out", str(tmp_path)]) == 0
    written = json.loads(capsys.readouterr().out)
    assert written["generator"] == f"pretrained:{name}"
    from PIL import Image

    grid = np.asarray(Image.open(tmp_path / "grid.png"), np.float32)  # re-read from disk: 4 x 4 digits
    assert min(grid.shape[:2]) >= 4 * 28 and grid.std() > 20


def test_list_prints_every_shipped_generator(capsys):
    assert app.main(["sample", "--pretrained", "list"]) == 0
    out = capsys.readouterr().out
    assert [line.split(":")[0] for line in out.strip().splitlines()] == SHIPPED


@pytest.mark.slow
def test_pack_script_packs_a_trained_run_that_loads_back(tmp_path, monkeypatch):
    """scripts/pack_pretrained.py on a real (two-step, width-8) AC-GAN run: the manifest names the run's recipe,
    seed and settings and the result file's FID; the weights file re-read through load() gives the images of the
    run's own export to float16 precision (0 < |change| <= 2e-2: float16 keeps 11 significant bits, relative 2^-11 ~
    5e-4 per weight, and three layers of sums of at most 400 products amplify it at most ~20x each on a tanh output
    that is bounded by 1; the manifest's own max_abs_image_change_vs_float32 is the measured value), and a result
    file of another run is refused."""
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    run_dir = tmp_path / "run"
    r = subprocess.run([sys.executable, os.path.join(root, "scripts", "train.py"), "--recipe", "mnist-acgan",
                        "--width", "8", "--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "8", "--seed", "3",
                        "--out", str(run_dir)], capture_output=True, text=True, timeout=600,
                       env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert r.returncode == 0, r.stderr[-3000:]
    config = json.loads((run_dir / "config.json").read_text())
    result = {"recipe": "mnist-acgan", "machine": {"cpu": "test CPU"},
              "seeds": [{"seed": 3, "facts": {"config": config, "generator_steps": 2},
                         "metrics": {"fid": 300.0, "kid": 0.3, "protocol": {"n_fake": 10_000}}}]}
    (tmp_path / "result.json").write_text(json.dumps(result))
    out = tmp_path / "shipped"
    cmd = [sys.executable, os.path.join(root, "scripts", "pack_pretrained.py"), "--run", str(run_dir),
           "--result", str(tmp_path / "result.json"), "--name", "tiny", "--out", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert r.returncode == 0, r.stderr[-3000:]
    m = json.loads((out / "tiny.json").read_text())
    assert json.loads(r.stdout) == m
    assert (m["recipe"], m["seed"], m["num_classes"], m["latent_dim"]) == ("mnist-acgan", 3, 10, 100)
    assert m["settings"]["width"] == 8 and "out" not in m["settings"]
    assert m["standard_fid"]["fid"] == 300.0 and m["machine"]["cpu"] == "test CPU" and m["check"]["cpu"]
    assert m["classifier_fid"]["float16"]["n"] == 10_000 and m["check"]["n"] == 10_000
    assert 0 <= m["check"]["class_accuracy"] <= 1 and m["check"]["sd_over_noise_seeds"] > 0

    monkeypatch.setattr(pretrained, "FOLDER", str(out))
    assert pretrained.names() == ["tiny"]
    s = pretrained_sampler("tiny")
    from tfgan_zoo.sampling import from_export

    z = s.noise(16, 0)  # the first 16 of the 64 rows the script compared
    change = np.abs(s.generate(z) - from_export(str(run_dir / "generator")).generate(z)).max()
    assert 0 < change <= m["weights"]["max_abs_image_change_vs_float32"] + 1e-6 <= 2e-2  # float16, not float32

    result["seeds"][0]["facts"]["config"] = dict(config, seed=4)
    (tmp_path / "result.json").write_text(json.dumps(result))
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert r.returncode == 2 and "has no seed trained with" in r.stderr
