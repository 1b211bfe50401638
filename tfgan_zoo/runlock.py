"""One writer per run folder: an advisory ``fcntl.flock`` lock on ``OUT/.lock``.

Two training processes writing into the same ``--out`` would interleave checkpoints,
prune each other's files and leave a history that belongs to neither. :func:`acquire`
takes an exclusive, non-blocking lock on ``OUT/.lock`` and writes the holder's process
id, host and start time into it; a run that ends removes the file. The kernel releases a ``flock`` lock when its holder
exits for any reason (SIGKILL, out of memory, power loss of a process on another host
aside), so a lock file left behind by a killed run is not held by anyone: the next run
takes it over and says whose it was. No time-outs or pid guessing are involved.

Works on Linux and macOS (``fcntl``), also on NFS (Linux emulates ``flock`` with POSIX
locks there). Where ``fcntl`` does not exist (Windows) the lock is skipped with a warning.
No TensorFlow import: the command line refuses a held folder at once.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
import warnings

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

LOCK_FILE = ".lock"


class RunFolderInUseError(RuntimeError):
    """Another live process holds the run folder. ``holder`` is what it wrote into the lock file."""

    def __init__(self, message: str, holder: dict) -> None:
        super().__init__(message)
        self.holder = holder


class RunLock:
    """A held lock on a run folder; :meth:`release` (or process exit) frees it."""

    def __init__(self, folder: str, fd: int | None, previous: dict | None, created: bool = False) -> None:
        self.folder = folder
        self._created = created
        self.path = os.path.join(folder, LOCK_FILE)
        self._fd = fd
        #: what a dead earlier holder had written (a stale lock that was taken over), else None
        self.previous = previous

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        _HELD.pop(self.folder, None)
        try:  # remove the file while still holding it: acquire() re-checks that the file it locked is still linked
            os.unlink(self.path)
        except OSError:
            pass
        os.close(fd)  # closing the last descriptor releases the flock
        if self._created:  # a run refused before it wrote anything leaves no empty folder behind
            try:
                os.rmdir(self.folder)
            except OSError:
                pass

    def __enter__(self) -> "RunLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


_HELD: dict[str, RunLock] = {}


def _read_holder(fd: int) -> dict:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 4096).decode("utf-8", "replace").strip()
        holder = json.loads(text) if text else {}
        return holder if isinstance(holder, dict) else {}
    except (OSError, ValueError):
        return {}


def describe(holder: dict) -> str:
    """``process 1234 on host (started 2026-11-29 09:00:00)`` from a lock file's contents."""
    if not holder.get("pid"):
        return "another process"
    text = f"process {holder['pid']}"
    if holder.get("host") and holder["host"] != socket.gethostname():
        text += f" on {holder['host']}"
    if holder.get("started"):
        text += f" (started {holder['started']})"
    return text


def acquire(folder: str) -> RunLock:
    """Lock ``folder`` (created if needed) for this process; returns the held :class:`RunLock`.

    Calling it again for a folder this process already holds returns the same lock.

    Raises
    ------
    RunFolderInUseError
        A live process holds the folder; the message names its process id.
    """
    folder = os.path.realpath(folder)
    if folder in _HELD and _HELD[folder].held:
        return _HELD[folder]
    created = not os.path.isdir(folder)
    os.makedirs(folder, exist_ok=True)
    if fcntl is None:  # pragma: no cover - Windows
        warnings.warn(f"No file locking on {sys.platform}: nothing stops a second run from writing into {folder}.",
                      RuntimeWarning, stacklevel=2)
        return RunLock(folder, None, None)
    path = os.path.join(folder, LOCK_FILE)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise RunFolderInUseError(
                f"{folder} is in use by {describe(holder)}, which is training into it; two runs in one folder "
                "would overwrite each other's checkpoints. Wait for it to finish (or stop it), or pass another --out.",
                holder) from None
        except BaseException:
            os.close(fd)
            raise
        try:  # the holder we waited for may have removed the file after we opened it: lock the file that is there
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    previous = _read_holder(fd) or None  # a lock file nobody holds: its writer died
    me = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, (json.dumps(me) + "\n").encode())
    lock = RunLock(folder, fd, previous, created)
    _HELD[folder] = lock
    return lock
