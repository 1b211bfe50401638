"""Checkpoints a run can be resumed from: written atomically, verified before use.

A checkpoint is two files in a run's ``checkpoints/`` folder:

``<name>.keras``
    the whole GAN as ``model.save`` writes it: both networks, the EMA generator,
    both optimizers' states (with their step counters) and the noise seed state;
``<name>.json``
    its state: the position (epochs done, steps done in the current epoch, global
    step), the running epoch means of the metrics, the callbacks' states (history
    rows, per-step losses, ...), the run's configuration, the model's latent size
    and image shape, and the size and SHA-256 of the ``.keras`` file.

Each file is written under a temporary name and renamed; the ``.json`` is written
last and is the commit point (a ``.keras`` without it is an unfinished checkpoint).
``latest.txt`` then names the newest. Epoch-end checkpoints are named
``epoch_NNNN`` (epochs done), mid-epoch ones ``step_NNNNNNNN`` (global step).

Reading (:func:`latest_good`) checks each checkpoint's size and checksum, newest
first, and falls back to the previous good one with a warning naming both files.

This module imports neither TensorFlow nor Keras at import time, so the command
line can find and check a checkpoint before loading them; :func:`load_gan` and
:func:`restore_weights` import Keras when called.
"""

from __future__ import annotations

import dataclasses
import glob
import json
import os
import re
import shutil
import uuid
import warnings
import zipfile
from typing import TYPE_CHECKING, Any, Callable, Iterable

from .io import atomic_path, file_digest, write_text

if TYPE_CHECKING:  # Keras is imported only when a model is loaded
    from .models import GAN

FORMAT = 1
LATEST = "latest.txt"
_NAME = re.compile(r"^(epoch_\d{4,}|step_\d{8,})$")
# Settings a resumed run may change; every other setting must match the checkpoint's run.
RESUMABLE_CHANGES = frozenset({
    "out", "epochs", "lr_d", "lr_g", "jit_compile", "n_samples", "fid_every", "fid_samples", "fid_network",
    "checkpoint_every", "keep_checkpoints", "data_dir", "skip_corrupt", "deterministic", "keep_best", "recipe",
    "tensorboard", "tensorboard_every", "log_every",
    "lr", "n_eval",  # translation runs: their one learning rate, and the test pairs scored at the end
})


# Settings added after runs were first saved, with the value those runs had: resuming an older run
# with another value is refused like any other change (a missing key must not let it through).
ADDED_LATER = {"ema_start": 0, "prior": "normal", "augment": None, "lr_decay": "none", "ac_weight": 1.0, "ac_fake_weight": 1.0,
               "label_smoothing": 0.0, "minibatch_discrimination": None, "minibatch_stddev": 0,
               "feature_matching": None, "feature_layer": None, "gran_k": 1.0, "gran_epsilon": 1e-4, "cascade": 1,
               "upsample": "transpose", "conditional_norm": "none", "self_modulation": False,
               "resnet_variant": "sngan", "width": None, "d_width": None, "progressive_augment": 0,
               "pa_monitor": "kid", "pa_patience": 1, "pa_fade_steps": 500, "pa_start": 0,
               "critic_batches": "shared"}


class CheckpointError(ValueError):
    """A checkpoint cannot be used; the message says why and what to do."""


class CorruptCheckpointError(CheckpointError):
    """A checkpoint file is truncated, corrupt or unreadable."""


class CheckpointMismatchError(CheckpointError):
    """A checkpoint does not fit the requested model, data or settings."""


class CorruptCheckpointWarning(UserWarning):
    """The newest checkpoint was unusable and an earlier one is used instead."""


@dataclasses.dataclass(frozen=True)
class Position:
    """Where training is: ``epoch`` epochs done, ``step`` steps done in the next one, ``global_step`` in all.

    Parameters
    ----------
    epoch : int
        Epochs completed (0 before the first one ends).
    step : int
        Steps done in the epoch after those, 0 at an epoch's end.
    global_step : int
        Steps done since the run began, over all epochs and sessions.
    """

    epoch: int
    step: int
    global_step: int


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """A checkpoint on disk: the ``.keras`` path and the parsed state of its ``.json``.

    Parameters
    ----------
    path : str
        Path of the checkpoint's ``.keras`` file; its ``.json`` state has the same name (``state_path``).
    state : dict
        The parsed ``.json`` state: ``position`` (the fields of :class:`Position`), the metrics' running
        means, the callbacks' states, the run's metadata, and the ``.keras`` file's size and SHA-256.
    """

    path: str
    state: dict

    @property
    def position(self) -> Position:
        return Position(**self.state["position"])

    @property
    def state_path(self) -> str:
        return state_path(self.path)

    def describe(self) -> str:
        """``path (epoch E, step S of it; global step G)`` for messages."""
        p = self.position
        where = f"end of epoch {p.epoch}" if p.step == 0 else f"epoch {p.epoch + 1}, step {p.step}"
        return f"{self.path} ({where}; global step {p.global_step})"


def state_path(keras_path: str) -> str:
    """The ``.json`` state file that goes with a checkpoint's ``.keras`` file."""
    return os.path.splitext(keras_path)[0] + ".json"


def checkpoint_name(position: Position) -> str:
    """``epoch_NNNN`` at an epoch's end, else ``step_NNNNNNNN`` (the global step)."""
    return f"epoch_{position.epoch:04d}" if position.step == 0 else f"step_{position.global_step:08d}"


def new_run_id() -> str:
    """An identifier for a fresh run; resumed runs keep their checkpoint's."""
    return uuid.uuid4().hex[:12]


def write(folder: str, position: Position, save: Callable[[str], None], state: dict) -> Checkpoint:
    """Write a checkpoint: ``save(tmp_path)`` writes the ``.keras`` file, then the state, then ``latest.txt``.

    Every file goes through a temporary name and a rename, so a crash at any point
    leaves the previous checkpoints intact and the new one either complete or absent.
    """
    name = checkpoint_name(position)
    path = os.path.join(folder, name + ".keras")
    with atomic_path(path, suffix=".keras") as tmp:
        save(tmp)
        size, digest = os.path.getsize(tmp), file_digest(tmp)
    full = {"format": FORMAT, "file": os.path.basename(path), "size": size, "sha256": digest,
            "position": dataclasses.asdict(position), **state}
    write_text(state_path(path), json.dumps(full, separators=(",", ":")) + "\n")
    write_text(os.path.join(folder, LATEST), os.path.basename(path) + "\n")
    return Checkpoint(path, full)


def read_arrays(path: str) -> dict:
    """Every array stored in a ``.keras`` file, by its path in the file: weights, batch-norm statistics, the EMA
    generator, both optimizers' states and step counters, the noise seed state. Reads the weights only (no
    configuration is deserialised, so no code can run); for comparing runs and checkpoints bit for bit."""
    import io

    import h5py

    out = {}
    with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


def problem(ckpt: Checkpoint) -> str | None:
    """What is wrong with a checkpoint's ``.keras`` file (None when it matches its recorded size and checksum)."""
    try:
        size = os.path.getsize(ckpt.path)
    except OSError:
        return "its .keras file is missing"
    want = ckpt.state["size"]
    if size != want:
        return f"truncated: {size} of {want} bytes" if size < want else f"{size} bytes instead of {want}"
    if file_digest(ckpt.path) != ckpt.state["sha256"]:
        return "corrupt: its SHA-256 does not match the one recorded when it was written"
    return None


def _read_state(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        state = json.load(f)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"not a format-{FORMAT} checkpoint state")
    Position(**state["position"])  # raises on a malformed position
    return state


def scan(folder: str) -> tuple[list[Checkpoint], list[tuple[str, str]]]:
    """The checkpoints of ``folder`` newest first, and ``(path, problem)`` for state files that cannot be read."""
    found, unreadable = [], []
    for sp in glob.glob(os.path.join(glob.escape(folder), "*.json")):
        stem = os.path.splitext(os.path.basename(sp))[0]
        if not _NAME.match(stem):
            continue
        try:
            found.append(Checkpoint(os.path.join(folder, stem + ".keras"), _read_state(sp)))
        except (OSError, ValueError, KeyError, TypeError) as e:
            unreadable.append((sp, f"its state file is unreadable ({e})"))
    found.sort(key=lambda c: c.position.global_step, reverse=True)
    return found, unreadable


def latest_good(folder: str) -> Checkpoint | None:
    """The newest checkpoint of ``folder`` whose ``.keras`` file matches its size and checksum.

    Newer checkpoints that fail the check are skipped with a
    :class:`CorruptCheckpointWarning` naming them and the one used. Returns None when
    ``folder`` holds no checkpoint at all.

    Raises
    ------
    CorruptCheckpointError
        If there are checkpoints but none is usable.
    """
    found, bad = scan(folder)
    for ckpt in found:
        issue = problem(ckpt)
        if issue is None:
            if bad:
                warnings.warn(f"Skipping {_list(bad)}; resuming from the previous good checkpoint, "
                              f"{ckpt.describe()}.", CorruptCheckpointWarning, stacklevel=2)
            return ckpt
        bad.append((ckpt.path, issue))
    if bad:
        raise CorruptCheckpointError(
            f"No usable checkpoint in {folder}: {_list(bad)}. Restore the files from a backup, or start the run "
            "afresh (without --resume).")
    return None


def _list(bad: Iterable[tuple[str, str]]) -> str:
    return "; ".join(f"{path} ({issue})" for path, issue in bad)


def prune(folder: str, keep: int, current: Checkpoint) -> list[str]:
    """After writing ``current``: delete all but the newest ``keep`` checkpoints of its run.

    Also deleted: checkpoints of other runs or past ``current`` (left by an earlier
    life of the run, e.g. the unusable one a resume skipped), unreadable state files,
    ``.keras`` files whose state was never written and temporary files of
    interrupted writes. Returns the deleted paths.
    """
    found, unreadable = scan(folder)
    run_id, step = current.state.get("run_id"), current.position.global_step
    ours = [c for c in found if c.state.get("run_id") == run_id and c.position.global_step <= step]
    kept = {c.path for c in ours[:keep]} | {current.path}
    doomed = [p for c in found if c.path not in kept for p in (c.path, c.state_path)]
    doomed += [p for sp, _ in unreadable for p in (sp, os.path.splitext(sp)[0] + ".keras")]
    committed = {c.path for c in found}
    doomed += [p for p in glob.glob(os.path.join(glob.escape(folder), "*.keras"))
               if p not in committed and _NAME.match(os.path.splitext(os.path.basename(p))[0])]
    doomed += unfinished(folder)
    removed = []
    for p in doomed:
        if os.path.isdir(p):
            shutil.rmtree(p, ignore_errors=True)
        elif os.path.exists(p):
            os.remove(p)
        else:
            continue
        removed.append(p)
    return removed


def unfinished(folder: str) -> list[str]:
    """Temporary files of checkpoint writes that never finished (the process was killed)."""
    return glob.glob(os.path.join(glob.escape(folder), ".*.tmp*"))


# --------------------------------------------------------------------- resume checks
def _flag(key: str) -> str:
    return "--" + key.replace("_", "-")


def _shape(shape) -> str:
    return "x".join(str(int(s)) for s in shape)


def check_resumable(ckpt: Checkpoint, config: dict[str, Any], image_shape: tuple[int, int, int],
                    steps_per_epoch: int) -> None:
    """Refuse to resume ``ckpt`` with a configuration that does not continue its run.

    ``config`` is the requested :class:`~tfgan_zoo.config.TrainConfig` as a dict,
    ``image_shape`` the shape of the requested data and ``steps_per_epoch`` its
    epoch length. The latent size and image shape are compared with the saved model;
    every other setting but those in :data:`RESUMABLE_CHANGES` with the saved run's.

    Raises
    ------
    CheckpointMismatchError
        Naming the saved and the requested value and the fix.
    """
    model = ckpt.state.get("model", {})
    saved_latent, saved_shape = model.get("latent_dim"), model.get("image_shape")
    if saved_latent is not None and "latent_dim" in config and int(config["latent_dim"]) != int(saved_latent):
        raise CheckpointMismatchError(
            f"{ckpt.path} holds a GAN with latent size {saved_latent}, but latent size {config['latent_dim']} was "
            f"asked (--latent-dim {config['latent_dim']}). --resume reads the run's config.json: drop "
            "--latent-dim, or start a new run in another --out.")
    if saved_shape is not None and tuple(image_shape) != tuple(saved_shape):
        raise CheckpointMismatchError(
            f"{ckpt.path} holds a GAN for {_shape(saved_shape)} images, but the requested data "
            f"(--dataset {config['dataset']}, --image-size {config.get('image_size')}, --channels "
            f"{config.get('channels')}) gives {_shape(image_shape)} images. Resume with the run's own data "
            "settings, or start a new run in another --out.")
    # a run's checkpoints record its config since the first release; translation checkpoints before the common
    # lifecycle recorded none, so there is nothing to compare them with
    saved = {**{k: v for k, v in ADDED_LATER.items() if k in config}, **ckpt.state["config"]} \
        if "config" in ckpt.state else {}
    changed = [k for k in saved if k in config and k not in RESUMABLE_CHANGES and saved[k] != config[k]]
    if changed:
        diffs = ", ".join(f"{_flag(k)} {saved[k]!r} -> {config[k]!r}" for k in changed)
        raise CheckpointMismatchError(
            f"{ckpt.path} belongs to a run with other settings ({diffs}); a resumed run keeps the settings that "
            "shape its model and its data order (it may change --epochs, the learning rates, checkpointing and "
            "evaluation). --resume reads the run's config.json: drop those flags, or start a new run in another "
            "--out.")
    saved_steps = ckpt.state.get("steps_per_epoch")
    if saved_steps is not None and int(saved_steps) != int(steps_per_epoch):
        raise CheckpointMismatchError(
            f"{ckpt.path} was written with {saved_steps} steps per epoch, but the requested data gives "
            f"{steps_per_epoch}; resume with the same data and --steps-per-epoch.")
    p = ckpt.position
    if p.epoch > int(config["epochs"]) or (p.epoch == int(config["epochs"]) and p.step > 0):
        raise CheckpointMismatchError(
            f"{ckpt.describe()} is already past --epochs {config['epochs']}; ask for more epochs to train on.")


# ------------------------------------------------------------------ loading (Keras)
def _unsafe(e: Exception) -> bool:
    return "safe_mode" in str(e)


def _refuse_unsafe(path: str) -> CheckpointError:
    return CheckpointError(
        f"{path} contains Python code (a Lambda layer or a function), which tfgan_zoo never loads: it loads "
        "with safe_mode=True, because loading would run that code. Rebuild the model without Lambda layers; "
        "if you wrote the file yourself and trust it, load it with keras.models.load_model(path, safe_mode=False).")


def verify_file(path: str) -> None:
    """Check a ``.keras`` file before loading it: against its ``.json`` state when there is one, else its zip CRCs.

    Raises
    ------
    CorruptCheckpointError
        If it is missing, truncated or corrupt.
    """
    sp = state_path(path)
    if os.path.isfile(sp):
        try:
            issue = problem(Checkpoint(path, _read_state(sp)))
        except (OSError, ValueError, KeyError, TypeError) as e:
            issue = f"its state file {sp} is unreadable ({e})"
    elif not os.path.isfile(path):
        issue = "no such file"
    else:
        try:
            with zipfile.ZipFile(path) as z:
                broken = z.testzip()
            issue = None if broken is None else f"corrupt: entry {broken} fails its CRC check"
        except (zipfile.BadZipFile, OSError) as e:
            issue = f"not a readable .keras archive, truncated or corrupt ({e})"
    if issue:
        raise CorruptCheckpointError(f"{path}: {issue}. Use an earlier checkpoint (see latest.txt and the other "
                                     "files next to it).")


def load_model(path: str, what: str = "a model", verify: bool = True, compile: bool = True):
    """Load a tfgan_zoo ``.keras`` file with ``safe_mode=True``: verified first unless ``verify=False`` (for a
    checkpoint :func:`latest_good` has just checked), and any failure turned into a one-line error.

    Raises
    ------
    CorruptCheckpointError
        A missing, truncated or corrupt file, or one Keras cannot load as ``what``.
    CheckpointError
        A file with Python code (Lambda layers), which ``safe_mode`` refuses.
    """
    import importlib

    import keras

    importlib.import_module(".models", __package__)  # registers the tfgan_zoo classes a saved model names
    if verify:
        verify_file(path)
    try:
        return keras.models.load_model(path, safe_mode=True, compile=compile)
    except Exception as e:  # noqa: BLE001 - Keras raises many types; the message names the file and the cause
        if _unsafe(e):
            raise _refuse_unsafe(path) from None
        raise CorruptCheckpointError(f"{path} could not be loaded as {what} ({type(e).__name__}: "
                                     f"{str(e).splitlines()[0] if str(e) else ''}). Use an earlier checkpoint.") from e


def load_gan(path: str, latent_dim: int | None = None, image_shape: tuple[int, int, int] | None = None,
             compile: bool = True) -> GAN:
    """Load a saved GAN (``.keras``) for sampling or further training, checked against what you expect.

    The file is verified first (:func:`verify_file`) and always loaded with
    ``safe_mode=True``.

    Parameters
    ----------
    path : str
        A ``.keras`` file written by ``gan.save`` or a run's ``checkpoints/``.
    latent_dim : int, optional
        The latent size you will feed it; refused if the GAN's differs.
    image_shape : tuple of int, optional
        ``(h, w, c)`` of the images you will train it on; refused if the GAN's differ.
    compile : bool
        Restore the optimizers (their states come with the weights).

    Raises
    ------
    CorruptCheckpointError
        A missing, truncated or corrupt file.
    CheckpointMismatchError
        Not a tfgan_zoo GAN, or another latent size or image shape.
    CheckpointError
        A file with Python code (Lambda layers), which ``safe_mode`` refuses.
    """
    from .models import GAN

    gan = load_model(path, "a GAN", compile=compile)
    if not isinstance(gan, GAN):
        raise CheckpointMismatchError(f"{path} holds a {type(gan).__name__}, not a tfgan_zoo GAN.")
    if latent_dim is not None and int(latent_dim) != gan.latent_dim:
        raise CheckpointMismatchError(f"{path} holds a GAN with latent size {gan.latent_dim}, but latent size "
                                      f"{latent_dim} was asked; feed it {gan.latent_dim}-d noise or train a new GAN.")
    if image_shape is not None and tuple(int(s) for s in image_shape) != tuple(gan.image_shape):
        raise CheckpointMismatchError(f"{path} holds a GAN for {_shape(gan.image_shape)} images, but "
                                      f"{_shape(image_shape)} images were asked; resize the data to "
                                      f"{_shape(gan.image_shape)} (--image-size, --channels) or train a new GAN.")
    return gan


def restore_weights(gan: GAN, ckpt: Checkpoint) -> None:
    """Load a verified checkpoint's weights, optimizer states and seed state into an identically built GAN.

    Only weights are read (no configuration is deserialised, so no code can run).
    """
    import warnings

    try:
        with warnings.catch_warnings():  # Keras only warns when a layer's or optimizer's variables do not match
            warnings.filterwarnings("error", message=".*[Ss]kipping variable loading.*")
            gan.load_weights(ckpt.path)
    except Exception as e:  # noqa: BLE001 - Keras raises many types; the message names the file and the cause
        raise CheckpointMismatchError(
            f"{ckpt.path} passed its checksum but does not fit the model built for this run "
            f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}). Resume with the run's own "
            "settings (--resume reads its config.json), or start a new run in another --out.") from e
