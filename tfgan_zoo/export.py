"""Export a generator as a TF SavedModel with a ``serve(z) -> images`` signature."""

from __future__ import annotations

import json
import os

import keras
import tensorflow as tf

from .io import atomic_path
from .priors import check_prior

INFO_FILE = "tfgan_zoo_generator.json"


def _num_classes(generator: keras.Model) -> int | None:
    """Labels a conditional generator takes: the input size of its label embedding."""
    for layer in generator.layers:
        if isinstance(layer, keras.layers.Embedding):
            return int(layer.input_dim)
    return None


def read_generator_info(path: str | os.PathLike) -> dict:
    """The metadata an exported generator carries (``{}`` for exports without it).

    Keys: ``latent_dim``, ``image_shape``, ``conditional``, ``num_classes`` and ``prior`` (exports from
    before the prior option have none: they were trained on ``normal``).
    """
    info = os.path.join(os.fspath(path), INFO_FILE)
    if not os.path.isfile(info):
        return {}
    with open(info, encoding="utf-8") as f:
        return json.load(f)


def export_generator(generator: keras.Model, path: str | os.PathLike, latent_dim: int | None = None,
                     prior: str = "normal", selected: dict | None = None) -> str:
    """Write ``generator`` as a SavedModel at ``path`` (atomically).

    The SavedModel has one endpoint, ``serve`` (also ``serving_default``),
    taking ``z``: float32 ``[batch, latent_dim]`` and returning float32 images
    ``[batch, h, w, c]`` in [-1, 1] (inference mode: batch-norm uses its moving
    statistics). Load it with ``tf.saved_model.load(path).serve(z)``; no
    tfgan_zoo import is needed. A conditional generator (inputs ``[z, label]``)
    gets ``serve(z, label)`` with ``label`` int32 ``[batch]`` in ``[0, num_classes)``.
    An InfoGAN generator takes one vector: ``z`` followed by ``one_hot(c_cat)``
    and ``c_cont``. ``tfgan_zoo_generator.json`` next to ``saved_model.pb``
    records the latent size, image shape, number of classes and the
    ``prior`` ``z`` should be drawn from (``normal`` or ``uniform``, see
    :mod:`tfgan_zoo.priors`; :func:`read_generator_info`), and ``selected``
    when given (how a kept-best generator was chosen: metric, value, epoch, step).
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
    info = {"latent_dim": int(latent_dim), "image_shape": [int(d) for d in generator.output_shape[1:]],
            "conditional": conditional, "num_classes": _num_classes(generator) if conditional else None,
            "prior": check_prior(prior)}
    if selected is not None:
        info["selected"] = dict(selected)
    with atomic_path(path) as tmp:
        archive.write_out(tmp, verbose=False)
        with open(os.path.join(tmp, INFO_FILE), "w", encoding="utf-8") as f:
            json.dump(info, f, indent=2)
    return os.fspath(path)
