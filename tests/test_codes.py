"""tfgan_zoo.analysis.codes against hand-computed values and closed forms."""

import numpy as np
import pytest

from tfgan_zoo.analysis import codes


def test_matched_accuracy_undoes_a_relabelling():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 1000)
    perm = rng.permutation(10)
    r = codes.matched_accuracy(perm[y], y, 10, 10)
    assert r["matched_accuracy"] == 1.0
    assert [r["assignment"][perm[c]] for c in range(10)] == list(range(10))


def test_matched_accuracy_is_one_to_one_where_greedy_is_not():
    # counts [[6, 5], [5, 0]]: matching each code to its most frequent class takes class 0 twice (purity 11/16);
    # row by row one-to-one (code 0 -> 0, then code 1 -> 1) gives 6/16; the best assignment is 0 -> 1, 1 -> 0:
    # 10/16.
    c = [0] * 11 + [1] * 5
    y = [0] * 6 + [1] * 5 + [0] * 5
    r = codes.matched_accuracy(c, y)
    assert r["matched_accuracy"] == pytest.approx(10 / 16)
    assert r["assignment"] == [1, 0]
    assert r["purity"] == pytest.approx(11 / 16)
    assert r["counts"] == [[6, 5], [5, 0]]


def test_matched_accuracy_of_unrelated_codes_is_near_chance():
    # Independent uniform codes and classes (K = 10, N = 10,000): each count is Binomial(N, 0.01), mean 100,
    # sd 9.95; the best of the 10! assignments picks 10 counts each at most about mean + 3 sd, so the accuracy
    # is at most about 10 * 130 / N = 0.13. The control (codes equal to classes) is 1.
    rng = np.random.default_rng(1)
    y = rng.integers(0, 10, 10000)
    acc = codes.matched_accuracy(rng.integers(0, 10, 10000), y)["matched_accuracy"]
    assert 0.1 <= acc < 0.13
    assert codes.matched_accuracy(y, y)["matched_accuracy"] == 1.0


def test_matched_accuracy_refuses_bad_input():
    with pytest.raises(ValueError, match="same length"):
        codes.matched_accuracy([0, 1], [0])
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        codes.matched_accuracy([0, 2], [0, 1], num_codes=2)


def test_mean_pairwise_distance_closed_forms():
    pts = np.array([[0.0], [1.0], [3.0]])  # pairs 1, 3, 2
    assert codes.mean_pairwise_distance(pts) == pytest.approx(2.0)
    assert codes.mean_pairwise_distance(np.ones((5, 4, 4))) == 0.0
    # Subsampled pairs of points on a line 0..99: the mean |i - j| over distinct pairs is (n + 1) / 3 = 33.67;
    # 20,000 pairs give a standard error of about 23.6 / sqrt(20000) = 0.17, so 1.0 is about 6 standard errors.
    line = np.arange(100.0)[:, None]
    assert codes.mean_pairwise_distance(line, max_pairs=20000) == pytest.approx(101 / 3, abs=1.0)
    with pytest.raises(ValueError, match="at least 2"):
        codes.mean_pairwise_distance(np.ones((1, 3)))


def test_diversity_ratio():
    fake = [np.zeros((3, 2)), np.array([[0.0, 0.0], [0.0, 2.0]])]
    real = [np.array([[0.0, 0.0], [0.0, 4.0]]), np.array([[0.0, 0.0], [1.0, 0.0]])]
    r = codes.diversity(fake, real, assignment=[1, 0])
    assert r["fake"] == [0.0, 2.0] and r["real"] == [1.0, 4.0]
    assert r["ratio"] == [0.0, 0.5] and r["mean_ratio"] == pytest.approx(0.25)


def _line(shift_per_row, rows=9, cols=15, start=7):
    """A one-pixel line: at height y (row rows-1-y) the column start + shift_per_row * y."""
    img = -np.ones((rows, cols))
    for y in range(rows):
        img[rows - 1 - y, int(round(start + shift_per_row * y))] = 1.0
    return img


def test_slant_of_sheared_lines():
    # x = 3 + s y exactly on the pixel grid for s in {-0.5 (even y only), 0, 1}: the least-squares slope is s.
    imgs = np.stack([_line(1.0, start=3), _line(0.0), _line(-1.0, start=11)])
    np.testing.assert_allclose(codes.slant(imgs), [1.0, 0.0, -1.0], atol=1e-12)
    # Control: mirroring left-right flips the sign.
    np.testing.assert_allclose(codes.slant(imgs[:, :, ::-1]), [-1.0, 0.0, 1.0], atol=1e-12)


def test_width_and_ink():
    img = -np.ones((1, 5, 9))
    img[0, :, 2] = 1.0
    img[0, :, 6] = 1.0  # two columns 4 apart, equal ink: horizontal sd 2
    assert codes.width(img)[0] == pytest.approx(2.0)
    assert codes.ink(img)[0] == pytest.approx(10 / 45)
    with pytest.raises(ValueError, match="no ink"):
        codes.width(-np.ones((1, 4, 4)))


def test_principal_directions_of_a_linear_generator():
    # G(z) = A z: J = A everywhere, M = A^T A, central differences are exact.
    rng = np.random.default_rng(0)
    a = rng.standard_normal((30, 6))
    dirs, vals = codes.principal_directions(lambda z: z @ a.T, rng.standard_normal((4, 6)), k=3)
    ev, evec = np.linalg.eigh(a.T @ a)
    np.testing.assert_allclose(vals, ev[::-1][:3], rtol=1e-5)
    for i in range(3):
        assert abs(float(dirs[i] @ evec[:, ::-1][:, i])) == pytest.approx(1.0, abs=1e-6)


def test_sweep_measures_retention_and_slope():
    # Row r's image at value v: a full-height bar of brightness b = 0.2 (v + 2) + 0.05 r and one white corner
    # pixel (10 x 10 images), so ink = (10 b + 1) / 100. The "classifier" says 1 when ink > 0.06, i.e. b > 0.5:
    # row 0 has b = 0, .2, .4, .6, .8 and row 1 b = .05, .25, .45, .65, .85, classes 0 0 0 1 1 in both, the
    # centre (value 0) class 0: retention 3/5, one class change per row, ink slope d(ink)/dv = 10 * 0.2 / 100.
    values = [-2, -1, 0, 1, 2]

    def generate(vs):
        out = []
        for r in range(2):
            for v in vs:
                img = -np.ones((10, 10))
                img[:, 4] = 2 * (0.2 * (v + 2) + 0.05 * r) - 1
                img[0, 0] = 1.0
                out.append(img)
        return np.stack(out)

    r = codes.sweep(generate, lambda im: (codes.ink(im) > 0.06).astype(int), rows=2, values=values)
    np.testing.assert_array_equal(r["classes"], [[0, 0, 0, 1, 1]] * 2)
    assert r["retention"] == pytest.approx(0.6)
    assert r["class_changes"] == 1.0
    assert r["ink_slope"] == pytest.approx(0.02)
    assert r["images"].shape == (2, 5, 10, 10)
    with pytest.raises(ValueError, match="expected rows"):
        codes.sweep(generate, lambda im: np.zeros(len(im)), rows=3, values=values)


def test_code_generator_composes_the_input_vector():
    g = codes.CodeGenerator(lambda v: v, noise_dim=3, num_categories=4, num_continuous=2, prior="uniform")
    z = g.noise(2, seed=0)
    assert z.shape == (2, 3) and np.abs(z).max() <= 1
    v = g.generate(z, cat=[1, 3], cont=0.5)
    np.testing.assert_array_equal(v[:, :3], z)
    np.testing.assert_array_equal(v[:, 3:7], [[0, 1, 0, 0], [0, 0, 0, 1]])
    np.testing.assert_array_equal(v[:, 7:], 0.5)
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        g.generate(z, cat=4, cont=0.0)


def _real_digit_generator(use_category: bool):
    """A "perfect InfoGAN" made of MNIST test digits: code value c draws digit (c + 3) % 10, the image picked
    by z[0] among that digit's test images (so z matters and the continuous codes do nothing). With
    ``use_category=False`` the category is ignored (the digit comes from z[1]): the control."""
    from tfgan_zoo.data.memory import load_arrays

    x, y = load_arrays("mnist", "test")
    x = np.asarray(x, np.float32) / 127.5 - 1.0
    by_digit = [x[y == d][:500] for d in range(10)]

    def fn(v):
        z, cat = v[:, :4], v[:, 4:14].argmax(axis=1)
        digit = (cat + 3) % 10 if use_category else np.minimum(((z[:, 1] + 1) / 2 * 10).astype(int), 9)
        pick = np.minimum(((z[:, 0] + 1) / 2 * 500).astype(int), 499)
        return np.stack([by_digit[d][p] for d, p in zip(digit, pick)])

    return codes.CodeGenerator(fn, noise_dim=4, num_categories=10, num_continuous=2, prior="uniform")


def test_infogan_benchmark_on_real_digits(infogan_codes):
    # The committed classifier reads 99.49% of MNIST test digits right (benchmarks/results classifier file);
    # 200 distinct-ish picks per code value (z[0] uniform over 500 test images of the digit) are at least 97%
    # right unless the classifier fails on them. The images of one code value are real digits of one class, so
    # their spread equals a real sample's up to sampling noise (ratio 1 +- 0.1). The continuous codes do nothing:
    # every sweep keeps its class (retention 1) with zero slope.
    r = infogan_codes.measure(_real_digit_generator(True), n_per_code=200, rows=20)
    assert r["matched_accuracy"] >= 0.97
    assert r["assignment"] == [(c + 3) % 10 for c in range(10)]
    assert 0.9 <= r["diversity"]["mean_ratio"] <= 1.1
    for entry in r["continuous"]:
        assert entry["trained"]["retention"] == 1.0 and entry["extended"]["slant_slope"] == 0.0
    # Control: a generator whose category does nothing is near chance (the 10 x 10 counts of 200 per code
    # value are Binomial(200, 0.1): mean 20, sd 4.2; the best assignment takes about 10 * (20 + 2 sd) / 2000 = 0.18).
    bad = infogan_codes.measure(_real_digit_generator(False), n_per_code=200, rows=20)
    assert bad["matched_accuracy"] < 0.25


@pytest.mark.slow
def test_infogan_benchmark_command(tmp_path):
    """A 4-step InfoGAN run, then the benchmark on its folder: JSON and PNGs written and re-read; a run
    without codes is refused with a message naming the problem."""
    import json
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    run = str(tmp_path / "run")
    common = ["--epochs", "1", "--steps-per-epoch", "4", "--batch-size", "16", "--width", "8",
              "--no-tensorboard"]
    subprocess.run([sys.executable, os.path.join(root, "scripts", "train.py"), "--info-categorical", "10",
                    "--info-continuous", "2", "--out", run, *common], check=True, env=env, capture_output=True)
    out = str(tmp_path / "codes" / "r.json")
    p = subprocess.run([sys.executable, os.path.join(root, "benchmarks", "infogan_codes.py"), "--run", run,
                        "--n", "200", "--out", out], env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-2000:]
    saved = json.load(open(out))
    assert saved["generator_steps"] == 4 and saved["protocol"]["n_per_code"] == 200
    assert 0 <= saved["matched_accuracy"] <= 1 and len(saved["continuous"]) == 2
    assert sum(map(sum, saved["counts"])) == 2000
    for name in ("categorical", "continuous_0_trained", "continuous_1_extended", "stroke"):
        assert os.path.getsize(str(tmp_path / "codes" / f"r_{name}.png")) > 1000
    plain = str(tmp_path / "plain")
    subprocess.run([sys.executable, os.path.join(root, "scripts", "train.py"), "--out", plain, *common],
                   check=True, env=env, capture_output=True)
    p = subprocess.run([sys.executable, os.path.join(root, "benchmarks", "infogan_codes.py"), "--run", plain],
                       env=env, capture_output=True, text=True)
    assert p.returncode == 2 and "not an InfoGAN run" in p.stderr


def test_infogan_benchmark_refuses_a_run_without_an_export(infogan_codes, tmp_path, capsys):
    """A run folder whose generator is not exported yet (still training) gets a one-line error, not a trace."""
    import json

    (tmp_path / "config.json").write_text(json.dumps({"info_categorical": 10, "info_continuous": 2,
                                                      "dataset": "mnist"}))
    with pytest.raises(SystemExit) as e:
        infogan_codes.main(["--run", str(tmp_path)])
    assert e.value.code == 2 and "no saved_model.pb" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        infogan_codes.main(["--run", str(tmp_path / "nowhere")])
    assert "has no config.json" in capsys.readouterr().err
