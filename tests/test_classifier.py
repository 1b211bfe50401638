import os

import numpy as np
import pytest

from tfgan_zoo.metrics import classifier as clf
from tfgan_zoo.metrics.class_stats import class_accuracy, class_histogram, classes_covered, classifier_score, save_class_histogram


def _onehot(labels, k=10):
    return np.eye(k)[np.asarray(labels)]


def test_score_single_class_is_one():
    mean, std = classifier_score(_onehot([3] * 50))
    assert mean == pytest.approx(1.0) and std == 0.0


def test_score_uniform_one_hot_mix_is_num_classes():
    mean, std = classifier_score(_onehot(np.arange(100) % 10))
    assert mean == pytest.approx(10.0)
    mean, std = classifier_score(_onehot(np.arange(100) % 10), splits=10)  # every split holds all 10 classes
    assert mean == pytest.approx(10.0) and std == pytest.approx(0.0, abs=1e-12)


def test_score_closed_form_two_classes_and_uniform_probs():
    # half the images class 0, half class 1 (one-hot): exp(log 2) = 2
    assert classifier_score(_onehot([0, 1] * 10))[0] == pytest.approx(2.0)
    # unsure predictions carry no information: score 1
    assert classifier_score(np.full((8, 10), 0.1))[0] == pytest.approx(1.0)


def test_score_splits_std():
    probs = np.concatenate([_onehot([0] * 10), _onehot([0, 1] * 5)])
    mean, std = classifier_score(probs, splits=2)  # split scores 1 and 2
    assert mean == pytest.approx(1.5) and std == pytest.approx(0.5)


def test_score_rejects_logits():
    with pytest.raises(ValueError, match="sum to 1"):
        classifier_score(np.array([[2.0, -1.0], [0.5, 0.5]]))


def test_histogram_counts():
    labels = np.array([0, 0, 3, 9, 3, 3])
    np.testing.assert_array_equal(class_histogram(_onehot(labels)), [2, 0, 0, 3, 0, 0, 0, 0, 0, 1])
    np.testing.assert_array_equal(class_histogram(labels, num_classes=10), [2, 0, 0, 3, 0, 0, 0, 0, 0, 1])
    soft = np.array([[0.6, 0.4], [0.3, 0.7], [0.1, 0.9]])
    np.testing.assert_array_equal(class_histogram(soft), [1, 2])
    assert classes_covered([2, 0, 0, 3, 0, 0, 0, 0, 0, 1]) == 3


def test_save_histogram_png(tmp_path):
    path = tmp_path / "hist.png"
    assert save_class_histogram(np.array([5, 0, 3, 1, 0, 0, 0, 2, 0, 9]), path) == str(path)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.listdir(tmp_path) == ["hist.png"]


def test_missing_weights_says_how_to_train(tmp_path):
    with pytest.raises(clf.ClassifierWeightsNotFoundError, match="scripts/train_mnist_classifier.py"):
        clf.load_mnist_classifier(tmp_path / "none.weights.h5")


def test_wrong_shape_names_expected():
    with pytest.raises(ValueError, match="28x28x1"):
        clf.preprocess(np.zeros((2, 32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        clf.preprocess(np.full((2, 28, 28, 1), 255.0, np.float32))
    assert clf.preprocess(np.zeros((2, 28, 28), np.uint8)).shape == (2, 28, 28, 1)


def test_committed_classifier_accuracy_and_features():
    from tfgan_zoo.data import DatasetUnavailableError, load_arrays

    assert os.path.isfile(clf.WEIGHTS_PATH), "weights must be committed to the package"
    assert os.path.getsize(clf.WEIGHTS_PATH) < 1_000_000
    try:
        x, y = load_arrays("mnist", "test")
    except DatasetUnavailableError as e:
        pytest.skip(str(e))
    feats, probs = clf.classifier_outputs(x[:2000])
    assert feats.shape == (2000, clf.FEATURE_DIM) and probs.shape == (2000, 10)
    acc = np.mean(np.argmax(probs, axis=1) == y[:2000])
    assert acc >= 0.99, acc
    # real digits: confident and spread over all classes
    score, _ = classifier_score(probs)
    assert score > 9.0
    assert classes_covered(class_histogram(probs)) == 10


def test_class_accuracy_overall_and_per_class():
    probs = _onehot([0, 1, 1, 2, 2, 2], k=4) * 0.7 + 0.075  # argmax = the one-hot class
    out = class_accuracy(probs, np.array([0, 1, 2, 2, 2, 0]))
    assert out["class_accuracy"] == pytest.approx(4 / 6)  # hits at 0, 1, 3, 4
    assert out["class_accuracy_per_class"] == pytest.approx([0.5, 1.0, 2 / 3, None])  # class 3 never asked for
    with pytest.raises(ValueError, match="one per image"):
        class_accuracy(probs, np.zeros(5, int))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        class_accuracy(probs, np.full(6, 4))
