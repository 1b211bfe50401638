"""DiffAugment (tfgan_zoo.augment): each transformation against its definition, gradients, and the GAN hook."""

import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo import augment, models, nets

SEED = 3


def _images(n=64, size=16, c=1, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, c)).astype("float32")


def _shift(x, dy, dx):
    """Reference: ``out[i, j] = x[i - dy, j - dx]``, zero where that is outside the image."""
    out = np.zeros_like(x)
    h, w = x.shape[:2]
    for i in range(h):
        for j in range(w):
            if 0 <= i - dy < h and 0 <= j - dx < w:
                out[i, j] = x[i - dy, j - dx]
    return out


def test_parse_policy():
    assert augment.parse_policy("cutout,color") == ("color", "cutout")  # canonical order
    assert augment.parse_policy(None) == augment.parse_policy("none") == ()
    with pytest.raises(ValueError, match="Unknown augmentation 'flip'.*color, translation, cutout"):
        augment.parse_policy("color,flip")
    with pytest.raises(ValueError, match="names a part twice"):
        augment.parse_policy("color,color")


def test_translation_is_an_integer_shift_with_zero_fill():
    x = _images(48)
    out = augment.translation(tf.constant(x), SEED).numpy()
    r = int(16 * 0.125 + 0.5)  # 2
    seen = set()
    for k in range(len(x)):
        # exact equality: a shift only moves values (no arithmetic), so no rounding tolerance is needed
        matches = [(dy, dx) for dy in range(-r, r + 1) for dx in range(-r, r + 1)
                   if np.array_equal(out[k], _shift(x[k], dy, dx))]
        assert len(matches) == 1, k
        seen.add(matches[0])
    assert len(seen) > 10  # per-example draws from the 25 shifts, not one shift for the batch
    # control: an image that is not a shift of its input matches none
    flipped = x[0, ::-1]
    assert not any(np.array_equal(flipped, _shift(x[0], dy, dx)) for dy in range(-r, r + 1)
                   for dx in range(-r, r + 1))


def test_cutout_zeroes_one_square_of_the_stated_side():
    x = np.ones((200, 16, 16, 1), "float32")
    out = augment.cutout(tf.constant(x), SEED).numpy()[..., 0]
    side = int(16 * 0.5 + 0.5)
    assert set(np.unique(out)) <= {0.0, 1.0}
    full = 0
    for m in out == 0:
        rows, cols = np.where(m.any(1))[0], np.where(m.any(0))[0]
        assert len(rows) and len(cols)
        # a rectangle: every pixel in its bounding box is zero; side s, clipped at the border
        assert m[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].all() and m.sum() == len(rows) * len(cols)
        assert len(rows) <= side and len(cols) <= side
        assert len(rows) == side or rows[0] == 0 or rows[-1] == 15  # shorter only where cut by the border
        assert len(cols) == side or cols[0] == 0 or cols[-1] == 15
        full += len(rows) == side and len(cols) == side
    assert 0 < full < 200  # both whole squares and squares cut by the border occur


@pytest.mark.parametrize("channels", [1, 3])
def test_color_is_an_affine_map_per_image(channels):
    """Brightness, saturation and contrast compose to ``out = a * x + B`` per image and channel layout:
    with one channel, ``out = a x + b`` with ``a = c + 0.5`` in [0.5, 1.5) (saturation is the identity)."""
    x = _images(16, 8, channels)
    out = augment.color(tf.constant(x), SEED).numpy()
    for k in range(len(x)):
        if channels == 1:
            a, b = np.polyfit(x[k].ravel(), out[k].ravel(), 1)
            # float32 arithmetic on values of order 1: residuals ~1e-6; 1e-4 leaves margin, and a
            # non-affine map (control below) leaves residuals of order 0.1
            assert np.abs(a * x[k] + b - out[k]).max() < 1e-4
            assert 0.5 - 1e-4 <= a < 1.5 + 1e-4
        else:  # affine in (x - mean over channels) and the channel mean: out = s*a*x + (1-s)*a*m_c + const
            m_c = x[k].mean(-1, keepdims=True)
            design = np.stack([x[k].ravel(), np.broadcast_to(m_c, x[k].shape).ravel(), np.ones(x[k].size)], 1)
            coef, *_ = np.linalg.lstsq(design, out[k].ravel(), rcond=None)
            assert np.abs(design @ coef - out[k].ravel()).max() < 1e-4
    control = np.tanh(3 * x[0])
    a, b = np.polyfit(x[0].ravel(), control.ravel(), 1)
    assert np.abs(a * x[0] + b - control).max() > 0.05


def test_gradients_flow_through_every_part():
    x = tf.constant(_images(8))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = augment.diff_augment(x, augment.parse_policy("color,translation,cutout"), SEED)
        total = tf.reduce_sum(y)
    g = tape.gradient(total, x).numpy()
    assert np.isfinite(g).all() and (np.abs(g) > 0).mean() > 0.3
    with tf.GradientTape() as tape:  # translation alone: each input pixel is copied at most once
        tape.watch(x)
        total = tf.reduce_sum(augment.translation(x, SEED))
    g = tape.gradient(total, x).numpy()
    assert set(np.unique(g)) <= {0.0, 1.0} and g.mean() > 0.5


@pytest.mark.slow
def test_gan_augments_the_discriminator_inputs_in_training_only(tiny_nets, tiny_data):
    g, d = tiny_nets()
    gan = models.build_gan("nsgan", g, d, seed=0, augment="translation,cutout")
    gan.compile()
    x = tf.constant(_images(8))
    plain = gan.discriminator(x, training=False).numpy()
    np.testing.assert_array_equal(gan._discriminate(x, None, training=False)[0].numpy(), plain)
    assert not np.allclose(gan._discriminate(x, None, training=True)[0].numpy(),
                           gan.discriminator(x, training=True).numpy())
    import tfgan_zoo.models.gan as gan_module

    seen = []
    original = gan_module.diff_augment

    def counting(x, policy, seed):
        seen.append(tuple(x.shape))
        return original(x, policy, seed)

    gan_module.diff_augment = counting
    try:  # traced once: D's update augments the real and the generated batch, G's update the generated one
        hist = gan.fit(tiny_data(), epochs=1, verbose=0)
    finally:
        gan_module.diff_augment = original
    assert len(seen) == 3 and all(s[1:] == (16, 16, 1) for s in seen)
    assert np.isfinite(hist.history["d_loss"][-1])
    assert models.GAN.from_config(gan.get_config()).augment == ("translation", "cutout")
    with pytest.raises(ValueError, match="Unknown augmentation"):
        models.build_gan("nsgan", *nets.build("mlp", (16, 16, 1), 8), augment="zoom")
