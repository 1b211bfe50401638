"""Export a generator as a TF SavedModel with a ``serve(z) -> images`` signature."""

from __future__ import annotations

import os

import keras
import tensorflow as tf

from .io import atomic_path


def export_generator(generator: keras.Model, path: str | os.PathLike, latent_dim: int | None = None) -> str:
    """Write ``generator`` as a SavedModel at ``path`` (atomically).

    The SavedModel has one endpoint, ``serve`` (also ``serving_default``),
    taking ``z``: float32 ``[batch, latent_dim]`` and returning float32 images
    ``[batch, h, w, c]`` in [-1, 1] (inference mode: batch-norm uses its moving
    statistics). Load it with ``tf.saved_model.load(path).serve(z)``; no
    tfgan_zoo import is needed. A conditional generator (inputs ``[z, label]``)
    gets ``serve(z, label)`` with ``label`` int32 ``[batch]``. An InfoGAN
    generator takes one vector: ``z`` followed by ``one_hot(c_cat)`` and ``c_cont``.
    """
    shapes = generator.input_shape
    conditional = isinstance(shapes, list) and len(shapes) == 2
    if latent_dim is None:
        latent_dim = (shapes[0] if conditional else shapes)[-1]
    archive = keras.export.ExportArchive()
    archive.track(generator)
    z_spec = tf.TensorSpec([None, int(latent_dim)], tf.float32, name="z")

    def images(out):
        return tf.clip_by_value(tf.cast(out, tf.float32), -1.0, 1.0)

    if conditional:
        def serve(z, label):
            return images(generator([z, label], training=False))

        signature = [z_spec, tf.TensorSpec([None], tf.int32, name="label")]
    else:
        def serve(z):
            return images(generator(z, training=False))

        signature = [z_spec]
    archive.add_endpoint(name="serve", fn=serve, input_signature=signature)
    with atomic_path(path) as tmp:
        archive.write_out(tmp, verbose=False)
    return os.fspath(path)
