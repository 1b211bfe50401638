"""The start of every run: its configuration validated once and its folder locked once (no TensorFlow import, so
the command line refuses a bad setting or a busy folder at once).

:func:`claim` is the one place both happen. :func:`tfgan_zoo.training.run` claims the folder itself when it is
given a bare configuration, and trusts a :class:`Claim` it is handed (the command line claims first, to answer
before TensorFlow loads), so neither the validation nor the lock is done twice.
"""

from __future__ import annotations

import sys

from . import runlock
from .config import RunConfig, writes_run_folder


class Claim:
    """A validated configuration and, for the process that writes the run folder, the lock on it.

    Attributes
    ----------
    cfg : RunConfig
        The configuration, validated.
    lock : tfgan_zoo.runlock.RunLock or None
        The held lock (None for a worker that writes no run folder, see
        :func:`tfgan_zoo.config.writes_run_folder`).
    """

    def __init__(self, cfg: RunConfig, lock: runlock.RunLock | None) -> None:
        self.cfg, self.lock = cfg, lock

    def release(self) -> None:
        """Free the folder (idempotent)."""
        if self.lock is not None:
            self.lock.release()

    def __enter__(self) -> "Claim":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def claim(cfg: RunConfig, prog: str = "") -> Claim:
    """Validate ``cfg`` and lock ``cfg.out`` (creating it) for this process.

    A stale lock of a killed run is taken over with a note on stderr naming its holder (``prog`` prefixes it).

    Raises
    ------
    ValueError
        An invalid setting (the message names it and the valid values).
    tfgan_zoo.runlock.RunFolderInUseError
        Another live process holds the folder.
    OSError
        The folder cannot be created.
    """
    cfg.validate()
    lock = runlock.acquire(cfg.out) if writes_run_folder(cfg) else None
    if lock is not None and lock.previous:
        print(f"{prog + ': ' if prog else ''}note: {cfg.out} was locked by {runlock.describe(lock.previous)}, which "
              "is no longer running (killed?); taking the folder over.", file=sys.stderr)
    return Claim(cfg, lock)
