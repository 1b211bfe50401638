"""The committed Fashion-MNIST classifier: a fast domain FID for Fashion-MNIST runs, kept to its own dataset."""

import json
import os

import numpy as np
import pytest

from tfgan_zoo.metrics import classifier as clf
from tfgan_zoo.metrics import evaluate
from tfgan_zoo.metrics.class_stats import class_histogram, classes_covered, classifier_score


@pytest.fixture(scope="module")
def fashion_test(fashion_mnist_arrays):
    from tfgan_zoo.data import load_arrays

    return load_arrays("fashion_mnist", "test")


def test_committed_weights_are_packaged_and_small():
    path = clf.weights_path("fashion_mnist")
    assert os.path.isfile(path), "the Fashion-MNIST classifier's weights must be committed to the package"
    assert os.path.getsize(path) < 1_000_000
    assert path != clf.weights_path("mnist")
    with pytest.raises(ValueError, match="No committed classifier for dataset 'cifar10'"):
        clf.weights_path("cifar10")


def test_accuracy_on_real_clothes_and_the_mnist_classifier_as_control(fashion_test):
    x, y = fashion_test
    x, y = x[:2000], y[:2000]
    feats, probs = clf.classifier_outputs(x, clf.load_classifier("fashion_mnist"))
    assert feats.shape == (2000, clf.FEATURE_DIM) and probs.shape == (2000, 10)
    acc = float(np.mean(np.argmax(probs, axis=1) == y))
    # scripts/train_mnist_classifier.py --dataset fashion_mnist writes weights only at >= 91% on the 10,000 test
    # images; on 2,000 of them the binomial sd is sqrt(0.91 * 0.09 / 2000) = 0.64%, so 89% is 3 sd below
    assert acc >= 0.89, acc
    assert classes_covered(class_histogram(probs)) == 10 and classifier_score(probs)[0] > 7.0
    # control: the digit classifier on the same clothes is near chance, so the accuracy bound can fail
    digits = clf.classifier_probs(x, clf.load_mnist_classifier())
    assert float(np.mean(np.argmax(digits, axis=1) == y)) < 0.5


def test_missing_weights_say_how_to_train_them(tmp_path):
    with pytest.raises(clf.ClassifierWeightsNotFoundError, match="--dataset fashion_mnist"):
        clf.load_classifier("fashion_mnist", tmp_path / "none.weights.h5")


@pytest.mark.parametrize("network, dataset", [("mnist-classifier", "fashion_mnist"),
                                              ("fashion-classifier", "mnist")])
def test_a_classifier_is_refused_on_the_other_dataset(network, dataset, tmp_path):
    from tfgan_zoo.callbacks import FIDCallback
    from tfgan_zoo.config import TrainConfig

    right = "fashion-classifier" if dataset == "fashion_mnist" else "mnist-classifier"
    with pytest.raises(ValueError, match=f"use --network/--fid-network {right}"):
        evaluate.evaluate(dataset, np.zeros((4, 28, 28, 1), np.float32), network, n=4)
    with pytest.raises(ValueError, match=f"use --network/--fid-network {right}"):
        FIDCallback(real=dataset, network=network)
    with pytest.raises(ValueError, match=f"--fid-network {right} \\(fast\\)"):
        TrainConfig(dataset=dataset, fid_every=1, fid_network=network, out=str(tmp_path / "run")).validate()
    # the matching pairs, and a folder of 28x28 images, are accepted
    evaluate.check_network_for_dataset(right, dataset)
    evaluate.check_network_for_dataset(network, str(tmp_path))
    FIDCallback(real=dataset, network=right)


def test_domain_fid_and_class_histogram_of_fashion(tmp_path, monkeypatch, fashion_test):
    from tfgan_zoo.data import load_arrays

    monkeypatch.setenv("TFGAN_ZOO_CACHE", str(tmp_path / "cache"))
    n = 500
    near = evaluate.evaluate("fashion_mnist", "fashion_mnist", "fashion-classifier", n, ["fid", "classifier"],
                             real_split="test", fake_split="train")
    assert near["protocol"]["network"].startswith("tfgan_zoo fashion-classifier")
    assert near["protocol"]["resize"] == "none (28x28x1)"
    hist = np.asarray(near["class_histogram"])
    # 500 real training clothes: every class near its share of 50 (the classifier is ~91% right, its errors
    # mostly between shirts, T-shirts, pullovers and coats); a class under 25 would be > 3.5 sd
    # (sqrt(50 * 0.9) = 6.7) below its share
    assert hist.sum() == n and hist.min() >= 25, hist
    x_digits = load_arrays("mnist", "test")[0][:n]
    far = evaluate.evaluate("fashion_mnist", x_digits, "fashion-classifier", n, ["fid"], real_split="test")
    # control: digits are not clothes; the FID between two samples of real clothes is well under a fifth of theirs
    assert near["fid"] < far["fid"] / 5, (near["fid"], far["fid"])
    # the classifier metric with the standard network's name takes the classifier of the real images' domain
    assert evaluate.classifier_network("fashion_mnist") == "fashion-classifier"
    assert evaluate.classifier_network("mnist") == "mnist-classifier"


def test_quality_adds_the_fashion_classifier_to_a_cached_evaluation(tmp_path, monkeypatch, quality):
    run = tmp_path / "seed0"
    (run / "generator" / "variables").mkdir(parents=True)
    (run / "generator" / "variables" / "w.bin").write_bytes(b"weights of step 18740")
    cached = {"fid": 20.0, "kid": 0.01, "kid_std": 0.001, "eval_time_s": 100.0,
              "generator_sha256": quality.generator_digest(str(run / "generator"))}
    (run / "quality_eval.json").write_text(json.dumps({"standard:10000": cached}))
    calls = []

    def fake_measure(out, dataset, gen, mode, n):
        calls.append(quality._missing(out, dataset, mode))
        out["fashion_classifier_fid"] = 3.0

    monkeypatch.setattr(quality, "_measure", fake_measure)
    out = quality.evaluate_run(str(run), "fashion_mnist", "standard", 10_000)
    assert calls == [["classifier"]]  # only the missing part is computed: the standard FID is kept
    assert out["fid"] == 20.0 and out["fashion_classifier_fid"] == 3.0 and out["eval_time_s"] >= 100.0
    again = quality.evaluate_run(str(run), "fashion_mnist", "standard", 10_000)
    assert calls == [["classifier"]] and again == out  # complete now: read back, nothing measured
    assert quality._missing({}, "mnist", "standard") == ["standard", "classifier"]
    assert quality._missing({"fid": 1.0}, "folder", "standard") == []


def test_quality_measures_again_when_the_generator_changed(tmp_path, monkeypatch, quality):
    """A run trained further (``--epochs 40`` after 20) exports a new generator: its cached evaluation must not be
    reused, nor one from before the cache recorded which generator it measured."""
    run = tmp_path / "seed0"
    (run / "generator").mkdir(parents=True)
    weights = run / "generator" / "w.bin"
    weights.write_bytes(b"epoch 20")
    calls = []

    def fake_measure(out, dataset, gen, mode, n):
        calls.append(quality._missing(out, dataset, mode))
        out.update({"fid": 10.0 + len(calls), "mnist_classifier_fid": 1.0})

    monkeypatch.setattr(quality, "_measure", fake_measure)
    first = quality.evaluate_run(str(run), "mnist", "standard", 100)
    assert calls == [["standard", "classifier"]] and first["fid"] == 11.0
    assert quality.evaluate_run(str(run), "mnist", "standard", 100) == first and len(calls) == 1  # control: reused
    weights.write_bytes(b"epoch 40")  # same size and name, other bytes
    second = quality.evaluate_run(str(run), "mnist", "standard", 100)
    assert calls[1] == ["standard", "classifier"] and second["fid"] == 12.0
    assert second["generator_sha256"] != first["generator_sha256"]
    saved = json.loads((run / "quality_eval.json").read_text())["standard:100"]
    assert saved == second
    # an entry written before digests were recorded is measured again, not trusted
    (run / "quality_eval.json").write_text(json.dumps({"standard:100": {"fid": 5.0, "mnist_classifier_fid": 1.0}}))
    assert quality.evaluate_run(str(run), "mnist", "standard", 100)["fid"] == 13.0 and len(calls) == 3
