"""Progressive augmentation (PA-GAN): bit channels, the label flip as the logit's sign, the fade-in, the
KID-driven schedule, and what is refused."""

import csv
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo import losses as L
from tfgan_zoo import models, nets, progressive as PA
from tfgan_zoo.callbacks import ProgressiveAugmentationSchedule
from tfgan_zoo.config import TrainConfig

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _draw(level, bits=3, n=4000, shape=(4, 4, 1), seed=0):
    x = tf.zeros((n, *shape))
    out, sign = PA.augment(x, level, bits, keras.random.SeedGenerator(seed))
    return out.numpy(), sign.numpy()[:, 0]


def test_level_zero_appends_zero_channels_and_flips_nothing():
    out, sign = _draw(0.0)
    assert out.shape == (4000, 4, 4, 4)
    assert np.all(out[..., 1:] == 0) and np.all(sign == 1)


def test_all_bits_active_channels_are_plus_minus_one_and_the_sign_is_their_xor():
    out, sign = _draw(3.0)
    v = out[:, 0, 0, 1:]  # (n, 3): 2 s_k - 1
    assert np.all(np.abs(v) == 1)
    assert np.all(out[..., 1:] == v[:, None, None, :])  # constant over the image
    s = (v + 1) / 2
    np.testing.assert_array_equal(sign, np.where(s.sum(1) % 2 == 1, -1.0, 1.0))  # y XOR s1 XOR s2 XOR s3
    # half of the labels flipped: binomial(4000, 1/2) has sd 0.0079 in the share; 5 sd = 0.04
    assert abs(np.mean(sign == -1) - 0.5) < 0.04


def test_a_fading_bit_is_active_in_its_share_of_samples_and_later_bits_are_off():
    out, sign = _draw(1.3)  # bit 0 always, bit 1 with probability 0.3, bit 2 never
    active = out[:, 0, 0, 1:] != 0
    assert np.all(active[:, 0]) and not np.any(active[:, 2])
    assert abs(active[:, 1].mean() - 0.3) < 5 * np.sqrt(0.3 * 0.7 / 4000)  # 5 sd of a binomial share
    # 1.3 - 1 in float32 is 0.3 within one ulp of 1.3 (1.2e-7)
    np.testing.assert_allclose(PA.bit_probabilities(1.3, 3).numpy(), [1.0, 0.3, 0.0], rtol=0, atol=2e-7)


def test_vectors_get_bit_features():
    out, _ = PA.augment(tf.ones((5, 2)), 2.0, 2, keras.random.SeedGenerator(1))
    assert out.shape == (5, 4) and np.all(out.numpy()[:, :2] == 1)


def _bce(logits, labels):
    return np.mean(np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits))))


@pytest.mark.parametrize("loss", ["nsgan", "hinge", "wgan", "lsgan-symmetric", "lsgan-01"])
def test_negating_the_logit_is_the_xor_label_for_the_symmetric_losses(loss):
    """The flip is exact for losses with loss_fake(l) = loss_real(-l); the LSGAN's 0-1 coding is not one (the
    control that shows this test can fail), which is why it is refused."""
    rng = np.random.default_rng(0)
    r, f = rng.normal(size=64).astype("float32"), rng.normal(size=64).astype("float32")
    sr, sf = rng.choice([-1.0, 1.0], 64).astype("float32"), rng.choice([-1.0, 1.0], 64).astype("float32")
    yr, yf = np.where(sr < 0, 0.0, 1.0), np.where(sf < 0, 1.0, 0.0)  # real: 1 XOR s; fake: 0 XOR s
    per_label = {  # the loss of one logit towards a 0/1 label, as each loss defines it
        "nsgan": lambda z, y: _bce(z, y),
        "hinge": lambda z, y: np.mean(np.maximum(0, 1 - np.where(y == 1, z, -z))),
        "wgan": lambda z, y: np.mean(np.where(y == 1, -z, z)),
        "lsgan-symmetric": lambda z, y: 0.5 * np.mean((z - np.where(y == 1, 1.0, -1.0)) ** 2),
        "lsgan-01": lambda z, y: 0.5 * np.mean((z - y) ** 2),
    }[loss]
    fn = {"nsgan": L.minimax_discriminator_loss, "hinge": L.hinge_discriminator_loss,
          "wgan": L.wasserstein_discriminator_loss,
          "lsgan-symmetric": lambda a, b: L.least_squares_discriminator_loss(a, b, 1.0, -1.0),
          "lsgan-01": lambda a, b: L.least_squares_discriminator_loss(a, b, 1.0, 0.0)}[loss]
    flipped = float(fn(sr * r, sf * f))
    by_labels = per_label(r, yr) + per_label(f, yf)
    if loss == "lsgan-01":
        assert abs(flipped - by_labels) > 0.1
    else:  # float32 sums of 64 terms of size ~1: relative error well below 1e-5
        assert flipped == pytest.approx(by_labels, rel=1e-5)


def _pair(bits=2, shape=(8, 8, 1)):
    return nets.build("mlp", shape, 4, d_extra_channels=bits)


def test_nets_build_gives_the_discriminator_the_extra_channels():
    g, d = _pair(3)
    assert g.output_shape == (None, 8, 8, 1) and d.input_shape == (None, 8, 8, 4)
    with pytest.raises(ValueError, match="d_extra_channels must be >= 0"):
        nets.build("mlp", (8, 8, 1), 4, d_extra_channels=-1)


@pytest.mark.parametrize("arch, shape, kw", [("dcgan", (28, 28, 1), {"width": 4}), ("sndcgan", (28, 28, 1), {"width": 4}),
                                              ("sndcgan-small", (28, 28, 1), {"width": 4}),
                                              ("infogan", (28, 28, 1), {"norm": "batch"}),
                                              ("dcgan", (16, 16, 3), {"width": 4}), ("resnet", (32, 32, 1), {})])
def test_every_image_architecture_takes_the_bit_planes(arch, shape, kw):
    """The 1-or-3-channel rule is the generator's: a discriminator reads its image plus the B bit planes (found
    when --progressive-augment with --arch dcgan failed deep inside the trunk: 'take 1 or 3 channels, got 2')."""
    import numpy as np

    g, d = nets.build(arch, shape, 8, d_extra_channels=1, **kw)
    assert g.output_shape[1:] == shape and d.input_shape[1:] == (*shape[:2], shape[2] + 1)
    assert d(np.zeros((2, *shape[:2], shape[2] + 1), "float32")).shape[0] == 2
    with pytest.raises(ValueError, match="take 1 or 3 channels, got 2"):  # control: the generator's rule stays
        nets.build(arch, (*shape[:2], 2), 8, **kw)


def test_a_discriminator_without_the_channels_is_refused_with_the_fix():
    g, d = nets.build("mlp", (8, 8, 1), 4)
    with pytest.raises(ValueError, match=r"d_extra_channels=2"):
        models.GAN(g, d, progressive_bits=2)


@pytest.mark.parametrize("loss, kw, words", [
    ("lsgan", {}, "not"),
    ("rsgan", {}, "symmetric losses"),
    ("fgan-kl", {}, "symmetric losses"),
    ("nsgan", {"label_smoothing": 0.1}, "label_smoothing is refused"),
    ("nsgan", {"feature_matching": "add"}, "feature matching is refused"),
])
def test_losses_and_options_where_the_flip_is_not_the_sign_are_refused(loss, kw, words):
    g, d = _pair()
    with pytest.raises(ValueError, match=words):
        models.build_gan(loss, g, d, progressive_bits=2, **kw)


def test_lsgan_with_the_symmetric_coding_is_accepted():
    g, d = _pair()
    gan = models.LSGAN(g, d, progressive_bits=2, real_label=1.0, fake_label=-1.0, target_label=0.0)
    assert gan.label_flip_symmetric


def _data(n=32):
    return tf.data.Dataset.from_tensor_slices(
        np.random.default_rng(0).uniform(-1, 1, (n, 8, 8, 1)).astype("float32")).batch(8)


def test_the_level_fades_towards_the_target_one_step_at_a_time():
    g, d = _pair()
    gan = models.GAN(g, d, progressive_bits=2, progressive_fade_steps=4, seed=0)
    gan.compile()
    h = gan.fit(_data(), epochs=1, verbose=0)
    assert float(gan.pa_level.numpy()) == 0.0 and h.history["pa_level"] == [0.0]  # target 0: nothing moves
    gan.set_progressive_target(1)
    h = gan.fit(_data(), epochs=1, verbose=0)  # 4 steps: 0.25, 0.5, 0.75, 1.0
    assert float(gan.pa_level.numpy()) == 1.0
    assert h.history["pa_level"][0] == pytest.approx(0.625)
    gan.set_progressive_target(2)
    gan.fit(_data(16), epochs=1, verbose=0)
    assert float(gan.pa_level.numpy()) == 1.5
    with pytest.raises(ValueError, match=r"in \[0, 2\]"):
        gan.set_progressive_target(3)


def test_outside_training_the_discriminator_sees_zero_bits_and_no_flip():
    g, d = _pair()
    gan = models.GAN(g, d, progressive_bits=2, seed=0)
    gan.pa_level.assign(2.0)
    x = tf.random.uniform((6, 8, 8, 1), -1, 1, seed=1)
    logits, _ = gan._discriminate(x, None, training=False)
    ref = d(tf.concat([x, tf.zeros((6, 8, 8, 2))], -1), training=False)
    np.testing.assert_array_equal(logits.numpy(), ref.numpy())
    # in training every sample has both bits: its logit is D's on its bits, negated where they flip the label
    logits, _ = gan._discriminate(x, None, training=True)
    assert not np.allclose(logits.numpy(), ref.numpy())


def test_the_model_saves_and_loads_with_its_level(tmp_path):
    g, d = _pair()
    gan = models.GAN(g, d, progressive_bits=2, progressive_fade_steps=3, seed=0)
    gan.compile()
    gan.set_progressive_target(2)
    gan.fit(_data(), epochs=1, verbose=0)
    gan.save(tmp_path / "pa.keras")
    back = keras.models.load_model(tmp_path / "pa.keras")
    assert (back.progressive_bits, back.progressive_fade_steps) == (2, 3)
    assert float(back.pa_level.numpy()) == pytest.approx(4 / 3) and float(back.pa_target.numpy()) == 2.0


class _Model:
    progressive_bits = 2

    def __init__(self):
        self.targets = []

    def set_progressive_target(self, level):
        self.targets.append(level)


def _schedule(values, **kw):
    s = ProgressiveAugmentationSchedule("kid", **kw)
    s.set_model(_Model())
    s.on_train_begin()
    logs = []
    for epoch, v in enumerate(values):
        logs.append({"kid": v} if v is not None else {})
        s.on_epoch_end(epoch, logs[-1])
    return s, logs


def test_the_schedule_adds_a_bit_at_each_stall_up_to_the_maximum():
    s, logs = _schedule([0.10, 0.08, 0.09, 0.05, 0.06, 0.04, 0.05, 0.07, 0.08])
    # epoch 3 stalls (0.09 > 0.08): bit 1; 0.05 is the new baseline; epoch 5 stalls: bit 2; no third bit exists
    assert s.events == [[3, 1], [5, 2]]
    assert [row["pa_target"] for row in logs] == [0, 0, 1, 1, 2, 2, 2, 2, 2]
    assert s.model.targets == [0, 1, 2]


def test_the_schedule_leaves_an_improving_run_alone_and_waits_for_its_patience():
    s, _ = _schedule([0.10, 0.09, 0.08, None, 0.07, 0.06])  # control: steady progress, an epoch without a value
    assert s.events == [] and s.target == 0
    s, _ = _schedule([0.10, 0.11, 0.12, 0.13], patience=2)
    assert s.events == [[3, 1]]
    s2 = ProgressiveAugmentationSchedule("kid", patience=2)
    s2.set_state(json.loads(json.dumps(s.get_state())))  # through the checkpoint's JSON
    assert (s2.best, s2.stalls, s2.target, s2.events) == (s.best, s.stalls, s.target, s.events)


def test_config_refuses_what_cannot_work():
    base = dict(progressive_augment=2, fid_every=1)
    for kw, words in [({"fid_every": None}, "add --fid-every"), ({"loss": "lsgan"}, "not lsgan"),
                      ({"pa_monitor": "is"}, "Unknown pa_monitor"), ({"pa_start": 3}, "between 0 and"),
                      ({"label_smoothing": 0.1}, "refused")]:
        with pytest.raises(ValueError, match=words):
            TrainConfig(**{**base, **kw}).validate()
    with pytest.raises(ValueError, match="add --progressive-augment"):
        TrainConfig(pa_start=1).validate()
    TrainConfig(**base).validate()  # control
    # every bit on from the start leaves the schedule nothing to add, so it needs no evaluation
    TrainConfig(progressive_augment=2, pa_start=2).validate()
    with pytest.raises(ValueError, match="or turn every bit on from the start with --pa-start 2"):
        TrainConfig(progressive_augment=2, pa_start=1).validate()


@pytest.mark.slow
def test_train_py_runs_it_and_logs_the_schedule(tmp_path):
    out = tmp_path / "run"
    cmd = [sys.executable, os.path.join(ROOT, "scripts", "train.py"), "--arch", "mlp", "--epochs", "2",
           "--steps-per-epoch", "3", "--batch-size", "8", "--latent-dim", "8", "--progressive-augment", "2",
           "--pa-start", "1", "--pa-fade-steps", "2", "--fid-every", "1", "--fid-network", "mnist-classifier",
           "--fid-samples", "40", "--out", str(out), "--no-tensorboard"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert r.returncode == 0, r.stderr[-2000:]
    rows = list(csv.DictReader(open(out / "history.csv")))
    assert len(rows) == 2 and {"kid", "fid", "pa_level", "pa_target"} <= set(rows[0])
    # pa-start 1 faded over 2 steps: levels 0.5, 1, 1 in epoch 1
    assert float(rows[0]["pa_level"]) == pytest.approx(2.5 / 3)
    assert json.load(open(out / "config.json"))["progressive_augment"] == 2
