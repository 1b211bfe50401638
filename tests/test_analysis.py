"""tfgan_zoo.analysis: latent space, discriminator features, divergences, the balance sweep, toy training."""

from __future__ import annotations

import math
import os

import keras
import numpy as np
import pytest
from PIL import Image

from tfgan_zoo import models, nets
from tfgan_zoo.analysis import balance, divergences, features, latent, toy
from tfgan_zoo.analysis.sampler import as_sampler
from tfgan_zoo.export import export_generator


def identity_generator(d: int = 4) -> keras.Model:
    """z (d = 4) -> a 2x2x1 image holding z itself: images show exactly which z made them."""
    return keras.Sequential([keras.Input((d,)), keras.layers.Reshape((2, 2, 1))], name="identity_g")


# ----------------------------------------------------------------------------- latent

def test_slerp_closed_forms():
    z0, z1 = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    np.testing.assert_allclose(latent.slerp(z0, z1, 0.0), z0, atol=1e-7)
    np.testing.assert_allclose(latent.slerp(z0, z1, 1.0), z1, atol=1e-7)
    # orthogonal unit vectors: the midpoint is (z0 + z1) / sqrt(2), norm 1 (the straight line's is 1/sqrt(2))
    np.testing.assert_allclose(latent.slerp(z0, z1, 0.5), (z0 + z1) / math.sqrt(2), atol=1e-7)
    ts = np.linspace(0, 1, 11)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(64), rng.standard_normal(64)
    b *= np.linalg.norm(a) / np.linalg.norm(b)  # equal norms: slerp keeps the norm all the way (float32: 1e-6 rel)
    np.testing.assert_allclose(np.linalg.norm(latent.slerp(a, b, ts), axis=1), np.linalg.norm(a), rtol=1e-5)
    lin = latent.path(a, b, 11, "linear")
    assert np.linalg.norm(lin[5]) < 0.9 * np.linalg.norm(a)  # control: the straight line dips inside
    # parallel vectors: no angle, the straight line
    np.testing.assert_allclose(latent.slerp(z0, 2 * z0, 0.5), 1.5 * z0, atol=1e-7)


def test_path_errors():
    with pytest.raises(ValueError, match="Unknown interpolation method 'cubic'"):
        latent.path(np.zeros(2), np.ones(2), 4, "cubic")
    with pytest.raises(ValueError, match="steps must be >= 2"):
        latent.path(np.zeros(2), np.ones(2), 1)


def test_interpolate_images_come_from_the_path_and_files_are_written(tmp_path):
    g = identity_generator()
    z0, z1 = np.array([[1, 0, 0, 0]], np.float32), np.array([[0, 1, 0, 0]], np.float32)
    r = latent.interpolate(g, z0, z1, steps=5, path_png=tmp_path / "i.png", path_gif=tmp_path / "i.gif")
    assert r.images.shape == (1, 5, 2, 2, 1)
    np.testing.assert_allclose(r.images[0].reshape(5, 4), latent.path(z0[0], z1[0], 5), atol=1e-6)
    png = Image.open(tmp_path / "i.png")
    assert png.size == (2 * (5 * 4 + 2), 2 * (1 * 4 + 2))  # 5 cells of 2 px + 2 px padding, scale 2
    gif = Image.open(tmp_path / "i.gif")
    assert gif.n_frames == 2 * 5 - 2  # there and back, ends not repeated
    # drawn end points: reproducible by seed, different across seeds
    a = latent.interpolate(g, steps=3, n_paths=2, seed=1).images
    np.testing.assert_array_equal(a, latent.interpolate(g, steps=3, n_paths=2, seed=1).images)
    assert not np.allclose(a, latent.interpolate(g, steps=3, n_paths=2, seed=2).images)


def test_traverse_sets_one_coordinate_per_row(tmp_path):
    g = identity_generator()
    z = np.array([0.5, -0.5, 0.25, 0.0], np.float32)
    r = latent.traverse(g, z, dims=[1, 3], values=[-2, 0, 2], path_png=tmp_path / "t.png")
    got = r.images.reshape(2, 3, 4)
    for i, d in enumerate([1, 3]):
        for j, v in enumerate([-2, 0, 2]):
            want = z.copy()
            want[d] = v
            np.testing.assert_allclose(got[i, j], want, atol=1e-7)
    assert os.path.isfile(tmp_path / "t.png")
    with pytest.raises(ValueError, match=r"dims must be coordinates in \[0, 4\)"):
        latent.traverse(g, z, dims=[4])


def test_arithmetic_direction_moves_samples_into_group_a():
    g = identity_generator()

    def sign_of_first(images):  # group "pos" when the first pixel (z[0]) is positive
        return np.where(images.reshape(len(images), -1)[:, 0] > 0, "pos", "neg")

    r = latent.arithmetic(g, sign_of_first, "pos", "neg", n_pool=4000, n_new=5, n_measure=50, scales=(0, 1, 2, 4),
                          seed=0)
    assert r.images.shape[:2] == (5, 4) and r.measure["n_measured"] == 50
    # v = E[z | z0 > 0] - E[z | z0 < 0] = (2 * sqrt(2/pi), 0, 0, 0) for N(0, 1): 1.596; sampling sd ~0.03
    assert abs(r.measure["direction_norm"] - 2 * math.sqrt(2 / math.pi)) < 0.15
    share = r.measure["share_in_a"]
    assert share[0] == 0.0  # the new vectors start in group B
    assert share == sorted(share) and share[-1] > 0.95  # adding the direction moves them into A
    with pytest.raises(ValueError, match="Unknown attribute 'colour'"):
        latent.arithmetic(g, "colour")


def test_ink_and_class_arithmetic_on_a_gan(tmp_path):
    g, d = nets.build("dcgan", (28, 28, 1), 8, width=8)
    gan = models.build_gan("nsgan", g, d, seed=0)
    r = latent.arithmetic(gan, "ink", "thick", "thin", n_pool=200, n_new=3, path_png=tmp_path / "a.png",
                          path_gif=tmp_path / "a.gif")
    assert r.images.shape == (3, 5, 28, 28, 1) and len(r.measure["mean_ink"]) == 5
    assert r.measure["pool_in_a"] == r.measure["pool_in_b"] == 50  # top and bottom quarter of 200
    np.testing.assert_allclose(latent.ink(-np.ones((2, 3, 3, 1))), 0.0)
    np.testing.assert_allclose(latent.ink(np.ones((2, 3, 3, 1))), 1.0)
    with pytest.raises(ValueError, match="'thick'"):
        latent.arithmetic(gan, "ink", "bold", "thin", n_pool=40)


def test_sampler_reads_exports_and_refuses_other_folders(tmp_path):
    g, _ = nets.build("dcgan", (28, 28, 1), 8, width=8)
    export_generator(g, tmp_path / "gen", prior="uniform")
    s = as_sampler(str(tmp_path / "gen"))
    assert (s.latent_dim, s.prior, s.num_classes) == (8, "uniform", None)
    z = s.noise(4, 0)
    assert z.min() >= -1 and z.max() <= 1  # uniform prior
    # SavedModel vs Keras in inference mode: the same float32 graph, last-bit differences at most
    np.testing.assert_allclose(s.generate(z), np.asarray(g(z, training=False)), atol=1e-5)
    with pytest.raises(ValueError, match="not an exported generator"):
        as_sampler(str(tmp_path))
    with pytest.raises(ValueError, match=r"z must have shape \(n, 8\)"):
        s.generate(np.zeros((2, 3), np.float32))


def test_sampler_of_a_conditional_gan_cycles_labels():
    g, d = nets.build("dcgan", (28, 28, 1), 8, conditional="concat", num_classes=10, width=8)
    gan = models.build_gan("nsgan", g, d, conditional="concat", num_classes=10)
    s = as_sampler(gan)
    assert s.num_classes == 10
    z = np.repeat(s.noise(1), 2, axis=0)
    a = s.generate(z, labels=[3, 3])
    np.testing.assert_allclose(a[0], a[1], atol=1e-6)
    assert not np.allclose(s.generate(z, labels=[3, 4])[1], a[1])  # control: the label matters
    with pytest.raises(ValueError, match=r"labels must be in \[0, 10\)"):
        s.generate(z, labels=[0, 10])
    with pytest.raises(ValueError, match="unconditional"):
        latent.arithmetic(gan)


# ----------------------------------------------------------------------------- features

def test_pca_matches_the_covariance_eigendecomposition():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((500, 6)) @ rng.standard_normal((6, 6))
    coords, ratio = features.pca(x, 2)
    evals, evecs = np.linalg.eigh(np.cov(x, rowvar=False))
    order = np.argsort(evals)[::-1]
    np.testing.assert_allclose(ratio, evals[order[:2]] / evals.sum(), rtol=1e-10)
    # coordinates: projections on the top eigenvectors, up to sign
    proj = (x - x.mean(0)) @ evecs[:, order[:2]]
    np.testing.assert_allclose(np.abs(coords), np.abs(proj), atol=1e-4)


def test_linear_probe_chance_and_separation():
    rng = np.random.default_rng(0)
    # same distribution, 400 per class, 100 dims: held-out accuracy ~ Binomial(800, 1/2) / 800, sd 0.018;
    # bound 0.5 +- 0.08 (4.5 sd). Training accuracy here is ~1 (more dims than a fold's rows allow to
    # overfit), so a probe that reported it instead of held-out accuracy fails this.
    a, b = rng.standard_normal((400, 100)), rng.standard_normal((400, 100))
    acc, _ = features.linear_probe(a, b)
    assert abs(acc - 0.5) < 0.08
    # means 0.5 sd apart in each of 100 dims: Bayes accuracy Phi(0.5 * sqrt(100) / 2) = Phi(2.5) = 0.994
    acc2, _ = features.linear_probe(a, b + 0.5)
    assert acc2 > 0.95
    with pytest.raises(ValueError, match="differ in size"):
        features.linear_probe(a, b[:, :5])


def test_activations_shapes_values_and_errors(tmp_path):
    g, d = nets.build("dcgan", (28, 28, 1), 8, width=8)
    names = features.default_layers(d)
    assert names == ["down_0_lrelu", "down_1_lrelu", "logit"]
    x = np.random.default_rng(0).uniform(-1, 1, (10, 28, 28, 1)).astype(np.float32)
    acts = features.activations(d, x, batch_size=4)
    assert {k: v.shape for k, v in acts.items()} == {"down_0_lrelu": (10, 14 * 14 * 8),
                                                     "down_1_lrelu": (10, 7 * 7 * 16), "logit": (10, 1)}
    np.testing.assert_allclose(acts["logit"], np.asarray(d(x, training=False)), atol=1e-5)
    with pytest.raises(ValueError, match="no layer"):
        features.activations(d, x, layers=["nope"])
    with pytest.raises(ValueError, match=r"takes images of shape \(28, 28, 1\)"):
        features.activations(d, x[:, :14])
    gc, dc = nets.build("dcgan", (28, 28, 1), 8, conditional="projection", num_classes=10, width=8)
    with pytest.raises(ValueError, match="pass labels"):
        features.activations(dc, x)
    acts = features.activations(dc, x, labels=np.arange(10) % 10)
    assert list(acts)[-1] == dc.layers[-1].name and acts[dc.layers[-1].name].shape == (10, 1)


def test_analyze_tells_separable_from_mixed(tmp_path):
    _, d = nets.build("dcgan", (28, 28, 1), 8, width=8)
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (150, 28, 28, 1)).astype(np.float32)
    same = rng.uniform(-1, 1, (150, 28, 28, 1)).astype(np.float32)
    dark = np.clip(same - 0.8, -1, 1)
    mixed = features.analyze(d, real, same, path=tmp_path / "mixed.png", title="same distribution")
    apart = features.analyze(d, real, dark, methods=("pca", "tsne"), path=tmp_path / "apart.png")
    assert [r.layer for r in mixed] == ["down_0_lrelu", "down_1_lrelu", "logit"]
    # 150 + 150 held out: sd 0.029; chance within 0.15 for the conv layers (5 sd), separation above 0.95
    for r in mixed[:2]:
        assert abs(r.probe_accuracy - 0.5) < 0.15, r.summary()
    for r in apart[:2]:
        assert r.probe_accuracy > 0.95, r.summary()
    assert set(apart[0].embeddings) == {"pca", "tsne"} and apart[0].embeddings["tsne"].shape == (300, 2)
    assert Image.open(tmp_path / "apart.png").size[0] > 100
    with pytest.raises(ValueError, match="as many real as fake"):
        features.analyze(d, real, same[:10])


# ----------------------------------------------------------------------------- divergences

def test_js_of_a_gaussian_shift_against_independent_quadrature_and_limits():
    # an independent numerical integration (trapezoid on a fine grid, both KL terms) as the reference
    x = np.linspace(-15, 20, 400_001)
    for theta in (0.3, 1.0, 3.0):
        p = np.exp(-x ** 2 / 2) / math.sqrt(2 * math.pi)
        q = np.exp(-(x - theta) ** 2 / 2) / math.sqrt(2 * math.pi)
        m = (p + q) / 2
        with np.errstate(divide="ignore", invalid="ignore"):
            ref = 0.5 * np.trapezoid(np.where(p > 0, p * np.log(p / m), 0), x) + 0.5 * np.trapezoid(
                np.where(q > 0, q * np.log(q / m), 0), x)
        assert abs(divergences.js_gaussian_shift(theta) - ref) < 1e-7
    assert divergences.js_gaussian_shift(0.0) == 0.0
    # small theta: theta^2 / (8 sigma^2), relative error O(theta^2)
    assert abs(divergences.js_gaussian_shift(0.05) / (0.05 ** 2 / 8) - 1) < 1e-2
    assert abs(divergences.js_gaussian_shift(30.0) - math.log(2)) < 1e-9  # saturated
    # scale invariance: JS(theta, sigma) = JS(theta / sigma, 1)
    assert abs(divergences.js_gaussian_shift(1.0, sigma=0.5) - divergences.js_gaussian_shift(2.0)) < 1e-9


def test_curves_show_the_vanishing_js_gradient():
    c = divergences.curves([0.5, 2.0, 10.0])
    np.testing.assert_allclose(c["w1"], [0.5, 2.0, 10.0])
    np.testing.assert_allclose(c["d_w1"], 1.0)
    np.testing.assert_allclose(c["kl"], [0.125, 2.0, 50.0])
    # JS still moves at 0.5; at 10 sigma its slope is of the order of the overlap density phi(5) = 1.5e-6
    assert c["d_js"][0] > 0.05 and 0 < c["d_js"][2] < 1e-5
    # d/dtheta of theta^2/8 at 0.5 is 0.125; the exact gradient is a bit below (saturation starts)
    assert 0.1 < c["d_js"][0] < 0.125


def test_critic_estimates_approach_their_closed_forms(tmp_path):
    e = divergences.critic_estimates([2.0], steps=300, n=512, seed=0)
    js = float(divergences.js_gaussian_shift(2.0))  # 0.337
    # sampling noise of the estimate on 2 x 2048 points: sd about 0.01; optimisation leaves it below
    assert abs(e["js_hat"][0] - js) < 0.04
    # the GP critic's optimum is 2 (1 + 2 / 20) = 2.2, not W1 = 2 (a control: 2 is outside the band)
    assert abs(e["w_hat"][0] - 2.2) < 0.12
    assert divergences.gp_critic_optimum(2.0, 10.0) == pytest.approx(2.2)
    path = divergences.plot(divergences.curves(np.linspace(0, 6, 13)), tmp_path / "d.png", e)
    assert Image.open(path).size[0] > 100


# ----------------------------------------------------------------------------- toy training, balance sweep

def test_toy_train_snapshots_and_mode_collapse_table(tmp_path):
    r = toy.train("nsgan", "ring", steps=6, snapshot_steps=(0, 3), batch_size=20)
    assert list(r.snapshots) == [0, 3, 6] and r.snapshots[3].shape == (toy.N_EVAL, 2)
    assert len(r.history["d_loss"]) == 6 and set(r.final) == {"modes", "high_quality", "reverse_kl", "n"}
    assert not np.allclose(r.snapshots[0], r.snapshots[6])  # the generator moved
    # per-step losses, not Keras' running means: their mean is the epoch's logged mean (float32 sums: 1e-5)
    assert np.mean(r.history["d_loss"]) == pytest.approx(r.gan.history.history["d_loss"][0], rel=1e-5)
    assert r.history["d_loss"][-1] != pytest.approx(r.gan.history.history["d_loss"][0], rel=1e-5)
    with pytest.raises(ValueError, match="snapshot_steps must lie in"):
        toy.train("nsgan", "ring", steps=5, snapshot_steps=(9,))
    out = divergences.mode_collapse(("nsgan", "lsgan"), "grid", steps=4, batch_size=20, path=tmp_path / "m.png")
    assert set(out["table"]) == {"nsgan", "lsgan"} and os.path.isfile(tmp_path / "m.png")


def test_toy_steps_per_execution_makes_the_same_updates():
    """Several steps per compiled call are the same updates as one per call: samples at each snapshot agree
    (measured bit-identical on an AVX-512 Xeon; 1e-5 allows reordered float32 sums on another CPU, 1e-4 of the
    samples' scale) and each call's recorded losses are the mean of its steps' (rel 1e-5, float32 sums).
    Control: another seed moves the samples by 0.1 or more."""
    a = toy.train("nsgan", "ring", steps=6, snapshot_steps=(3,), batch_size=20)
    b = toy.train("nsgan", "ring", steps=6, snapshot_steps=(3,), batch_size=20, steps_per_execution=3)
    c = toy.train("nsgan", "ring", steps=6, snapshot_steps=(3,), batch_size=20, seed=1)
    for step in (3, 6):
        np.testing.assert_allclose(b.snapshots[step], a.snapshots[step], rtol=0, atol=1e-5)
        assert np.abs(c.snapshots[step] - a.snapshots[step]).max() > 1e-2
    assert len(b.history["d_loss"]) == 2
    assert b.history["d_loss"] == pytest.approx([np.mean(a.history["d_loss"][:3]), np.mean(a.history["d_loss"][3:])],
                                                rel=1e-5)
    with pytest.raises(ValueError, match="multiples of steps_per_execution=4"):
        toy.train("nsgan", "ring", steps=6, steps_per_execution=4)
    with pytest.raises(ValueError, match="steps_per_execution must be >= 1"):
        toy.train("nsgan", "ring", steps=6, steps_per_execution=0)


@pytest.mark.slow
def test_toy_jit_compile_reaches_the_step_and_is_reproducible():
    """``jit_compile=True`` compiles the toy step with XLA: the model says so (control: the default "auto" does not
    on the CPU), and a seed gives the same samples twice (XLA is deterministic on one CPU: atol 1e-6, float32
    rounding of samples of scale 0.1). Its random numbers differ from the step without XLA, so the two runs of one
    seed differ (measured: 0.03 after 3 steps), which the benchmark records by naming XLA runs apart."""
    a = toy.train("nsgan", "ring", steps=3, batch_size=20, jit_compile=True)
    b = toy.train("nsgan", "ring", steps=3, batch_size=20, jit_compile=True)
    plain = toy.train("nsgan", "ring", steps=3, batch_size=20)
    assert a.gan.jit_compile is True and plain.gan.jit_compile is False
    np.testing.assert_allclose(b.snapshots[3], a.snapshots[3], rtol=0, atol=1e-6)
    assert np.all(np.isfinite(a.snapshots[3])) and not np.allclose(a.snapshots[3], plain.snapshots[3], atol=1e-6)


def test_balance_sweep_records_losses_against_equilibrium(tmp_path):
    runs = balance.sweep([1e-4], [1e-4, 1e-3], n_critic=[1, 2], arch="mlp", steps=6, batch_size=16,
                         fid_samples=0, n_samples=0, out=tmp_path, log=None)
    assert [(r.lr_g, r.n_critic) for r in runs] == [(1e-4, 1), (1e-4, 2), (1e-3, 1), (1e-3, 2)]
    r = runs[0]
    assert len(r.d_loss) == 6 and r.equilibrium_d_loss == pytest.approx(2 * math.log(2))
    assert r.final_d_loss == pytest.approx(np.mean(r.d_loss[-1:]))  # the last tenth of 6 steps: 1 step
    assert r.gap == pytest.approx(r.final_d_loss - 2 * math.log(2))
    assert os.path.isfile(tmp_path / "balance_heatmap.png") and os.path.isfile(tmp_path / "balance_curves.png")
    with pytest.raises(ValueError, match="No run has a finite FID"):
        balance.best(runs)
    with pytest.raises(ValueError, match="Learning rates must be > 0"):
        balance.train_one(0.0, 1e-4)
