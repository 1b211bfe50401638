"""Trained generators shipped with the package, loaded offline: ``load(name)`` gives the Keras generator.

Each is two files in this folder: ``NAME.npz``, the generator's weights as float16 arrays (read with
``allow_pickle=False``), and ``NAME.json``, its manifest: the recipe and seed it was trained with, the commit
of the code that trained it, the run's settings (which rebuild the network through
:func:`tfgan_zoo.networks.build_networks`), the standard FID the run measured, and the classifier FIDs of
the shipped float16 weights next to the run's float32 ones (so the cost of float16 is measured, not
assumed). ``scripts/pack_pretrained.py RUN --name NAME`` writes both from a finished run.

The weights are stored without redundancy, and :func:`expand` undoes it exactly:

- an inference-mode batch normalization ``(x - mean) / sqrt(var + eps) * gamma + beta`` is kept as
  ``scale = gamma / sqrt(var + eps)`` and ``shift = beta - mean * scale`` (and rebuilt with mean 0 and
  variance ``1 - eps``), two arrays instead of four;
- a label embedding ``E`` (``K x e``) concatenated to ``z`` before the bias-free projection
  ``W = [W_z; W_e]`` contributes ``E[y] @ W_e`` to the projection: the ``K`` rows of ``E @ W_e`` are kept
  instead of ``E`` and ``W_e`` (``e`` rows of the projection), and rebuilt as a one-hot embedding
  ``[I_K, 0]`` over the rows ``[E @ W_e; 0]``, which computes the same sum.

Both are exact in real arithmetic, so a generator loaded here is for sampling (its batch statistics and label
embedding are no longer the trained ones, which matters only if it is trained further).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from typing import Any

import numpy as np

FOLDER = os.path.dirname(os.path.abspath(__file__))
#: the size limit of one shipped weights file, in bytes
MAX_BYTES = 4_000_000
#: the layer names of the label fold (tfgan_zoo.nets.heads.generator_inputs, tfgan_zoo.nets.dcgan.project_to_map)
LABEL_EMBEDDING, PROJECTION = "label_embedding", "project"


class PretrainedError(ValueError):
    """An unknown name or a shipped file that does not match its manifest."""


def names() -> list[str]:
    """The shipped generators' names, sorted."""
    return sorted(f[:-5] for f in os.listdir(FOLDER)
                  if f.endswith(".json") and os.path.isfile(os.path.join(FOLDER, f[:-5] + ".npz")))


def manifest(name: str) -> dict[str, Any]:
    """The manifest of the shipped generator ``name`` (module docstring).

    Raises
    ------
    PretrainedError
        For a name that is not shipped, listing the names.
    """
    if not isinstance(name, str) or name not in names():
        raise PretrainedError(f"No pretrained generator {name!r}. Shipped: {', '.join(names()) or 'none'}.")
    with open(os.path.join(FOLDER, name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def _is_bn(layer) -> bool:
    import keras

    return isinstance(layer, keras.layers.BatchNormalization) and layer.center and layer.scale


def compact(generator, latent_dim: int) -> dict[str, np.ndarray]:
    """The weights of ``generator`` without the redundancy the module docstring describes (float32 arrays).

    Parameters
    ----------
    generator : keras.Model
        A functional generator of :func:`tfgan_zoo.nets.build`.
    latent_dim : int
        Size of ``z`` (the first rows of the projection, when a label embedding is folded).

    Returns
    -------
    dict
        ``{weight path: array}`` for the weights kept as they are, ``LAYER/scale`` and ``LAYER/shift`` for each
        batch normalization, and ``label_embedding/rows`` (``K x units``) with ``project/kernel`` cut to its
        ``latent_dim`` rows when the label is folded.
    """
    from ..nets.norms import batchnorm_affine

    out: dict[str, np.ndarray] = {}
    folded = set()
    for layer in generator.layers:
        if _is_bn(layer):
            scale, shift = batchnorm_affine(layer)
            out[f"{layer.name}/scale"] = scale.astype(np.float32)
            out[f"{layer.name}/shift"] = shift.astype(np.float32)
            folded.update(w.path for w in layer.weights)
    layer_names = {layer.name for layer in generator.layers}
    if {LABEL_EMBEDDING, PROJECTION} <= layer_names:
        emb = np.asarray(generator.get_layer(LABEL_EMBEDDING).embeddings, np.float64)
        proj = generator.get_layer(PROJECTION)
        kernel = np.asarray(proj.kernel, np.float64)
        if kernel.shape[0] != latent_dim + emb.shape[1] or proj.use_bias:
            raise ValueError(f"The projection's kernel {kernel.shape} does not read [z ({latent_dim}), label "
                             f"embedding ({emb.shape[1]})] without bias; this generator's label cannot be folded.")
        out[f"{PROJECTION}/kernel"] = kernel[:latent_dim].astype(np.float32)
        out[f"{LABEL_EMBEDDING}/rows"] = (emb @ kernel[latent_dim:]).astype(np.float32)
        folded.update({proj.kernel.path, generator.get_layer(LABEL_EMBEDDING).embeddings.path})
    for w in generator.weights:
        if w.path not in folded:
            out[w.path] = np.asarray(w, np.float32)
    return out


def expand(generator, arrays: dict[str, np.ndarray]) -> None:
    """Set the weights of ``generator`` (built like the one :func:`compact` read) from ``arrays``, in place.

    Raises
    ------
    PretrainedError
        When an array is missing, left over or of the wrong shape.
    """
    arrays = {k: np.asarray(v, np.float32) for k, v in arrays.items()}
    used = set()

    def take(key: str, shape) -> np.ndarray:
        if key not in arrays:
            raise PretrainedError(f"The weights have no {key!r}; they were packed from another network.")
        if tuple(arrays[key].shape) != tuple(shape):
            raise PretrainedError(f"{key!r} has shape {arrays[key].shape}, the network needs {tuple(shape)}.")
        used.add(key)
        return arrays[key]

    layer_names = {layer.name for layer in generator.layers}
    values = {}  # weight path -> value, for the weights rebuilt from a fold
    if {LABEL_EMBEDDING, PROJECTION} <= layer_names and f"{LABEL_EMBEDDING}/rows" in arrays:
        emb = generator.get_layer(LABEL_EMBEDDING).embeddings
        proj = generator.get_layer(PROJECTION).kernel
        k, e = emb.shape
        if e < k:
            raise PretrainedError(f"A label embedding of {e} dimensions cannot hold the one-hot of {k} labels.")
        rows = take(f"{LABEL_EMBEDDING}/rows", (k, proj.shape[1]))
        kz = take(f"{PROJECTION}/kernel", (proj.shape[0] - e, proj.shape[1]))
        values[emb.path] = np.eye(k, e, dtype=np.float32)
        values[proj.path] = np.concatenate([kz, rows, np.zeros((e - k, proj.shape[1]), np.float32)])
    for layer in generator.layers:
        if _is_bn(layer):
            n = layer.gamma.shape
            values[layer.gamma.path] = take(f"{layer.name}/scale", n)
            values[layer.beta.path] = take(f"{layer.name}/shift", n)
            values[layer.moving_mean.path] = np.zeros(n, np.float32)
            values[layer.moving_variance.path] = np.full(n, 1.0 - float(layer.epsilon), np.float32)
    for w in generator.weights:
        w.assign(values[w.path] if w.path in values else take(w.path, w.shape))
    extra = sorted(set(arrays) - used)
    if extra:
        raise PretrainedError(f"The weights hold arrays this network does not use: {', '.join(extra[:5])}; they "
                              "were packed from another network.")


def to_float16(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``arrays`` as float16, refusing values float16 cannot hold (absolute values above 65,504)."""
    big = {k: float(np.abs(v).max()) for k, v in arrays.items() if v.size and np.abs(v).max() > 65504}
    if big:
        raise ValueError(f"Weights beyond float16's range (65,504): {big}.")
    return {k: v.astype(np.float16) for k, v in arrays.items()}


def sha256(path: str) -> str:
    """SHA-256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def settings_config(settings: dict[str, Any]):
    """The :class:`tfgan_zoo.config.TrainConfig` of a run's saved settings (its ``config.json``).

    Raises
    ------
    PretrainedError
        For settings this version of tfgan_zoo does not know (the run came from a newer version).
    """
    from ..config import TrainConfig

    known = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise PretrainedError(f"Settings {unknown} are not known to this tfgan_zoo; upgrade it to load this "
                              "generator.")
    return TrainConfig(**{k: v for k, v in settings.items() if k not in ("out", "data_dir")})


def build(settings: dict[str, Any], image_shape, num_classes: int | None):
    """An untrained generator with the architecture of the run ``settings`` describe (under the current Keras
    dtype policy, as :func:`tfgan_zoo.training.build_model` would build it)."""
    from ..networks import build_networks

    g, _ = build_networks(settings_config(settings), tuple(int(d) for d in image_shape), num_classes)
    return g


def read_weights(name: str) -> dict[str, np.ndarray]:
    """The float16 arrays of the shipped generator ``name``, checked against the manifest's SHA-256."""
    info = manifest(name)
    path = os.path.join(FOLDER, name + ".npz")
    digest = sha256(path)
    if digest != info["weights"]["sha256"]:
        raise PretrainedError(f"{path} does not match its manifest (SHA-256 {digest[:12]}..., expected "
                              f"{info['weights']['sha256'][:12]}...); reinstall tfgan_zoo.")
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def load(name: str):
    """The shipped generator ``name`` as a float32 Keras model (inputs ``z``, or ``[z, label]``).

    Parameters
    ----------
    name : str
        One of :func:`names` (``tfgan-zoo sample --pretrained list`` prints them with their FIDs).

    Returns
    -------
    keras.Model
        The generator; draw ``z`` from ``manifest(name)["prior"]`` (:func:`tfgan_zoo.sampling.pretrained`
        does it for you).

    Raises
    ------
    PretrainedError
        For an unknown name (listing the shipped ones) or weights that do not match their manifest.
    """
    info = manifest(name)
    g = build(info["settings"], info["image_shape"], info.get("num_classes"))
    expand(g, read_weights(name))
    return g
