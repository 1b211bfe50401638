import keras
import numpy as np
import tensorflow as tf

from tfgan_zoo import models
from tfgan_zoo.export import export_generator, read_generator_info


def test_savedmodel_serve_signature(tmp_path, tiny_nets, tiny_data):
    g, d = tiny_nets()
    gan = models.GAN(g, d, seed=0)
    gan.compile()
    gan.fit(tiny_data(), epochs=1, verbose=0)
    path = export_generator(gan.generator, str(tmp_path / "generator"))
    loaded = tf.saved_model.load(path)
    z = np.random.default_rng(0).standard_normal((5, 8)).astype("float32")
    out = loaded.serve(tf.constant(z))
    assert out.shape == (5, 16, 16, 1) and out.dtype == tf.float32
    assert float(tf.reduce_min(out)) >= -1 and float(tf.reduce_max(out)) <= 1
    np.testing.assert_allclose(out.numpy(), g(z, training=False).numpy(), atol=1e-5)
    sig = loaded.signatures["serving_default"]
    assert list(sig.structured_input_signature[1]) == ["z"]
    assert list(sig(z=tf.constant(z)).values())[0].shape == (5, 16, 16, 1)
    assert read_generator_info(path) == {"latent_dim": 8, "image_shape": [16, 16, 1], "conditional": False,
                                         "num_classes": None, "prior": "normal"}


def test_keras_save_load_keeps_state_and_trains_on(tmp_path, tiny_nets, tiny_data):
    g, d = tiny_nets()
    gan = models.WGANGP(g, d, seed=1, n_critic=2, gp_weight=5.0)
    gan.compile()
    gan.fit(tiny_data(), epochs=1, verbose=0)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    back = keras.models.load_model(path)  # safe_mode stays on (the default)
    assert type(back) is models.WGANGP and (back.n_critic, back.gp_weight) == (2, 5.0)
    for a, b in zip(gan.weights, back.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    for opt_a, opt_b in ((gan.d_optimizer, back.d_optimizer), (gan.g_optimizer, back.g_optimizer)):
        assert int(opt_b.iterations) == int(opt_a.iterations) > 0
        for a, b in zip(opt_a.variables, opt_b.variables):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_array_equal(np.asarray(back.seed_generator.state), np.asarray(gan.seed_generator.state))
    # the same next step from the original and the reloaded model
    batch = next(iter(tiny_data()))
    gan.reset_metrics()
    back.reset_metrics()
    la = gan.train_on_batch(batch, return_dict=True)
    lb = back.train_on_batch(batch, return_dict=True)
    assert la.keys() == lb.keys()
    for k in la:
        np.testing.assert_allclose(la[k], lb[k], rtol=1e-4, atol=1e-5)
    assert int(back.g_optimizer.iterations) == 5
