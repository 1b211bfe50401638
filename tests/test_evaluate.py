"""scripts/evaluate.py and tfgan_zoo.metrics.evaluate: sources, cached statistics, protocol."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tfgan_zoo import export, nets
from tfgan_zoo.metrics import classifier, evaluate, moments

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*args, cache):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TFGAN_ZOO_CACHE=str(cache))
    return subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "evaluate.py"), *args],
                          capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.slow
def test_evaluate_script_prints_metrics_and_protocol(tmp_path, fashion_mnist_arrays):
    r = run("--real", "mnist", "--fake", "fashion_mnist", "--n", "300", "--network", "mnist-classifier",
            "--metrics", "fid,kid,classifier", cache=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    far = json.loads(r.stdout)  # stdout is the JSON object alone; the progress bars went to stderr
    assert far["protocol"]["n_real"] == 300 and far["protocol"]["reference_split"] == "train"
    assert far["protocol"]["network"].startswith("tfgan_zoo mnist-classifier")
    assert sum(far["class_histogram"]) == 300 and 1.0 <= far["classifier_score"] <= 10.0
    r = run("--real", "mnist", "--fake", "mnist", "--n", "300", "--network", "mnist-classifier",
            "--metrics", "fid,kid", cache=tmp_path)
    near = json.loads(r.stdout)
    assert near["fid"] < far["fid"] / 5 and near["kid"] < far["kid"] / 5  # test vs train digits: close
    r = run("--real", "mnist", "--fake", "mnist", "--metrics", "fid,iss", cache=tmp_path)
    assert r.returncode == 2 and "iss" in r.stderr


def test_generator_dir_source_and_cached_statistics(tmp_path, monkeypatch):
    monkeypatch.setenv("TFGAN_ZOO_CACHE", str(tmp_path / "cache"))
    g, _ = nets.build("mlp", (28, 28, 1), 8)
    path = export.export_generator(g, str(tmp_path / "gen"))
    images = evaluate.load_images(path, 30)
    assert images.shape == (30, 28, 28, 1) and images.min() >= -1 and images.max() <= 1
    f = evaluate.Featurizer("mnist-classifier")
    out = evaluate.evaluate("mnist", path, n=60, metrics=["fid"], featurizer=f)
    stats = evaluate.stats_path("mnist", "train", "mnist-classifier", 60)
    digest = classifier.weights_digest("mnist")
    assert os.path.basename(stats) == f"mnist__train__mnist-classifier__native__w{digest}__n60.npz"
    stats = evaluate.stats_path("mnist", "train", "mnist-classifier", 60, of=60000, seed=0)  # what was written
    assert os.path.basename(stats) == f"mnist__train__mnist-classifier__native__w{digest}__n60of60000s0.npz"
    assert os.path.isfile(stats)
    assert out["protocol"]["fake_split"] is None  # a generator has no split
    again = evaluate.evaluate("mnist", path, n=60, metrics=["fid"], featurizer=f)
    assert again["fid"] == pytest.approx(out["fid"], rel=1e-9)  # read from the cache
    # a statistics file of another protocol under the expected name is refused, never silently used
    ref = moments.load_moments(stats)
    moments.save_moments(stats, ref.mu, ref.sigma, ref.n, {**ref.protocol, "seed": 99})
    with pytest.raises(moments.ProtocolMismatchError):
        evaluate.evaluate("mnist", path, n=60, metrics=["fid"], featurizer=f)
    with pytest.raises(ValueError, match="fewer than n=100"):
        evaluate.load_images(np.zeros((5, 28, 28, 1), np.uint8), 100)


def test_classifier_statistics_are_keyed_by_the_weights_file(tmp_path, monkeypatch):
    """Retrained classifier weights must not meet statistics cached under the old ones: the digest (SHA-256 of
    the file, checked here against hashlib on the file's bytes) is in the cache name and the protocol. Control:
    pointing the classifier at another weights file changes both."""
    import hashlib

    monkeypatch.setenv("TFGAN_ZOO_CACHE", str(tmp_path / "cache"))
    with open(classifier.weights_path("mnist"), "rb") as fh:
        expected = hashlib.sha256(fh.read()).hexdigest()[:16]
    assert classifier.weights_digest("mnist") == expected
    assert evaluate.network_protocol("mnist-classifier")["weights_sha256"] == expected
    before = evaluate.stats_path("mnist", "test", "mnist-classifier", 100)
    assert f"__w{expected}__" in os.path.basename(before)
    other = tmp_path / "retrained.weights.h5"
    other.write_bytes(open(classifier.weights_path("mnist"), "rb").read() + b"\0")  # any other bytes
    monkeypatch.setattr(classifier, "WEIGHTS_PATH", str(other))
    assert classifier.weights_digest("mnist") != expected
    assert evaluate.stats_path("mnist", "test", "mnist-classifier", 100) != before
    assert evaluate.network_protocol("mnist-classifier")["weights_sha256"] != expected
    assert "weights_sha256" not in evaluate.network_protocol("fid-inception")  # Inception: a fixed, named file


def test_evaluate_script_keeps_stdout_for_the_json(monkeypatch, capsys):
    """Progress bars (Keras prints them to stdout) must not corrupt the JSON on stdout."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("evaluate_script", os.path.join(ROOT, "scripts", "evaluate.py"))
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)

    def fake_evaluate(*args, **kwargs):
        print("1000/1000 progress bar")
        return {"fid": 1.5}

    monkeypatch.setattr(evaluate, "evaluate", fake_evaluate)
    assert script.main(["--real", "mnist", "--fake", "fashion_mnist"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out) == {"fid": 1.5} and "progress bar" in out.err


def test_load_images_picks_the_same_subset_whatever_the_global_seed():
    """"The first n images of the split shuffled with ``seed``" must not depend on TensorFlow's global seed,
    which every training run sets: cached subset statistics are named by (n, split size, seed) alone.
    Control: data.load's one-pass shuffle does depend on it, which is why load_images does not use it."""
    import keras

    from tfgan_zoo import data

    def first(global_seed):
        keras.utils.set_random_seed(global_seed)
        x = evaluate.load_images("mnist", 200, "test", seed=0, batch_size=64)
        y = next(iter(data.load("mnist", split="test", batch_size=200, seed=0))).numpy()
        return x, y

    a, load_a = first(1)
    b, load_b = first(2)
    assert a.shape == (200, 28, 28, 1) and np.array_equal(a, b)
    assert not np.array_equal(load_a, load_b)  # control: the one-pass shuffle follows the global seed
    other = evaluate.load_images("mnist", 200, "test", seed=1, batch_size=64)
    assert not np.array_equal(a, other)  # and the shuffle seed does pick other images
    assert evaluate.split_size("mnist", "test") == 10000
    whole = evaluate.stats_path("mnist", "test", "mnist-classifier", 10000, of=10000, seed=3)
    assert whole == evaluate.stats_path("mnist", "test", "mnist-classifier", 10000)  # order-free: no seed
    assert evaluate.stats_path("mnist", "test", "mnist-classifier", 100, of=10000, seed=0) != \
        evaluate.stats_path("mnist", "test", "mnist-classifier", 100, of=10000, seed=1)
    with pytest.raises(ValueError, match="has 10000 images, fewer than n=10001"):
        evaluate.load_images("mnist", 10001, "test")
    # the cached features of a subset are those of the same images (computed under another global seed)
    f = evaluate.Featurizer("mnist-classifier")
    keras.utils.set_random_seed(3)
    cached = evaluate.reference_features("mnist", f, 200, "test", seed=0)
    np.testing.assert_allclose(cached, f(a), rtol=1e-5, atol=1e-5)  # same images, same network: float noise only
