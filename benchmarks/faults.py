#!/usr/bin/env python3
"""Fault figures: each fault against a short training run; did it recover, refuse cleanly, or lose data?

Protocol. ``train.py`` (through :mod:`tfgan_zoo.testing`, whose ``FAULT_*`` hooks place a fault
at a known step) on two tiny runs, each through the one run lifecycle (:mod:`tfgan_zoo.lifecycle`): a GAN (MLP,
72 random 8x8 grey images: 9 batches of 8 per pass, so passes and epochs do not line up; latent 8) and a pix2pix
run (U-Net and PatchGAN of width 4 with dropout, a folder of 24 random 16x16 grey pairs: 3 batches of 8 per
pass); both 2 epochs x 10 steps, a checkpoint every 3 steps (keep 3), ``--deterministic``. The *reference* is
the same run uninterrupted. The pix2pix trials are named ``pix2pix:FAULT``; the image-folder trials are the GAN's
only (pairs are decoded into memory once). A trial:

* ``sigkill``: SIGKILL at a random time between the end of the first step and the end of the
  last (uniform over the time the reference took for steps 2..20 with their checkpoints, grids
  and curves, so kills also land inside checkpoint writes), then ``--resume``.
* ``sigterm``: SIGTERM during a random step (1..19); expected exit status 143 with a
  checkpoint at that step; then ``--resume``. One trial gets a second SIGTERM while that
  checkpoint is being written.
* ``truncated_checkpoint`` / ``bitflipped_checkpoint``: a run SIGKILLed at step 14 (newest
  checkpoint: step 12) whose newest ``.keras`` file is cut at a random length / has one random
  byte flipped; ``--resume`` must skip it with a warning and use the previous one.
* ``full_disk``: the run's folder on a tmpfs of 2.7 times the reference's checkpoint, in whole MiB (28 MiB
  for the GAN's 10.75 MB: two checkpoints fit, the third does not; pix2pix's 0.5 MB checkpoints get 2 MiB, which
  its samples and event files fill later in the run; where no tmpfs can be mounted, the hook fails the write of
  step 9 with ENOSPC); expected exit status 4 naming the newest intact checkpoint; the folder is then moved to
  a disk with room and resumed.
* ``second_writer``: while the run is paused after step 4, a second run into the same folder; expected exit
  status 2 naming the folder's holder, and the first run unaffected.
* ``corrupt_image_streamed``: the data as a folder of 72 PNGs, decoded anew each epoch (as a
  folder over the in-memory budget is); one file is overwritten with garbage after step 5;
  expected exit status 2 naming the file and the last good checkpoint; the file is restored and
  the run resumed. ``corrupt_image_in_memory``: the same with the default in-memory folder,
  decoded once at the start; expected: the run is unaffected.
* ``nan_weight``: NaN written into a discriminator weight after a random step; expected exit
  status 3 naming the last good checkpoint (which must be finite); then ``--resume``.

Outcomes: ``recovered`` = the run, resumed where needed, ended with weights, EMA, optimizer
states, seed state and ``history.csv`` bitwise equal to its reference (after the expected clean
error, where there is one); ``lost`` = a checkpoint that had been completely written became
unusable, a resume failed, or the result differs. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

from machine import facts as machine_facts  # noqa: E402
from tfgan_zoo import checkpointing  # noqa: E402

COMMON = ["--batch-size", "8", "--seed", "1", "--epochs", "2", "--steps-per-epoch", "10", "--checkpoint-every", "3",
          "--deterministic"]
RUN = ["--arch", "mlp", "--latent-dim", "8", "--n-samples", "4", *COMMON]
PIX2PIX = ["--model", "pix2pix", "--width", "4", *COMMON]
STEPS = 20
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=ROOT)


def launch(args: list[str], faults: dict | None = None, stdout=subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tfgan_zoo.testing", *args], env=dict(ENV, **(faults or {})),
                            stdout=stdout, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, timeout: float = 600) -> tuple[int, str]:
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err


def last_line(err: str) -> str:
    lines = err.strip().splitlines()
    return lines[-1] if lines else ""


def wait_for(path: str, proc: subprocess.Popen, timeout: float = 300) -> None:
    end = time.time() + timeout
    while not os.path.exists(path):
        if proc.poll() is not None or time.time() > end:
            raise RuntimeError(f"the run ended before {path} appeared: {finish(proc)[1][-2000:]}")
        time.sleep(0.01)


def arrays(run: str) -> dict[str, np.ndarray]:
    return checkpointing.read_arrays(os.path.join(run, "checkpoints", "epoch_0002.keras"))


def equal_to(run: str, reference: str) -> bool:
    try:
        a, b = arrays(run), arrays(reference)
        with open(os.path.join(run, "history.csv")) as f, open(os.path.join(reference, "history.csv")) as g:
            same_history = f.read() == g.read()
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return same_history and a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def corrupt_committed(run: str, exclude: str = "") -> list[str]:
    """Checkpoints whose state file is written (so they count as complete) that fail their size + SHA-256 check
    (``exclude``: one damaged on purpose)."""
    found, unreadable = checkpointing.scan(os.path.join(run, "checkpoints"))
    return [c.path for c in found if checkpointing.problem(c) and not c.path.endswith(exclude or "\0")] + \
        [p for p, _ in unreadable]


def resume(run: str) -> tuple[int, str]:
    return finish(launch(["--resume", "--out", run]))


class Tally:
    def __init__(self) -> None:
        self.results: dict[str, dict] = {}

    def add(self, fault: str, outcome: str, **detail) -> None:
        r = self.results.setdefault(fault, {"trials": 0, "recovered": 0, "clean_error_then_recovered": 0,
                                            "unaffected": 0, "lost": 0, "details": []})
        r["trials"] += 1
        r[outcome] += 1
        r["details"].append({"outcome": outcome, **detail})
        print(f"{fault}: {outcome} {detail}", file=sys.stderr, flush=True)


def mount_tmpfs(path: str, size: str) -> bool:
    if sys.platform != "linux" or os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                          capture_output=True).returncode == 0


def reference(base: list[str], out: str, step_file: str) -> float:
    """Run ``base`` uninterrupted into ``out``; the seconds between the end of its first and its last step."""
    r = launch([*base, "--out", out], {"FAULT_STEP_FILE": step_file})
    t_first = t_last = None
    while r.poll() is None:  # the times at which the reference finished its first and its last step
        try:
            with open(step_file) as f:
                step = int(f.read().strip() or 0)
        except (OSError, ValueError):
            step = 0
        if step >= 1 and t_first is None:
            t_first = time.time()
        if step >= STEPS and t_last is None:
            t_last = time.time()
        time.sleep(0.002)
    code, err = finish(r)
    assert code == 0, f"reference run failed: {err[-2000:]}"
    return t_last - t_first  # steps 2..20 with their checkpoints, sample grids and curves


def lifecycle_trials(kind: str, base: list[str], work: str, rng: random.Random, a, tally: Tally) -> dict:
    """Every fault of the run lifecycle against the run ``base`` (module docstring); returns the reference's
    facts. Trials are named ``FAULT`` for the GAN and ``KIND:FAULT`` otherwise."""
    name = (lambda fault: fault) if kind == "gan" else (lambda fault: f"{kind}:{fault}")

    def run_dir(label: str) -> str:
        return os.path.join(work, f"{kind}_{label}")

    ref = run_dir("reference")
    train_time = reference(base, ref, run_dir("reference.step"))
    ckpt_bytes = os.path.getsize(os.path.join(ref, "checkpoints", "epoch_0002.keras"))

    # SIGKILL at random times
    for i in range(a.kills):
        out, sf = run_dir(f"kill{i}"), run_dir(f"kill{i}.step")
        proc = launch([*base, "--out", out], {"FAULT_STEP_FILE": sf})
        wait_for(sf, proc)
        delay = rng.uniform(0, train_time)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        with open(sf) as f:
            at = int(f.read().strip() or 0)
        mid_write = bool(checkpointing.unfinished(os.path.join(out, "checkpoints")))
        bad = corrupt_committed(out)
        code, err = resume(out)
        ok = code == 0 and not bad and equal_to(out, ref)
        tally.add(name("sigkill"), "recovered" if ok else "lost", killed_after_s=round(delay, 3), last_step_seen=at,
                  killed_during_checkpoint_write=mid_write, corrupt_checkpoints=bad, resume_status=code)

    # SIGTERM at random steps (the last one with a second SIGTERM while its checkpoint is written)
    for i in range(a.terms):
        out, marker = run_dir(f"term{i}"), run_dir(f"term{i}.paused")
        step = rng.choice([s for s in range(1, STEPS) if s != 10])  # 10: the end of epoch 1, stops after it
        faults = {"FAULT_PAUSE_AT_STEP": str(step), "FAULT_PAUSE_MARKER": marker}
        if i == a.terms - 1:
            faults["FAULT_SIGTERM_DURING_SAVE_AT_STEP"] = str(step)
        proc = launch([*base, "--out", out], faults)
        wait_for(marker, proc)
        proc.send_signal(signal.SIGTERM)
        code, err = finish(proc)
        ckpt = f"step_{step:08d}.keras"
        clean = code == 143 and f"Stopped by SIGTERM after step {step}; checkpoint: " in last_line(err) and \
            checkpointing.latest_good(os.path.join(out, "checkpoints")).path.endswith(ckpt)
        rcode, _ = resume(out)
        ok = clean and rcode == 0 and equal_to(out, ref)
        tally.add(name("sigterm"), "clean_error_then_recovered" if ok else "lost", step=step, exit_status=code,
                  second_signal_during_save="FAULT_SIGTERM_DURING_SAVE_AT_STEP" in faults, message=last_line(err))

    # damaged newest checkpoint: from one run killed at step 14 (newest checkpoint: step 12)
    killed = run_dir("killed14")
    marker = run_dir("killed14.paused")
    proc = launch([*base, "--out", killed], {"FAULT_PAUSE_AT_STEP": "14", "FAULT_PAUSE_MARKER": marker})
    wait_for(marker, proc)
    proc.kill()
    proc.wait()
    newest = os.path.join("checkpoints", "step_00000012.keras")
    for damage in ("truncated_checkpoint", "bitflipped_checkpoint"):
        for i in range(a.damaged):
            out = run_dir(f"{damage}{i}")
            shutil.copytree(killed, out)
            path = os.path.join(out, newest)
            size = os.path.getsize(path)
            where = rng.randrange(0, size)
            if damage.startswith("truncated"):
                os.truncate(path, where)
            else:
                with open(path, "r+b") as f:
                    f.seek(where)
                    byte = f.read(1)[0]
                    f.seek(where)
                    f.write(bytes([byte ^ (1 << rng.randrange(8))]))
            bad = corrupt_committed(out, exclude=newest)
            code, err = resume(out)
            warned = "Skipping " in err and "resuming from the previous good checkpoint" in err
            ok = code == 0 and warned and not bad and equal_to(out, ref)
            tally.add(name(damage), "clean_error_then_recovered" if ok else "lost", at_byte=where, of_bytes=size,
                      warned=warned)

    # full disk: room for two checkpoints, not three
    mnt = run_dir("small_disk")
    os.makedirs(mnt)
    mib = math.ceil(2.7 * ckpt_bytes / 2 ** 20)
    real = mount_tmpfs(mnt, f"{mib}m")
    try:
        out = os.path.join(mnt, "run")
        code, err = finish(launch([*base, "--out", out], None if real else {"FAULT_ENOSPC_AT_STEP": "9"}))
        line = last_line(err)
        found = [c.position.global_step for c in checkpointing.scan(os.path.join(out, "checkpoints"))[0]]
        bad = corrupt_committed(out)
        newest = checkpointing.latest_good(os.path.join(out, "checkpoints"))
        # the message names the newest intact checkpoint (the GAN's: step 6, its third at step 9 did not fit)
        clean = code == 4 and "The disk is full" in line and newest is not None and newest.path in line and not bad
        moved = run_dir("full_disk_moved")
        shutil.copytree(out, moved, ignore=shutil.ignore_patterns(".lock"))
    finally:
        if real:
            subprocess.run(["umount", "-l", mnt], capture_output=True)
    rcode, _ = resume(moved)
    ok = clean and rcode == 0 and equal_to(moved, ref)
    tally.add(name("full_disk"), "clean_error_then_recovered" if ok else "lost", real_tmpfs=real, tmpfs_mib=mib,
              checkpoint_bytes=ckpt_bytes, checkpoints_left=found, exit_status=code, message=line)

    # a second writer into the folder of a live run
    out, marker = run_dir("writer"), run_dir("writer.paused")
    proc = launch([*base, "--out", out], {"FAULT_PAUSE_AT_STEP": "4", "FAULT_PAUSE_MARKER": marker,
                                          "FAULT_PAUSE_SECONDS": "20"})
    wait_for(marker, proc)
    code, err = finish(launch([*base, "--out", out]))
    line = last_line(err)
    first, _ = finish(proc)
    clean = code == 2 and "is in use by" in line and "Traceback" not in err
    ok = clean and first == 0 and equal_to(out, ref)
    tally.add(name("second_writer"), "unaffected" if ok else "lost", exit_status=code, first_run_status=first,
              message=line)

    # NaN in a weight
    out = run_dir("nan_weight")
    step = rng.randrange(4, STEPS)
    code, err = finish(launch([*base, "--out", out], {"FAULT_NAN_WEIGHT_AT_STEP": str(step)}))
    line = last_line(err)
    last_good = checkpointing.latest_good(os.path.join(out, "checkpoints"))
    from tfgan_zoo.divergence import non_finite_variables

    finite = last_good is not None and not non_finite_variables(checkpointing.load_model(last_good.path))
    clean = code == 3 and "Training diverged" in line and last_good is not None and last_good.path in line
    rcode, _ = resume(out)
    ok = clean and finite and rcode == 0 and equal_to(out, ref)
    tally.add(name("nan_weight"), "clean_error_then_recovered" if ok else "lost", step=step, exit_status=code,
              message=line)
    return {"reference_training_time_s": round(train_time, 2), "checkpoint_bytes": ckpt_bytes}


def image_trials(folder: str, work: str, tally: Tally) -> None:
    """The GAN's image-folder faults: an image damaged mid-run, streamed and in memory (module docstring)."""
    ref_folder = os.path.join(work, "gan_reference_folder")
    assert finish(launch([*RUN, "--dataset", folder, "--out", ref_folder]))[0] == 0, "reference run failed"
    victim = sorted(os.path.join(folder, f) for f in os.listdir(folder))[17]
    original = open(victim, "rb").read()
    for streamed in (True, False):
        out = os.path.join(work, f"corrupt_{'streamed' if streamed else 'in_memory'}")
        faults = {"FAULT_CORRUPT_FILE": victim, "FAULT_CORRUPT_AT_STEP": "5"}
        if streamed:
            faults["FAULT_STREAM_FOLDERS"] = "1"
        code, err = finish(launch([*RUN, "--dataset", folder, "--out", out], faults))
        line = last_line(err)
        bad = corrupt_committed(out)
        with open(victim, "wb") as f:
            f.write(original)
        if streamed:
            clean = code == 2 and victim in line and "last good checkpoint" in line and "Traceback" not in err
            rcode, _ = finish(launch(["--resume", "--out", out], {"FAULT_STREAM_FOLDERS": "1"}))
            ok = clean and rcode == 0 and not bad and equal_to(out, ref_folder)
            tally.add("corrupt_image_streamed", "clean_error_then_recovered" if ok else "lost", exit_status=code,
                      message=line)
        else:
            ok = code == 0 and equal_to(out, ref_folder)
            tally.add("corrupt_image_in_memory", "unaffected" if ok else "lost", exit_status=code)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kills", type=int, default=10, help="SIGKILL trials per kind of run")
    p.add_argument("--terms", type=int, default=3, help="SIGTERM trials per kind of run")
    p.add_argument("--damaged", type=int, default=3, help="truncated and bit-flipped checkpoint trials, each, per kind")
    p.add_argument("--kinds", default="gan,pix2pix", help="the runs to put through the faults: gan, pix2pix")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    kinds = [k.strip() for k in a.kinds.split(",") if k.strip()]
    if not kinds or set(kinds) - {"gan", "pix2pix"}:
        p.error(f"--kinds takes gan and/or pix2pix, got {a.kinds!r}")
    rng = random.Random(a.seed)
    work = tempfile.mkdtemp(prefix="tfgan_zoo_faults_")
    tally = Tally()
    t_start = time.time()
    from tfgan_zoo import data

    references = {}
    if "gan" in kinds:
        images = np.random.default_rng(0).integers(0, 256, (72, 8, 8, 1), dtype=np.uint8)
        npz = os.path.join(work, "images.npz")
        np.savez(npz, x=images)
        folder = os.path.join(work, "images")
        data.write_image_folder(images, folder, fmt="png")
        references["gan"] = lifecycle_trials("gan", [*RUN, "--dataset", npz], work, rng, a, tally)
        image_trials(folder, work, tally)
    if "pix2pix" in kinds:
        pairs = np.random.default_rng(1).integers(0, 256, (2, 24, 16, 16, 1), dtype=np.uint8)
        folder = os.path.join(work, "pairs")
        for side, images in zip("AB", pairs):  # A/NNNN.png pairs with B/NNNN.png by name
            data.write_image_folder(images, os.path.join(folder, side), fmt="png")
        references["pix2pix"] = lifecycle_trials("pix2pix", [*PIX2PIX, "--pairs", folder], work, rng, a, tally)

    results = tally.results
    total = sum(r["trials"] for r in results.values())
    lost = sum(r["lost"] for r in results.values())
    print(json.dumps({
        "benchmark": "faults",
        "machine": machine_facts(),
        "protocol": __doc__.split("Protocol. ", 1)[1].split("\n\n")[0].replace("\n", " "),
        "seed": a.seed,
        "kinds": kinds,
        "references": references,
        "reference_training_time_s": references.get("gan", references[kinds[0]])["reference_training_time_s"],
        "faults": results,
        "trials": total,
        "lost": lost,
        "target": "every trial recovered or refused cleanly, zero losses",
        "target_met": lost == 0,
        "wall_time_s": round(time.time() - t_start, 1),
    }, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
