#!/usr/bin/env python3
"""Time to get back to training: ``train.py --resume`` vs a fresh start, from process start to the first step.

Protocol: ``scripts/train.py`` with the default DCGAN on MNIST (batch 32, latent 100,
one pass = 1,875 steps per epoch). Each measured process is launched from here; the
clock starts just before launch (so Python start-up and the TensorFlow import count)
and stops when the first training step has ended (``on_train_batch_end`` of that
process's first step, after the step function is traced and run). The process then
exits without finishing its run.

* ``fresh``: a new run (``--checkpoint-every 2``); it is let run to step 2 once, to
  leave the checkpoint the resumes start from.
* ``resume``: ``--resume`` from that checkpoint (global step 2): find and verify it
  (size + SHA-256), load MNIST, build the model, load the weights and optimizer states,
  restore the callbacks, position the data stream, first step.
* ``resume_end_of_pass``: the same checkpoint with its recorded position moved to step
  1,874 (the last batch of a pass), the worst case of positioning the data stream
  (1,874 x 32 examples dropped before batching). Only the position is changed.

Each case is run ``--rounds`` times; medians are reported. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from machine import cpu_description  # noqa: E402
from tfgan_zoo.choices import TRANSPOSE_IMPLS  # noqa: E402 (no TensorFlow import)
# train.py, plus: after the first step of this process, write the time and exit at once.
HOOKED = """
import os, sys, time
from tfgan_zoo import callbacks
stop_after = int(os.environ["STOP_AFTER_STEPS"])
original = callbacks.GANCheckpoint.on_train_batch_end
def timed(self, batch, logs=None):
    original(self, batch, logs)
    self._done_here = getattr(self, "_done_here", 0) + 1
    if self._done_here == 1:
        with open(os.environ["FIRST_STEP_FILE"], "w") as f:
            f.write(repr(time.time()))
    if self._done_here >= stop_after:
        os._exit(0)
callbacks.GANCheckpoint.on_train_batch_end = timed
from tfgan_zoo.cli import main
sys.exit(main(sys.argv[1:]))
"""


def first_step_seconds(args: list[str], stop_after: int, tmp: str) -> float:
    stamp = os.path.join(tmp, "first_step")
    if os.path.exists(stamp):
        os.remove(stamp)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT, STOP_AFTER_STEPS=str(stop_after),
               FIRST_STEP_FILE=stamp)
    t0 = time.time()
    r = subprocess.run([sys.executable, "-c", HOOKED, *args], env=env, capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(stamp):
        raise RuntimeError(f"train.py failed ({r.returncode}):\n{r.stderr[-3000:]}")
    with open(stamp) as f:
        return float(f.read()) - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--transpose-impl", default="auto", choices=TRANSPOSE_IMPLS,
                   help="the run's --transpose-impl (its resumes keep it)")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "run")
        run = ["--loss", "nsgan", "--arch", "dcgan", "--batch-size", "32", "--epochs", "1", "--checkpoint-every",
               "2", "--transpose-impl", a.transpose_impl, "--out", out]
        times: dict[str, list[float]] = {"fresh": [], "resume": [], "resume_end_of_pass": []}
        first_step_seconds(run, 2, tmp)  # warm the file cache; leaves the step-2 checkpoint
        with open(os.path.join(out, "config.json")) as f:
            resolved_impl = json.load(f)["transpose_impl"]  # what "auto" became on this machine
        state_file = os.path.join(out, "checkpoints", "step_00000002.json")
        with open(state_file) as f:
            state = json.load(f)
        for _ in range(a.rounds):
            fresh = os.path.join(tmp, "fresh")
            times["fresh"].append(first_step_seconds([*run[:-1], fresh], 1, tmp))
            for case, step in (("resume", 2), ("resume_end_of_pass", 1874)):
                state["position"] = {"epoch": 0, "step": step, "global_step": step}
                with open(state_file, "w") as f:
                    json.dump(state, f)
                for later in os.listdir(os.path.join(out, "checkpoints")):  # written by the previous resume
                    if later.startswith("step_") and not later.startswith("step_00000002."):
                        os.remove(os.path.join(out, "checkpoints", later))
                times[case].append(first_step_seconds(["--resume", "--out", out], 1, tmp))
    med = {k: round(statistics.median(v), 2) for k, v in times.items()}
    print(json.dumps({
        "protocol": "seconds from launching scripts/train.py to the end of its first training step; DCGAN, MNIST, "
                    "batch 32; median of rounds",
        "rounds": a.rounds,
        "seconds": med,
        "all": {k: [round(x, 2) for x in v] for k, v in times.items()},
        "resume_over_fresh": round(med["resume"] / med["fresh"], 2),
        "transpose_impl": {"asked": a.transpose_impl, "built": resolved_impl},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "cpu": cpu_description(),
                    "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None},
    }, indent=2))


if __name__ == "__main__":
    main()
