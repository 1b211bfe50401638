"""Discriminator rejection sampling (tfgan_zoo.rejection) against closed forms."""

import math

import numpy as np
import pytest

from tfgan_zoo import rejection

MU, S = 0.7, 0.6  # target N(MU, S^2); proposals N(0, 1)


def log_ratio(x):
    """log N(x; MU, S^2) - log N(x; 0, 1), the optimal classifier's logit."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    return -math.log(S) - (x - MU) ** 2 / (2 * S * S) + x * x / 2


def propose(k, rng):
    return rng.standard_normal((k, 1))


def spike(x):
    """A log ratio whose maximum (30) is far from the bulk (0): only |x| > 3.5 is ever kept."""
    return np.where(np.abs(x[:, 0]) > 3.5, 30.0, 0.0)


def test_acceptance_is_the_density_ratio_over_its_maximum():
    logits, m = np.array([-3.0, -1.0, 0.0, 0.4]), 0.5
    # gamma = 0: sigmoid(F) = exp(l - M) up to eps, whose effect is eps e^d / (1 - e^d) <= 1e-12 / (1 - e^-0.1)
    # ~ 1e-11 on the log scale here; 1e-9 relative is far above it and far below any formula error
    np.testing.assert_allclose(rejection.accept_probability(logits, m, eps=1e-12), np.exp(logits - m), rtol=1e-9)
    # at l = M the probability is 1 - O(eps)
    assert rejection.accept_probability([m], m, eps=1e-9)[0] == pytest.approx(1.0, abs=2e-9)
    # gamma shifts the logit of the acceptance: logit(p_gamma) = logit(p_0) - gamma
    p0 = rejection.accept_probability(logits, m)
    p1 = rejection.accept_probability(logits, m, gamma=1.5)
    np.testing.assert_allclose(np.log(p1 / (1 - p1)), np.log(p0 / (1 - p0)) - 1.5, rtol=1e-9, atol=1e-9)
    assert np.all(p1 < p0)  # control: a positive gamma keeps fewer


def test_exact_ratio_recovers_the_target_and_the_acceptance_rate():
    n = 20_000
    x, stats = rejection.rejection_sample(propose, log_ratio, n, seed=3, batch_size=4000)
    assert x.shape == (n, 1)
    # sampling error of the mean: S / sqrt(n) = 0.0042; of the standard deviation: S / sqrt(2 n) = 0.0030; 5 of each
    assert abs(x.mean() - MU) < 5 * S / math.sqrt(n)
    assert abs(x.std() - S) < 5 * S / math.sqrt(2 * n)
    # exact rejection sampling keeps E_g[exp(l - M)] = exp(-M) of the proposals, M = sup l attained at
    # x* = MU / (1 - S^2); binomial error sqrt(p (1 - p) / proposals), 5 of them (M is estimated from the draws,
    # within 1e-3 of the supremum for 10^4 normal draws near x* = 1.09, which moves the rate by < 0.1%)
    sup = float(log_ratio([MU / (1 - S * S)])[0])
    assert stats["max_logit"] <= sup + 1e-12 and stats["max_logit"] > sup - 1e-3
    p = math.exp(-sup)
    assert abs(stats["acceptance"] - p) < 5 * math.sqrt(p * (1 - p) / stats["proposals"]) + 1e-3 * p
    # control: the proposals themselves are nowhere near the target
    raw = propose(n, np.random.default_rng(3))
    assert abs(raw.mean() - MU) > 100 * S / math.sqrt(n)


def test_progress_lines_every_log_every_proposals(capsys):
    x, stats = rejection.rejection_sample(propose, log_ratio, 500, seed=3, batch_size=1000, log_every=2000)
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("rejection sampling: kept")]
    # one line each time the proposals (1,000 a round) pass a multiple of 2,000: every second round
    assert len(lines) == stats["proposals"] // 2000 >= 1
    assert f"of {2000:,} proposals" in lines[0] and "acceptance" in lines[0] and "elapsed" in lines[0]
    rejection.rejection_sample(propose, log_ratio, 500, seed=3, batch_size=1000)  # control: silent by default
    assert "rejection sampling" not in capsys.readouterr().err
    with pytest.raises(ValueError, match="log_every must be >= 0"):
        rejection.rejection_sample(propose, log_ratio, 5, log_every=-1)


def test_gamma_percentile_is_taken_on_the_burn_in_batch():
    pts = np.linspace(-2, 2, 101)[:, None]
    x, stats = rejection.rejection_sample(lambda k, rng: np.resize(pts, (k, 1)), log_ratio, 50,
                                          gamma_percentile=80, burn_in=500, batch_size=100)
    warm = log_ratio(np.resize(pts, (500, 1)))
    assert stats["gamma"] == pytest.approx(np.percentile(rejection.drs_logits(warm, warm.max()), 80), rel=1e-12)
    assert x.shape == (50, 1)


def test_bad_input_is_refused_with_the_fix():
    with pytest.raises(ValueError, match="exceeds max_logit"):
        rejection.drs_logits([1.0, 2.0], 1.5)
    with pytest.raises(ValueError, match="not finite"):
        rejection.drs_logits([0.0, float("nan")], 1.0)
    with pytest.raises(ValueError, match="n, batch_size and burn_in must be >= 1"):
        rejection.rejection_sample(propose, log_ratio, 0)
    with pytest.raises(ValueError, match="gamma_percentile must lie in"):
        rejection.rejection_sample(propose, log_ratio, 5, gamma_percentile=120)
    with pytest.raises(ValueError, match="one logit per sample"):
        rejection.rejection_sample(propose, lambda x: np.zeros(len(x) // 2), 5)
    with pytest.raises(ValueError, match="not finite"):
        rejection.rejection_sample(propose, lambda x: np.full(len(x), np.nan), 5)
    # a ratio whose maximum is far from the bulk keeps almost nothing: the error says how far it got and the fix
    with pytest.raises(rejection.RejectionShortfall, match="raise max_proposals, or lower gamma") as short:
        rejection.rejection_sample(propose, spike, 1000, max_proposals=20_000, burn_in=100_000, seed=1,
                                   stop_early=False)
    assert isinstance(short.value, RuntimeError) and short.value.proposals == 20_000
    assert 0 <= short.value.kept < 1000 and f"kept {short.value.kept} of 20000" in str(short.value)


def test_a_hopeless_run_stops_early_and_a_feasible_one_does_not():
    """The spike ratio keeps a proposal only where |x| > 3.5 (logit 30 = M: acceptance 1 - 1e-6; elsewhere logit 0:
    exp(-30)), so the acceptance is q = P(|Z| > 3.5) = erfc(3.5 / sqrt 2) = 4.65e-4 exactly. n = 1,000 needs about
    n / q = 2.15M proposals. Within max_proposals = 1M the expected yield is 465 (+- 22): hopeless, and the Garwood
    bound at the per-check risk 1e-6 / 1,000 (z about 6) says so once about 10 expected kept have passed, far
    below 1M (asserted: before 300k). With 5M the expected yield is 2,326, 28 standard deviations above n: the run
    must not stop early (the control), and stop_early=False proposes up to the cap (the test above)."""
    q = math.erfc(3.5 / math.sqrt(2))
    with pytest.raises(rejection.RejectionShortfall, match="stopped early") as short:
        rejection.rejection_sample(propose, spike, 1000, max_proposals=1_000_000, burn_in=100_000,
                                   batch_size=1000, seed=2)
    e = short.value
    assert e.proposals < 300_000 and e.kept < 1000 and "raise max_proposals" in str(e)
    assert abs(e.kept - q * e.proposals) < 6 * math.sqrt(q * e.proposals) + 1  # what it saw was the true rate
    x, stats = rejection.rejection_sample(propose, spike, 1000, max_proposals=5_000_000, burn_in=100_000,
                                          batch_size=1000, seed=2)
    assert len(x) == 1000 and np.all(np.abs(x[:, 0]) > 3.5)  # the control: reached n, and only spike samples
    assert abs(stats["acceptance"] - q) < 6 * math.sqrt(q / stats["proposals"])


def test_fitted_classifier_learns_the_log_ratio_and_drs_then_hits_the_target(capsys):
    """Logistic regression on (x, x^2) can represent the exact log ratio, l*(x) = c + b x + a x^2 with
    b = MU / S^2 = 1.944, a = 1/2 - 1 / (2 S^2) = -0.889, c = -log S - MU^2 / (2 S^2) = -0.170; the BCE is convex
    in (a, b, c). After 300 Adam steps on 512 + 512 fresh draws the coefficients carry optimisation and sampling
    noise (measured 0.03 at most at 200 and 400 steps); the bound is 0.1, and the control, the untrained
    classifier (seeded: b = 0.044), starts 1.9 away in b. DRS with the fitted ratio must then put the kept mean within 0.05 of MU
    (the exact ratio does it to 5 standard errors = 0.021 above; the fitted one adds its coefficient error)."""
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    feat = lambda x: np.concatenate([x, x * x], axis=1).astype(np.float32)  # noqa: E731
    real = (feat(MU + S * rng.standard_normal((512, 1))) for _ in iter(int, 1))
    clf = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    before = np.concatenate([w.ravel() for w in clf.get_weights()])
    fit = rejection.fit_density_ratio(clf, real, lambda k: feat(rng.standard_normal((k, 1))), steps=300,
                                      batch_size=512, learning_rate=0.05, log_every=100)
    assert fit["loss_last"] < fit["loss_first"]
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("density-ratio classifier")]
    assert [ln.split(",")[0] for ln in lines] == [f"density-ratio classifier: step {k}/300" for k in (100, 200, 300)]
    closed = np.array([MU / S**2, 0.5 - 1 / (2 * S * S), -math.log(S) - MU**2 / (2 * S * S)])
    learned = np.concatenate([w.ravel() for w in clf.get_weights()])
    np.testing.assert_allclose(learned, closed, atol=0.1)
    assert np.max(np.abs(before - closed)) > 1.0  # control: the untrained classifier is far off
    x, _ = rejection.rejection_sample(propose, lambda v: np.asarray(clf(feat(v))), 20_000, seed=3, batch_size=4000)
    assert abs(x.mean() - MU) < 0.05 and abs(x.std() - S) < 0.05
