"""tfgan_zoo.metrics.translation: L1, SSIM (closed forms and scikit-image), label preservation on real MNIST.

Tolerances: closed forms hold exactly in real arithmetic, so they are checked to float64 round-off (1e-12,
or 1e-10 where two variances that are equal in theory are computed from different sums, see below). The
scikit-image comparison uses the same scipy filters in float64 and differs only in summation order (2.2e-16
observed), so 1e-12 is asserted, well inside the 1e-6 asked for.
"""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter, grey_dilation, uniform_filter

from tfgan_zoo import metrics
from tfgan_zoo.metrics import translation as tr
from tfgan_zoo.metrics.translation import l1_error, label_preservation, ssim, ssim_per_image, translation_report

C1, C2 = (0.01 * 2.0) ** 2, (0.03 * 2.0) ** 2  # data_range 2 for [-1, 1]
# Settings that must agree with skimage.metrics.structural_similarity(..., data_range=2.0, channel_axis=-1, **kw)
SETTINGS = [
    ({}, {}),  # skimage defaults: uniform 7x7, sample covariance
    ({"win_size": 5}, {"win_size": 5}),
    ({"gaussian": True}, {"gaussian_weights": True, "sigma": 1.5, "use_sample_covariance": False}),  # Wang et al.
]


def _random(shape, seed):
    return np.random.default_rng(seed).uniform(-1, 1, shape)


def _strokes(n=4, size=32, seed=0):
    """MNIST-like grayscale images: background -1 (constant windows, zero variance) with bright bars and a disc."""
    rng = np.random.default_rng(seed)
    x = np.full((n, size, size, 1), -1.0)
    yy, xx = np.mgrid[:size, :size]
    for i in range(n):
        r0, c0 = rng.integers(4, size - 12, 2)
        x[i, r0:r0 + 10, c0:c0 + 2, 0] = 1.0
        x[i, r0 + 4:r0 + 6, c0:c0 + 8, 0] = 0.5
        cy, cx = rng.integers(8, size - 8, 2)
        x[i, ..., 0][(yy - cy) ** 2 + (xx - cx) ** 2 <= 9] = rng.uniform(0, 1)
    return x


def _smooth(shape, seed, amplitude=0.5):
    """Smooth random fields in [-amplitude, amplitude] (structure at several pixels' scale)."""
    x = gaussian_filter(np.random.default_rng(seed).standard_normal(shape), sigma=(0, 2, 2, 0))
    return amplitude * x / np.abs(x).max()


# ---------------------------------------------------------------- L1

def test_l1_closed_forms():
    x = _random((3, 8, 8, 2), 0)
    assert l1_error(x, x) == 0.0
    a, b = np.full((2, 5, 5, 3), 0.25), np.full((2, 5, 5, 3), -0.7)
    assert l1_error(a, b) == pytest.approx(0.95, abs=1e-15)  # |a - b|; only the float64 rounding of 0.25 + 0.7
    # by hand: |0.5 - 0| + |-1 - 1| + |0 - 0| + |0.2 - (-0.2)| = 2.9 over 4 pixels
    p = np.array([0.5, -1.0, 0.0, 0.2]).reshape(1, 2, 2, 1)
    t = np.array([0.0, 1.0, 0.0, -0.2]).reshape(1, 2, 2, 1)
    assert l1_error(p, t) == pytest.approx(2.9 / 4, abs=1e-15)


# ---------------------------------------------------------------- SSIM closed forms (no reference library)

@pytest.mark.parametrize("kw", [{}, {"gaussian": True}, {"win_size": 3}])
def test_ssim_of_an_image_with_itself_is_one(kw):
    for x in (_random((3, 16, 16, 3), 1), _strokes(3, 20, seed=1)):
        # x == y makes every factor of the numerator equal to the one below it: 1 up to a division's rounding
        np.testing.assert_allclose(ssim_per_image(x, x, **kw), 1.0, rtol=0, atol=1e-12)
        assert ssim(x, x, **kw) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("kw", [{}, {"gaussian": True}])
@pytest.mark.parametrize("a,b", [(0.3, -0.5), (-1.0, 1.0), (0.8, 0.8)])
def test_ssim_constant_images_closed_form(kw, a, b):
    # every window has means a, b and zero variances: SSIM = (2ab + C1)/(a^2 + b^2 + C1) * (C2 / C2)
    x, y = np.full((2, 16, 16, 3), a), np.full((2, 16, 16, 3), b)
    expected = (2 * a * b + C1) / (a * a + b * b + C1)
    # 1e-12: filtering a constant gives it back only up to round-off (~1e-16), tiny against C1 = 4e-4
    np.testing.assert_allclose(ssim_per_image(x, y, **kw), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("gaussian", [False, True])
def test_ssim_constant_shift_closed_form(gaussian):
    # y = x + c: sigma_y = sigma_x = sigma_xy, so the contrast-structure factor is 1 and only luminance is left
    x, c = _smooth((2, 24, 24, 2), 3), 0.3
    y = x + c
    if gaussian:
        mu, pad = gaussian_filter(x, sigma=(0, 1.5, 1.5, 0), truncate=3.5, mode="reflect"), 5
    else:
        mu, pad = uniform_filter(x, size=(1, 7, 7, 1), mode="reflect"), 3
    lum = (2 * mu * (mu + c) + C1) / (mu ** 2 + (mu + c) ** 2 + C1)
    expected = lum[:, pad:-pad, pad:-pad, :].mean(axis=(1, 2, 3))
    assert np.all(expected < 0.99)  # the shift is visible: the test is not just "1 == 1"
    # 1e-10: var(x + c) and cov(x, x + c) equal var(x) only up to round-off of E[y^2] - E[y]^2 (~1e-16 * 1),
    # which enters relative to C2 = 3.6e-3: an error of order 1e-13
    np.testing.assert_allclose(ssim_per_image(x, y, gaussian=gaussian), expected, rtol=0, atol=1e-10)


def test_ssim_symmetric_and_mean_of_per_image():
    x, y = _random((4, 20, 20, 3), 4), _random((4, 20, 20, 3), 5)
    for kw in ({}, {"gaussian": True}):
        # the formula is symmetric in x and y; only the order of products can differ: 1e-12
        np.testing.assert_allclose(ssim_per_image(x, y, **kw), ssim_per_image(y, x, **kw), rtol=0, atol=1e-12)
        # all images have one size, so the mean over images is the mean over all windows
        assert ssim(x, y, **kw) == pytest.approx(np.mean(ssim_per_image(x, y, **kw)), abs=1e-15)


def test_ssim_drops_with_noise_control():
    x = _strokes(4, 32, seed=2)
    rng = np.random.default_rng(6)
    scores = [ssim(np.clip(x + s * rng.standard_normal(x.shape), -1, 1), x) for s in (0.05, 0.2, 0.5)]
    assert scores[0] < 0.9  # even mild noise is clearly not a perfect translation (flat background is fragile)
    assert scores[0] > scores[1] > scores[2]  # more noise, less similarity
    assert abs(ssim(_random((4, 32, 32, 1), 7), _random((4, 32, 32, 1), 8))) < 0.05  # independent noise: ~0


# ---------------------------------------------------------------- SSIM against scikit-image

@pytest.mark.parametrize("ours,theirs", SETTINGS)
def test_ssim_matches_scikit_image(ours, theirs):
    skm = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(9)
    rand_t = _random((3, 32, 30, 3), 10)
    rand_p = np.clip(rand_t + 0.3 * rng.standard_normal(rand_t.shape), -1, 1)
    stroke_t = _strokes(3, 32, seed=3)
    stroke_p = grey_dilation(stroke_t, size=(1, 2, 2, 1))  # "thin -> thick strokes": a plausible translation
    smooth_t = _smooth((2, 28, 28, 1), 11, 0.9)
    smooth_p = _smooth((2, 28, 28, 1), 12, 0.9) * 0.3 + smooth_t * 0.7
    worst = 0.0
    for p, t in ((rand_p, rand_t), (stroke_p, stroke_t), (smooth_p, smooth_t)):
        ref = np.array([skm.structural_similarity(p[i], t[i], data_range=2.0, channel_axis=-1, **theirs)
                        for i in range(len(p))])
        worst = max(worst, float(np.max(np.abs(ssim_per_image(p, t, **ours) - ref))))
        assert ssim(p, t, **ours) == pytest.approx(ref.mean(), abs=1e-12)
    assert worst <= 1e-12, worst  # same filters in float64: summation order only (observed 2.2e-16)


@pytest.mark.parametrize("ours,theirs", SETTINGS)
def test_ssim_matches_scikit_image_on_real_digits(ours, theirs, mnist_test_1000):
    skm = pytest.importorskip("skimage.metrics")
    t = mnist_test_1000[0][:100].astype(np.float64)  # float64: skimage computes float32 input in float32
    p = grey_dilation(t, size=(1, 2, 2, 1))  # thin -> thick strokes
    ref = np.array([skm.structural_similarity(p[i], t[i], data_range=2.0, channel_axis=-1, **theirs)
                    for i in range(len(t))])
    assert 0.2 < ref.mean() < 0.9  # a real, imperfect translation
    np.testing.assert_allclose(ssim_per_image(p, t, **ours), ref, rtol=0, atol=1e-12)  # same reason as above


# ---------------------------------------------------------------- input checks

def test_inputs_are_checked_with_the_fix_in_the_message():
    x = _random((2, 8, 8, 1), 0)
    with pytest.raises(ValueError, match=r"pred has shape \(2, 8, 8, 1\) but target has \(2, 8, 9, 1\): translate"):
        l1_error(x, _random((2, 8, 9, 1), 1))
    with pytest.raises(ValueError, match=r"4-D batch.*x\[None\]"):
        ssim(x[0], x[0])
    with pytest.raises(ValueError, match=r"x / 127.5 - 1"):
        l1_error(np.zeros((1, 8, 8, 1), np.uint8), x[:1])
    with pytest.raises(ValueError, match="1 NaN or infinite"):
        l1_error(x, np.where(np.arange(x.size).reshape(x.shape) == 5, np.nan, x))
    with pytest.raises(ValueError, match="no images"):
        ssim(x[:0], x[:0])
    # the range rule: up to 1e-3 outside [-1, 1] is round-off and accepted as is; more is an error naming the fix
    assert l1_error(np.full((1, 8, 8, 1), 1.0005), np.ones((1, 8, 8, 1))) == pytest.approx(5e-4, abs=1e-12)
    with pytest.raises(ValueError, match=r"in \[-1, 1\] \(tolerance 0.001\): rescale with x \* 2 - 1"):
        l1_error(np.full((1, 8, 8, 1), 1.002), x[:1])
    with pytest.raises(ValueError, match=r"target has values in \[255, 255\].*or x / 127.5 - 1 if in \[0, 255\]"):
        ssim(x, np.full_like(x, 255.0))
    with pytest.raises(ValueError, match="odd integer >= 3"):
        ssim(x, x, win_size=4)
    with pytest.raises(ValueError, match="smaller than the 7x7 SSIM window"):
        ssim(x[:, :6], x[:, :6])
    with pytest.raises(ValueError, match="gaussian=True uses the 11x11 window"):
        ssim(x, x, gaussian=True, win_size=7)
    with pytest.raises(ValueError, match="data_range"):
        ssim(x, x, data_range=0.0)


def test_tensors_are_accepted():
    tf = pytest.importorskip("tensorflow")
    x, y = _random((2, 12, 12, 1), 0).astype(np.float32), _random((2, 12, 12, 1), 1).astype(np.float32)
    assert ssim(tf.constant(x), tf.constant(y)) == ssim(x, y)
    assert l1_error(tf.constant(x), tf.constant(y)) == l1_error(x, y)


def test_package_reexports_without_loading_keras():
    assert metrics.ssim is ssim and metrics.translation_report is translation_report
    assert set(tr.__all__) >= set(metrics.__all__)


# ---------------------------------------------------------------- label preservation on real MNIST

@pytest.fixture(scope="module")
def mnist_test_1000():
    """The first 1,000 MNIST test digits as float32 in [-1, 1] (the scaling of tfgan_zoo.data.load) and labels."""
    import tensorflow as tf

    from tfgan_zoo.data import DatasetUnavailableError, load_arrays
    from tfgan_zoo.data.transform import to_signed_unit

    try:
        x, y = load_arrays("mnist", split="test")  # uint8 (n, 28, 28, 1) in [0, 255], int64 labels
    except DatasetUnavailableError as e:
        pytest.skip(str(e))
    return to_signed_unit(tf.constant(x[:1000])).numpy(), y[:1000]


# Measured: 0.993 (7 errors in 1,000). The binomial standard error at n = 1000 is sqrt(0.993 * 0.007 / 1000) =
# 0.0026; the threshold is the measured value minus 3 standard errors, rounded down: 0.985.
MIN_ACCURACY = 0.985


def test_label_preservation_real_digits_and_wrong_labels(mnist_test_1000):
    x, y = mnist_test_1000
    out = label_preservation(x, y)
    assert out["n"] == 1000 and sorted(out["per_class"]) == list(range(10))
    assert out["accuracy"] >= MIN_ACCURACY, out
    # per-class accuracies average back to the overall one, weighted by class counts
    counts = np.bincount(y, minlength=10)
    assert sum(counts[d] * a for d, a in out["per_class"].items()) / 1000 == pytest.approx(out["accuracy"], abs=1e-12)
    # control: every label wrong (digit + 1 mod 10; np.roll would keep ~10% right by chance, equal neighbours).
    # A hit now needs the classifier to err *towards* the shifted digit: at most 1 - 0.993 = 0.007 here.
    wrong = label_preservation(x, (y + 1) % 10)
    assert wrong["accuracy"] <= 0.05, wrong


def test_label_preservation_undoes_unet_padding_and_resizes(mnist_test_1000):
    x, y = mnist_test_1000
    x, y = x[:300], y[:300]
    plain = label_preservation(x, y)
    # 28 -> 32 by 2 background pixels a side (zero-padding in [0, 255] is -1 here): the centre crop is exact
    padded = np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)), constant_values=-1.0)
    np.testing.assert_array_equal(tr._to_classifier_input(padded), x)
    assert label_preservation(padded, y) == plain
    # padded=False (32x32 made by resizing 28 -> 32, as data.load(image_size=32) does) resizes instead of cropping
    resized = tr._to_classifier_input(padded, padded=False)
    assert resized.shape == (300, 28, 28, 1) and not np.array_equal(resized, x)
    from tfgan_zoo.data import convert_arrays

    # (clipped to [-1, 1]: the resize leaves round-off such as -1.0000001)
    np.testing.assert_array_equal(resized, np.clip(convert_arrays(padded.astype(np.float32), image_size=28), -1, 1))
    # another size (56x56 nearest-neighbour upsampling) is resized back; 3 channels become luma
    big = np.repeat(np.repeat(x, 2, axis=1), 2, axis=2)
    assert tr._to_classifier_input(big).shape == (300, 28, 28, 1)
    # measured on these 300: 1.000 as they are, 0.997 resized, 1.000 as RGB. At n = 300 three binomial standard
    # errors below 0.997 is 0.987, so the n = 1000 threshold 0.985 still holds a 3-sigma margin.
    assert label_preservation(big, y)["accuracy"] >= MIN_ACCURACY  # antialiased 2x downsampling ~ the original
    rgb = np.repeat(x, 3, axis=-1)
    assert label_preservation(rgb, y)["accuracy"] >= MIN_ACCURACY  # luma of grey = grey (weights sum to 0.9999)


def test_label_preservation_custom_classifier_per_class():
    keras = pytest.importorskip("keras")
    # a classifier that always answers 3 (zero weights, bias favouring class 3)
    inp = keras.Input((28, 28, 1))
    dense = keras.layers.Dense(10, activation="softmax", kernel_initializer="zeros",
                               bias_initializer=keras.initializers.Constant(np.eye(10)[3] * 5))
    always3 = keras.Model(inp, dense(keras.layers.Flatten()(inp)), name="always3")
    labels = np.array([3, 3, 1, 2, 3, 1])
    out = label_preservation(np.zeros((6, 28, 28, 1)), labels, classifier=always3)
    assert out == {"accuracy": 0.5, "per_class": {1: 0.0, 2: 0.0, 3: 1.0}, "n": 6}


def test_label_checks():
    x = np.zeros((4, 28, 28, 1))
    with pytest.raises(ValueError, match=r"expected \(4,\)"):
        label_preservation(x, np.zeros(3, int))
    with pytest.raises(ValueError, match="integer digits"):
        label_preservation(x, np.zeros(4))
    with pytest.raises(ValueError, match="digits 0..9"):
        label_preservation(x, np.array([0, 1, 2, 10]))
    with pytest.raises(ValueError, match="translated has values"):
        label_preservation(x + 3, np.zeros(4, int))


# ---------------------------------------------------------------- the report

def test_translation_report(mnist_test_1000):
    x, y = mnist_test_1000
    x, y = x[:200], y[:200]
    thick = grey_dilation(x, size=(1, 2, 2, 1))  # a target that differs from the "translation" x
    rep = translation_report(x, thick, labels=y)
    assert set(rep) == {"l1", "ssim", "label_preservation", "label_preservation_per_class", "n", "protocol"}
    assert rep["n"] == 200
    assert rep["l1"] == pytest.approx(l1_error(x, thick), abs=0) and rep["l1"] > 0
    assert rep["ssim"] == pytest.approx(ssim(x, thick), abs=0) and rep["ssim"] < 1
    lp = label_preservation(x, y)
    assert rep["label_preservation"] == lp["accuracy"] and rep["label_preservation_per_class"] == lp["per_class"]
    for words in ("mnist_classifier.weights.h5", "7x7", "sample covariance", "K1=0.01", "K2=0.03",
                  "data_range=2.0", "32x32 centre-cropped"):
        assert words in rep["protocol"], words
    # a perfect translation, without labels: L1 0, SSIM 1, no classifier involved
    perfect = translation_report(x, x)
    assert perfect["l1"] == 0 and perfect["ssim"] == pytest.approx(1, abs=1e-12)
    assert perfect["label_preservation"] is None and "classifier" not in perfect["protocol"]
    unpadded = translation_report(x, x, labels=y, padded=False)["protocol"]
    assert "32x32 centre-cropped" not in unpadded and "resized" in unpadded
    with pytest.raises(ValueError, match="no labels"):
        translation_report(x, x, classifier=object())
