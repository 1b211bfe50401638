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
    tfgan_zoo import is needed.
    """
    if latent_dim is None:
        latent_dim = generator.input_shape[-1]
    archive = keras.export.ExportArchive()
    archive.track(generator)

    def serve(z):
        return tf.clip_by_value(tf.cast(generator(z, training=False), tf.float32), -1.0, 1.0)

    archive.add_endpoint(
        name="serve",
        fn=serve,
        input_signature=[tf.TensorSpec([None, int(latent_dim)], tf.float32, name="z")],
    )
    with atomic_path(path) as tmp:
        archive.write_out(tmp, verbose=False)
    return os.fspath(path)
