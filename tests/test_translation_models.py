"""pix2pix and CycleGAN: their networks, losses against hand computations, the image pool, training, saving."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo import losses as L, models
from tfgan_zoo.models.translation import ConstantThenLinearDecay
from tfgan_zoo.nets.translation import (cyclegan_generator, patchgan_discriminator, patchgan_receptive_field,
                                        unet_generator)


def pair_data(n=8, seed=0):
    a = tf.random.uniform((n, 28, 28, 1), -1, 1, seed=seed)
    return a, -a


def small_pix2pix(**kw):
    return models.Pix2Pix(unet_generator((28, 28, 1), width=8),
                          patchgan_discriminator((28, 28, 1), width=8, n_layers=2, conditional=True), seed=0, **kw)


def small_cyclegan(**kw):
    g = [cyclegan_generator((28, 28, 1), width=8, n_blocks=1, name=n) for n in ("g_ab", "g_ba")]
    d = [patchgan_discriminator((28, 28, 1), width=8, n_layers=1, name=n) for n in ("d_a", "d_b")]
    return models.CycleGAN(*g, *d, seed=0, **kw)


def test_networks_shapes_and_the_patchgan_receptive_field():
    """The receptive field by the recurrence r <- (r - 1) s + 4: 70 for 3 layers (pix2pix's 70x70 PatchGAN),
    34 for 2, 16 for 1; checked empirically too: a pixel change moves only outputs whose field covers it."""
    assert [patchgan_receptive_field(n) for n in (1, 2, 3)] == [16, 34, 70]
    u = unet_generator((28, 28, 1), width=8)
    assert u.output_shape == (None, 28, 28, 1) and u.get_layer("pad").pad == 2  # 28 -> 32 -> ... -> 1
    assert [la.name for la in u.layers if "dropout" in la.name] == ["up_0_dropout", "up_1_dropout", "up_2_dropout"]
    d = patchgan_discriminator((64, 64, 1), width=4, n_layers=1)
    assert d.output_shape == (None, 32, 32, 1)
    x = np.zeros((1, 64, 64, 1), np.float32)
    y = x.copy()
    y[0, 40, 40, 0] = 1.0
    changed = np.argwhere(np.abs(d(y).numpy() - d(x).numpy())[0, :, :, 0] > 0)
    # "same" padding puts 1 pixel before a stride-2 4x4 window and 1 before a stride-1 one: output i covers the
    # first layer's positions i-2 .. i+4, i.e. input rows 2i-5 .. 2i+10 (16 pixels); row 40 is seen by i = 15..22
    assert (changed[:, 0].min(), changed[:, 0].max()) == (15, 22)
    c = cyclegan_generator((28, 28, 1), width=8, n_blocks=2)
    assert c.output_shape == (None, 28, 28, 1)
    gn = [la for la in c.layers if isinstance(la, keras.layers.GroupNormalization)]
    assert gn and all(la.groups == la.gamma.shape[0] for la in gn)  # groups=-1: one per channel (instance norm)
    assert all(np.all(la.gamma.numpy() == 1.0) and np.all(la.beta.numpy() == 0.0) for la in gn)  # not around 0


def test_adversarial_losses_cover_the_family_but_mmd():
    r, f = tf.constant([[0.3], [1.2]]), tf.constant([[-0.5], [0.1]])
    d, g, uses_real = L.adversarial_losses("hinge")
    np.testing.assert_allclose(float(d(r, f)), float(L.hinge_discriminator_loss(r, f)))
    assert not uses_real and float(g(f)) == pytest.approx(-float(tf.reduce_mean(f)))
    d, g, uses_real = L.adversarial_losses("ragan")
    assert uses_real and float(g(f, r)) == pytest.approx(float(L.relativistic_average_generator_loss(f, r)))
    d, g, _ = L.adversarial_losses("fgan-pearson")
    assert float(d(r, f)) == pytest.approx(float(L.fgan_discriminator_loss(r, f, "pearson")))
    with pytest.raises(ValueError, match="no real-vs-fake logit form"):
        L.adversarial_losses("mmd")


def test_pix2pix_losses_by_hand_and_training():
    """One step's reported terms against the formulas recomputed from the networks before the step: the L1 term is
    E|G(a) - b| and g_loss = g_adv + 100 L1 (a generator without dropout, so its training-mode output is a
    function of the batch; float32, rtol 1e-5). Then a short fit lowers the L1 term."""
    g = unet_generator((28, 28, 1), width=8, inner_dropout=0)
    d = patchgan_discriminator((28, 28, 1), width=8, n_layers=2, conditional=True)
    model = models.Pix2Pix(g, d, seed=0)
    model.compile()
    a, b = pair_data(4)
    l1_before = float(tf.reduce_mean(tf.abs(g(a, training=True) - b)))
    logs = model.train_on_batch(a, b, return_dict=True)
    assert logs["l1"] == pytest.approx(l1_before, rel=1e-5)  # G is updated after D: its L1 is from the old weights
    assert logs["g_loss"] == pytest.approx(logs["g_adv"] + 100.0 * logs["l1"], rel=1e-5)
    ds = tf.data.Dataset.from_tensor_slices(pair_data(16)).batch(8).repeat()
    model2 = small_pix2pix()
    model2.compile()
    hist = model2.fit(ds, steps_per_epoch=8, epochs=2, verbose=0).history
    assert all(math.isfinite(v) for vals in hist.values() for v in vals)
    assert hist["l1"][-1] < hist["l1"][0]  # the L1 term pulls G towards -a


@pytest.mark.parametrize("kw", [{"loss": "ragan", "penalty": "r1", "constraint": "sn"},
                                {"loss": "wgan-gp", "constraint": "none"}, {"loss": "lsgan", "constraint": "clip"}])
def test_pix2pix_composes_with_losses_constraints_penalties(kw):
    model = small_pix2pix(**kw)
    model.compile()
    logs = model.train_on_batch(*pair_data(4), return_dict=True)
    assert all(math.isfinite(v) for v in logs.values())
    assert ("penalty" in logs) == (kw.get("penalty", "none") != "none" or kw["loss"] == "wgan-gp")
    with pytest.raises(ValueError, match="is not available for --model pix2pix"):
        small_pix2pix(constraint="gn")
    with pytest.raises(ValueError, match="has a feature-map critic"):
        small_pix2pix(loss="mmd")


def test_image_pool_follows_its_rule():
    """Size 3, seed fixed: the first 3 images are stored and returned as they are; after that each returned
    image is the new one or a stored one, and a returned stored image is replaced by the new one (the pool
    always holds 3 distinct images of those seen); over many batches about half the returns are old images."""
    holder = keras.Model()
    pool = models.ImagePool(holder, "p", 3, (1, 1, 1))
    seed = keras.random.SeedGenerator(0)
    first = pool.query(tf.constant([[[[1.0]]], [[[2.0]]]]), seed).numpy().ravel()
    assert list(first) == [1.0, 2.0] and int(pool.count.value) == 2
    seen, old = {1.0, 2.0}, 0
    for k in range(3, 403):
        out = float(pool.query(tf.constant([[[[float(k)]]]]), seed).numpy().ravel()[0])
        stored = set(pool.images.numpy().ravel())
        if k == 3:
            assert out == 3.0 and stored == {1.0, 2.0, 3.0}
            seen.add(3.0)
            continue
        assert out == k or out in seen
        old += out != k
        assert float(k) in stored or out == k
        assert len(stored) == 3 and stored <= seen | {float(k)}
        seen.add(float(k))
    assert 150 <= old <= 250  # Binomial(399, 1/2): mean 200, sd 10; 5 sd either side


@pytest.mark.slow
def test_cyclegan_trains_saves_with_its_pools_and_translates(tmp_path):
    model = small_cyclegan(pool_size=4)
    model.compile()
    ds = tf.data.Dataset.from_tensor_slices(pair_data(8)).batch(4).repeat()
    hist = model.fit(ds, steps_per_epoch=3, epochs=1, verbose=0).history
    assert set(hist) == {"d_loss", "g_loss", "g_adv", "cycle", "identity"}
    assert all(math.isfinite(v[-1]) for v in hist.values())
    assert int(model.pool_a.count.value) == 4
    path = str(tmp_path / "cyclegan.keras")
    model.save(path)
    back = keras.models.load_model(path)
    np.testing.assert_array_equal(back.pool_b.images.numpy(), model.pool_b.images.numpy())
    a, _ = pair_data(2, seed=5)
    np.testing.assert_allclose(back.translate(a, "b_to_a"), model.translate(a, "b_to_a"), atol=1e-5)
    assert (back.cycle_weight, back.identity_weight, back.loss_name) == (10.0, 0.5, "lsgan")


def test_cyclegan_generator_loss_by_hand():
    """g_loss = g_adv + 10 (cycle + 0.5 identity), each L1 recomputed from the networks before the step (the
    generators are updated first, from these values)."""
    model = small_cyclegan(pool_size=0)
    model.compile()
    a, b = pair_data(4)
    gab, gba = model.generator_ab, model.generator_ba
    cycle = float(tf.reduce_mean(tf.abs(gba(gab(a, training=True), training=True) - a))
                  + tf.reduce_mean(tf.abs(gab(gba(b, training=True), training=True) - b)))
    identity = float(tf.reduce_mean(tf.abs(gba(a, training=True) - a)) + tf.reduce_mean(tf.abs(gab(b, training=True) - b)))
    logs = model.train_on_batch(a, b, return_dict=True)
    assert logs["cycle"] == pytest.approx(cycle, rel=1e-5) and logs["identity"] == pytest.approx(identity, rel=1e-5)
    assert logs["g_loss"] == pytest.approx(logs["g_adv"] + 10.0 * (cycle + 0.5 * identity), rel=1e-5)


def test_constant_then_linear_decay():
    s = ConstantThenLinearDecay(2e-4, hold_steps=10, decay_steps=20)
    got = [float(s(t)) for t in (0, 10, 20, 30, 40)]
    np.testing.assert_allclose(got, [2e-4, 2e-4, 1e-4, 0.0, 0.0], rtol=1e-6, atol=1e-12)
