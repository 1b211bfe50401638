import json

import numpy as np
import pytest

from tfgan_zoo.metrics.moments import (
    ProtocolMismatchError,
    RunningMoments,
    SingularCovarianceWarning,
    load_moments,
    warn_if_singular,
)


def _batches(x, sizes):
    out, i = [], 0
    for s in sizes:
        out.append(x[i:i + s])
        i += s
    assert i == len(x)
    return out


@pytest.mark.parametrize("offset", [0.0, 1e6])
def test_matches_numpy_on_uneven_batches(offset):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((203, 7)) @ rng.standard_normal((7, 7)) + offset
    m = RunningMoments()
    for b in _batches(x, [1, 2, 100, 0, 37, 63]):
        m.update(b)
    assert m.n == 203 and m.dim == 7
    np.testing.assert_allclose(m.mean, x.mean(axis=0), rtol=1e-12, atol=1e-9)
    ref = np.cov(x, rowvar=False)
    np.testing.assert_allclose(m.cov, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())
    assert np.array_equal(m.cov, m.cov.T)


def test_large_offset_no_cancellation():
    # Naive sum-of-squares would lose all digits here: x^2 ~ 1e18, variance ~ 1e-2.
    rng = np.random.default_rng(1)
    x = 1e9 + 0.1 * rng.standard_normal((500, 3))
    m = RunningMoments()
    for b in _batches(x, [7, 250, 243]):
        m.update(b)
    ref = np.cov(x, rowvar=False)
    np.testing.assert_allclose(m.cov, ref, rtol=1e-6, atol=1e-8)


def test_state_is_constant_size():
    m = RunningMoments(dim=4)
    rng = np.random.default_rng(2)
    for _ in range(20):
        m.update(rng.standard_normal((50, 4)))
    sizes = {k: np.asarray(v).size for k, v in vars(m).items() if isinstance(v, np.ndarray)}
    assert sizes == {"_mean": 4, "_scatter": 16}


def test_merge_equals_single_pass():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((90, 5)) + 3
    a = RunningMoments().update(x[:40])
    b = RunningMoments().update(x[40:])
    a.merge(b)
    np.testing.assert_allclose(a.cov, np.cov(x, rowvar=False), rtol=1e-10, atol=1e-12)


def test_bad_inputs():
    m = RunningMoments(dim=3)
    with pytest.raises(ValueError, match="2-D"):
        m.update(np.zeros(3))
    with pytest.raises(ValueError, match="dimension 4"):
        m.update(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="NaN"):
        m.update(np.array([[0.0, np.nan, 1.0]]))
    with pytest.raises(ValueError, match="at least 2"):
        m.cov
    with pytest.raises(ValueError, match="update"):
        RunningMoments().mean


def test_save_load_roundtrip_and_protocol(tmp_path):
    rng = np.random.default_rng(4)
    proto = {"network": "fid-inception", "resize": "bilinear-299", "dataset": "mnist", "split": "train", "n": 30}
    m = RunningMoments(protocol=proto).update(rng.standard_normal((30, 4)))
    path = tmp_path / "stats.npz"
    m.save(path)
    with np.load(path) as f:
        assert json.loads(str(f["protocol"])) == proto
    back = RunningMoments.load(path, expected_protocol=dict(reversed(list(proto.items()))))
    assert back.n == 30 and back.protocol == proto
    np.testing.assert_array_equal(back.mean, m.mean)
    np.testing.assert_allclose(back.cov, m.cov, rtol=1e-15)
    # loaded moments keep streaming correctly
    more = rng.standard_normal((5, 4))
    back.update(more)
    stats = load_moments(path)
    assert stats.n == 30


def test_protocol_mismatch_names_both(tmp_path):
    path = tmp_path / "stats.npz"
    RunningMoments(protocol={"network": "fid-inception", "n": 10}).update(np.eye(10, 3)).save(path)
    with pytest.raises(ProtocolMismatchError) as e:
        load_moments(path, expected_protocol={"network": "keras-imagenet", "n": 10})
    msg = str(e.value)
    assert "fid-inception" in msg and "keras-imagenet" in msg and "differs in: network" in msg


def test_load_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="No statistics file"):
        load_moments(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="not a tfgan_zoo statistics file"):
        load_moments(tmp_path / "other.npz")


def test_singular_warning_names_count():
    with pytest.warns(SingularCovarianceWarning, match=r"only 5 samples for 20 .*singular"):
        assert warn_if_singular(5, 20)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not warn_if_singular(21, 20)
