"""One interface over the three things a user calls "a generator".

:func:`as_sampler` takes a :class:`tfgan_zoo.models.GAN` (its EMA generator when it has one),
a bare ``keras.Model`` generator (inputs ``z``, or ``[z, label]`` when conditional), or the
folder of an exported generator (``export_generator``; its ``tfgan_zoo_generator.json`` gives
the prior and the classes), and returns a :class:`Sampler` that maps NumPy noise (and labels)
to NumPy images in [-1, 1]. The analysis tools, ``evaluate`` and the MNIST judges accept any of
the three through it.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Callable

import numpy as np

from .priors import check_prior, sample_numpy


@dataclasses.dataclass
class Sampler:
    """A generator seen from outside: ``generate(z, labels=None) -> images`` (NumPy, float32, [-1, 1]).

    Parameters
    ----------
    fn : callable
        ``fn(z, labels) -> images``: ``z`` float32 ``(n, latent_dim)``, ``labels`` int32 ``(n,)`` or None,
        images ``(n, h, w, c)`` in [-1, 1] (anything ``numpy.asarray`` takes, e.g. a tensor).
    latent_dim : int
        Size of ``z``.
    prior : {"normal", "uniform"}
        The distribution ``z`` is drawn from in training.
    num_classes : int or None
        Classes of a label-conditional generator (it then needs ``labels``), None otherwise.

    Attributes
    ----------
    latent_dim : int
        Size of ``z``.
    prior : {"normal", "uniform"}
        The distribution ``z`` is drawn from in training.
    num_classes : int or None
        Classes of a label-conditional generator (it then needs ``labels``), None otherwise.

    Examples
    --------
    Any function from NumPy noise to images makes a sampler; here 4 noise values become a 2x2 image:

    >>> import numpy as np
    >>> from tfgan_zoo.sampling import Sampler
    >>> s = Sampler(lambda z, labels: np.tanh(z).reshape(-1, 2, 2, 1), latent_dim=4, prior="uniform")
    >>> z = s.noise(3, seed=0)
    >>> z.shape, bool(np.abs(z).max() <= 1.0)
    ((3, 4), True)
    >>> images = s.generate(z)
    >>> images.shape, images.dtype
    ((3, 2, 2, 1), dtype('float32'))
    >>> np.allclose(images[0].ravel(), np.tanh(z[0]))
    True
    """

    fn: Callable[[np.ndarray, np.ndarray | None], Any]
    latent_dim: int
    prior: str = "normal"
    num_classes: int | None = None

    def noise(self, n: int, seed: int | np.random.Generator = 0, truncation: float | None = None) -> np.ndarray:
        """``n`` latent vectors from the generator's prior (float32, ``(n, latent_dim)``); ``truncation=t``
        draws each entry conditioned on ``|z_i| <= t`` (:func:`tfgan_zoo.priors.sample_numpy`).

        Parameters
        ----------
        n : int
            Number of vectors.
        seed : int or numpy.random.Generator
            Seed of a new NumPy generator, or a generator to draw from (advanced by the draws).
        truncation : float, optional
            Bound ``t > 0`` on each ``|z_i|``; None draws from the whole prior.

        Returns
        -------
        numpy.ndarray
            float32, shape ``(n, latent_dim)``.

        Examples
        --------
        >>> import numpy as np
        >>> from tfgan_zoo.sampling import Sampler
        >>> s = Sampler(lambda z, labels: z, latent_dim=8)
        >>> z = s.noise(5)
        >>> z.shape, z.dtype
        ((5, 8), dtype('float32'))
        >>> np.array_equal(s.noise(5, seed=1), s.noise(5, seed=1))
        True
        >>> bool(np.abs(s.noise(1000, truncation=0.5)).max() <= 0.5)
        True
        """
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        return sample_numpy(self.prior, rng, (int(n), self.latent_dim), truncation)

    def generate(self, z, labels=None, batch_size: int = 500) -> np.ndarray:
        """Images for the rows of ``z`` (labels default to 0, 1, ..., cycling, for conditional generators).

        Parameters
        ----------
        z : array_like
            Latent vectors, shape ``(n, latent_dim)`` with ``n >= 1`` (converted to float32).
        labels : int or array_like, optional
            Class of each image for a label-conditional generator, in ``[0, num_classes)``: one per row of
            ``z``, or one for all; None: ``0, 1, ...`` cycling. Must be None for other generators.
        batch_size : int
            Rows of ``z`` passed to the generator per call.

        Returns
        -------
        numpy.ndarray
            float32 images, shape ``(n, h, w, c)``, values in [-1, 1].

        Raises
        ------
        ValueError
            If ``z`` has another shape or no row, or ``labels`` are out of range or given to a generator that
            takes none.

        Examples
        --------
        A conditional "generator" that paints each image with its label, and counts the rows of each call:

        >>> import numpy as np
        >>> from tfgan_zoo.sampling import Sampler
        >>> calls = []
        >>> def paint(z, labels):
        ...     calls.append(len(z))
        ...     return np.broadcast_to(labels[:, None, None, None], (len(z), 1, 1, 1))
        >>> s = Sampler(paint, latent_dim=2, num_classes=3)
        >>> s.generate(np.zeros((5, 2)), batch_size=2).ravel().tolist()
        [0.0, 1.0, 2.0, 0.0, 1.0]
        >>> calls
        [2, 2, 1]
        >>> s.generate(np.zeros((2, 2)), labels=2).ravel().tolist()
        [2.0, 2.0]
        >>> s.generate(np.zeros((2, 3)))
        Traceback (most recent call last):
            ...
        ValueError: z must have shape (n, 2) for this generator, got (2, 3).
        """
        z = np.asarray(z, np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (n, {self.latent_dim}) for this generator, got {z.shape}.")
        if self.num_classes is None:
            if labels is not None:
                raise ValueError("labels were given but this generator is not label-conditional; drop them.")
        else:
            labels = (np.arange(len(z)) % self.num_classes if labels is None
                      else np.broadcast_to(np.asarray(labels), (len(z),))).astype(np.int32)
            if labels.min(initial=0) < 0 or labels.max(initial=0) >= self.num_classes:
                raise ValueError(f"labels must be in [0, {self.num_classes}), got {labels.min()}..{labels.max()}.")
        out = []
        for s in range(0, len(z), batch_size):
            out.append(np.asarray(self.fn(z[s:s + batch_size], None if labels is None else labels[s:s + batch_size]),
                                  np.float32))
        if not out:
            raise ValueError("z has no rows.")
        return np.concatenate(out)


def as_sampler(generator: Any) -> Sampler:
    """A :class:`Sampler` for a GAN model, a Keras generator or an exported generator folder.

    Parameters
    ----------
    generator : GAN, keras.Model, str, os.PathLike or Sampler
        A :class:`tfgan_zoo.models.GAN` (sampled through ``generate``: its EMA generator when it has one,
        its prior and classes), a bare Keras generator (inputs ``z``, or ``[z, label]`` when conditional, with
        the classes of its label embedding, else 10; its prior is taken to be ``normal``), the folder of an
        exported generator (:func:`from_export`), or a :class:`Sampler`, returned as it is.

    Returns
    -------
    Sampler
        The sampler of ``generator``.

    Raises
    ------
    ValueError
        For a folder that is not an exported generator, an InfoGAN model (it takes codes besides ``z``), or
        an object that is none of the three.

    Examples
    --------
    A bare Keras generator (a tiny MLP making 4x4 images from 3 noise values):

    >>> import numpy as np
    >>> from tfgan_zoo import nets
    >>> from tfgan_zoo.sampling import as_sampler
    >>> g = nets.mlp_generator((4, 4, 1), latent_dim=3, units=(8,))
    >>> s = as_sampler(g)
    >>> s.latent_dim, s.prior, s.num_classes
    (3, 'normal', None)
    >>> images = s.generate(s.noise(6, seed=0))
    >>> images.shape, bool(np.abs(images).max() <= 1.0)
    ((6, 4, 4, 1), True)
    >>> as_sampler(s) is s
    True

    A conditional generator ``[z, label] -> image`` gets the classes of its label embedding:

    >>> g, _ = nets.build("mlp", (4, 4, 1), 3, conditional="concat", num_classes=5)
    >>> as_sampler(g).num_classes
    5
    """
    if isinstance(generator, Sampler):
        return generator
    if isinstance(generator, (str, os.PathLike)):
        return from_export(generator)
    import keras

    from .models import GAN

    if isinstance(generator, GAN):
        cond = generator.conditioning
        if cond.mode == "infogan":
            raise ValueError("InfoGAN models take codes besides z; use gan.generate(z, codes=...) directly, or the "
                             "code traversal of tfgan_zoo.callbacks.CodeTraversal.")
        k = cond.num_classes if cond.needs_labels else None
        return Sampler(lambda z, y: generator.generate(z, labels=y), generator.latent_dim, generator.prior, k)
    if isinstance(generator, keras.Model):
        shapes = generator.input_shape
        if isinstance(shapes, list) and len(shapes) == 2:
            from .export import _num_classes

            return from_keras(generator, int(shapes[0][-1]), "normal", _num_classes(generator) or 10)
        return from_keras(generator, int(shapes[-1]), "normal")
    raise ValueError(f"Expected a tfgan_zoo GAN, a keras.Model generator or an exported generator folder, got "
                     f"{type(generator).__name__}.")


def from_keras(generator: Any, latent_dim: int, prior: str = "normal", num_classes: int | None = None) -> Sampler:
    """A :class:`Sampler` calling a Keras generator in inference mode: ``generator([z, label])`` when
    ``num_classes`` is given, else ``generator(z)``.

    Parameters
    ----------
    generator : keras.Model
        The generator (inputs ``z``, or ``[z, label]``).
    latent_dim : int
        Size of ``z``.
    prior : {"normal", "uniform"}
        The distribution ``z`` was drawn from in training.
    num_classes : int or None
        Classes of a label-conditional generator; None for one that takes ``z`` alone.

    Returns
    -------
    Sampler
        The sampler.
    """
    if num_classes is not None:
        return Sampler(lambda z, y: generator([z, y], training=False), int(latent_dim), prior, int(num_classes))
    return Sampler(lambda z, y: generator(z, training=False), int(latent_dim), prior, None)


def from_export(path: str | os.PathLike) -> Sampler:
    """A :class:`Sampler` over an exported generator folder (:func:`tfgan_zoo.export.export_generator`).

    The latent size comes from the ``serve`` signature; the prior and the number of classes from
    ``tfgan_zoo_generator.json`` (exports without it: ``normal`` and 10 classes).

    Parameters
    ----------
    path : str or os.PathLike
        The folder :func:`tfgan_zoo.export.export_generator` wrote (holding ``saved_model.pb``).

    Returns
    -------
    Sampler
        A sampler calling the SavedModel's ``serve`` endpoint.

    Raises
    ------
    ValueError
        If ``path`` holds no ``saved_model.pb``.

    Examples
    --------
    Export a tiny generator with a uniform prior and sample it back; the SavedModel computes what the Keras
    model does:

    >>> import os, tempfile
    >>> import numpy as np
    >>> from tfgan_zoo import nets
    >>> from tfgan_zoo.export import export_generator
    >>> from tfgan_zoo.sampling import from_export
    >>> g = nets.mlp_generator((4, 4, 1), latent_dim=3, units=(8,))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     s = from_export(export_generator(g, os.path.join(tmp, "generator"), prior="uniform"))
    ...     z = s.noise(5, seed=0)
    ...     images = s.generate(z)
    >>> s.latent_dim, s.prior, s.num_classes
    (3, 'uniform', None)
    >>> images.shape
    (5, 4, 4, 1)
    >>> np.allclose(images, np.asarray(g(z, training=False)), atol=1e-6)
    True
    """
    path = os.fspath(path)
    if not os.path.isfile(os.path.join(path, "saved_model.pb")):
        raise ValueError(f"{path!r} is not an exported generator (no saved_model.pb); pass the generator/ folder "
                         "of a run (train.py writes OUT/generator) or a folder written by export_generator.")
    import tensorflow as tf

    from .export import read_generator_info

    gen = tf.saved_model.load(path)
    signature = gen.serve.input_signature
    info = read_generator_info(path)
    latent = int(signature[0].shape[-1])
    prior = check_prior(info.get("prior", "normal"))
    if len(signature) == 2:
        k = int(info.get("num_classes") or 10)
        return Sampler(lambda z, y: gen.serve(tf.constant(z), tf.constant(y, tf.int32)), latent, prior, k)
    return Sampler(lambda z, y: gen.serve(tf.constant(z)), latent, prior, None)


def pretrained(name: str) -> Sampler:
    """A :class:`Sampler` over a generator shipped with the package (:mod:`tfgan_zoo.pretrained`), offline.

    Parameters
    ----------
    name : str
        One of ``tfgan_zoo.pretrained.names()``; ``tfgan_zoo.pretrained.manifest(name)`` says how it was
        trained (recipe, seed, commit) and measured (standard FID, classifier FID in float32 and float16).

    Returns
    -------
    Sampler
        The generator with its prior and classes.

    Raises
    ------
    tfgan_zoo.pretrained.PretrainedError
        For an unknown name (the message lists the shipped ones).

    Examples
    --------
    >>> from tfgan_zoo.sampling import pretrained
    >>> pretrained("no-such-generator")
    Traceback (most recent call last):
        ...
    tfgan_zoo.pretrained.PretrainedError: No pretrained generator 'no-such-generator'. Shipped: ...
    """
    from . import pretrained as shipped

    info = shipped.manifest(name)
    return from_keras(shipped.load(name), info["latent_dim"], info["prior"], info.get("num_classes"))
