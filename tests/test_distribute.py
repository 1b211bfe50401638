"""Distribution strategies (:mod:`tfgan_zoo.distribute`).

In-process unit tests, then subprocess tests (``tests/dist_helper.py``): logical CPU
devices must be configured before TensorFlow initialises and a multi-worker strategy
configures the runtime, so 2-replica runs get a fresh process each. Every subprocess
has a timeout and is killed (SIGKILL: a worker waiting for its peers ignores SIGTERM)
so that a hang fails the test instead of blocking CI.

Tolerances. A 2-replica step and a one-device step from the same variables on the same batch
differ only in the order of float32 additions: a replica sums over 8 examples and the
all-reduce adds the two partial sums, where one device sums 16 (and oneDNN may block a batch
of 8 differently). A sum of n terms in another order moves by at most about n·u of its
magnitude (u = 2^-24 = 6e-8). Within one SGD step the error passes through the discriminator
update, the generator's forward pass and the generator update, a few dozen reductions in
series: every gradient keeps a relative error below ~100 u = 6e-6, so an update lr·g
(lr = 0.01, |g| <= 10 here) moves by at most ~6e-7. TOL = 1e-5 leaves a factor 16 over that;
measured: <= 6e-8 per step (AMD EPYC without AVX-512).

That bound holds for one step, not for a trajectory: DCGANs are piecewise linear (ReLU,
LeakyReLU), and a unit whose input lies within rounding of its kink takes the other slope in
one of the runs. The 7.3e-4 that the earlier CLI tests saw on a CPU without AVX-512 was
exactly that: after step 1 the runs agreed to 6e-8; in step 2 one of the 64 channels of the
discriminator's first layer (and nothing else of the discriminator) got a different update,
because a fake image differed by rounding; the generator then followed. An ulp-level change of
one device's own arithmetic (batch-norm means as sum/n instead of reduce_mean, no second device
at all) moved the one-device run by the same 9.1e-5 at step 2. So trajectories are compared
only where the summation order is the same (2 workers vs 2 mirrored replicas, a resumed vs an
uninterrupted 2-replica run: they must agree exactly), and replicas are compared with one
device step by step from the same state (in process) or on the first step (command line).

The controls: dividing the losses by the number of replicas is what keeps the update equal;
runs that leave it out differ by 1e-2 per step (> 1,000 TOL), so these tests fail on that bug.
"""

import json
import os
import re
import socket
import subprocess
import sys
import types


import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan_zoo import checkpointing, distribute, nets
from tfgan_zoo.config import TrainConfig, check_tf_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HELPER = os.path.join(ROOT, "tests", "dist_helper.py")
TIMEOUT = 300  # seconds per subprocess; each takes 5-20 s on a quiet 2-core CPU
TOL = 1e-5


def _env(tf_config: str | None = None) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=os.pathsep.join(
        p for p in (ROOT, os.environ.get("PYTHONPATH")) if p))
    env.pop("TF_CONFIG", None)
    if tf_config is not None:
        env["TF_CONFIG"] = tf_config
    return env


def _start(args, log_path, tf_config=None) -> subprocess.Popen:
    with open(log_path, "w") as log:  # a file, not a pipe: a chatty process cannot block on it
        return subprocess.Popen([sys.executable, HELPER, *args], stdout=log, stderr=subprocess.STDOUT,
                                env=_env(tf_config))


def _finish(procs: list[subprocess.Popen], logs: list[str]) -> list[str]:
    """Wait for every process (killing all of them on a timeout); return their outputs."""
    try:
        for p in procs:
            p.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        for p in procs:
            p.kill()
            p.wait()
        pytest.fail(f"a subprocess did not finish within {TIMEOUT} s:\n" + "\n".join(_tail(f) for f in logs))
    outputs = []
    for path in logs:
        with open(path) as f:
            outputs.append(f.read())
    return outputs


def _tail(path, n=25) -> str:
    with open(path) as f:
        return f"--- {path}\n" + "".join(f.readlines()[-n:])


def helper(*args, tmp_path) -> dict:
    """Run a helper command; its RESULT line as a dict."""
    log = str(tmp_path / f"{args[0]}.log")
    p = _start(args, log)
    out = _finish([p], [log])[0]
    assert p.returncode == 0, _tail(log)
    return json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[len("RESULT "):])


# ---------------------------------------------------------------------------------------- in-process


def test_default_path_is_untouched():
    """Without a strategy the helpers return their input: the single-device step is unchanged."""
    loss = tf.constant(1.5)
    assert distribute.replica_share(loss) is loss
    calls = []
    assert distribute.replica_rows(lambda n: calls.append(n) or tf.zeros((n, 2)), 4).shape == (4, 2)
    assert calls == [4]
    logs = {"d_loss": loss}
    assert distribute.step_logs(logs) is logs
    assert distribute.num_replicas() == 1
    assert distribute.make_strategy("default") is tf.distribute.get_strategy()
    assert distribute.is_chief(distribute.make_strategy("default"))


def test_make_strategy_names():
    with pytest.raises(ValueError, match="Unknown strategy 'horovod'. Valid strategies: default, mirrored, "
                                         "multiworker"):
        distribute.make_strategy("horovod")
    mirrored = distribute.make_strategy("mirrored")  # one replica per logical CPU device here
    assert isinstance(mirrored, tf.distribute.MirroredStrategy)
    assert mirrored.num_replicas_in_sync == len(tf.config.list_logical_devices("CPU"))
    with pytest.raises(ValueError, match="devices applies to the mirrored strategy only"):
        distribute.make_strategy("multiworker", devices=["/cpu:0"])


@pytest.mark.parametrize("batch,replicas,ok", [(16, 1, True), (15, 1, True), (16, 2, True), (16, 4, True),
                                               (15, 2, False), (3, 4, False)])
def test_global_batch_must_split_evenly(batch, replicas, ok):
    strategy = types.SimpleNamespace(num_replicas_in_sync=replicas)
    if ok:
        assert distribute.check_global_batch(batch, strategy) == batch // replicas
        return
    with pytest.raises(ValueError) as e:
        distribute.check_global_batch(batch, strategy)
    assert f"global batch size {batch} (--batch-size) must be divisible by the {replicas} replicas" in str(e.value)
    assert ("use 14 or 16" if batch == 15 else "use 4.") in str(e.value)


def _cluster_strategy(cluster: dict, task_type: str, task_id: int):
    resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
        tf.train.ClusterSpec(cluster), task_type=task_type, task_id=task_id)
    return types.SimpleNamespace(cluster_resolver=resolver, num_replicas_in_sync=2)


def test_only_the_chief_writes_into_the_run_folder(tmp_path):
    workers = {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}
    out = str(tmp_path / "run")
    assert distribute.is_chief(_cluster_strategy(workers, "worker", 0))  # no "chief" task: worker 0 is chief
    assert distribute.worker_output_dir(out, _cluster_strategy(workers, "worker", 0)) == out
    other = _cluster_strategy(workers, "worker", 1)
    assert not distribute.is_chief(other)
    dirs = [distribute.worker_output_dir(out, other) for _ in range(2)]
    assert len(set(dirs)) == 2 and all(os.path.isdir(d) and "tfgan_zoo_worker1_" in d for d in dirs)
    assert not any(os.path.commonpath([d, out]) == out for d in dirs)
    for d in dirs:
        distribute.remove_worker_output_dir(d, out)
        assert not os.path.exists(d)
    os.makedirs(out)
    distribute.remove_worker_output_dir(out, out)  # the run's own folder is never removed
    assert os.path.isdir(out)
    with_chief = {"chief": ["127.0.0.1:3"], **workers}
    assert distribute.is_chief(_cluster_strategy(with_chief, "chief", 0))
    assert not distribute.is_chief(_cluster_strategy(with_chief, "worker", 0))


def test_synchronize_batch_norm_switches_every_bn_layer():
    keras.utils.set_random_seed(0)
    g, d = nets.build("dcgan", (16, 16, 1), 4, width=4, norm="batch")
    bn = [layer for m in (g, d) for layer in m.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(bn) >= 3 and not any(layer.synchronized for layer in bn)
    z = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    before = g(z, training=True).numpy()
    assert distribute.synchronize_batch_norm(g, d) == len(bn)
    assert all(layer.synchronized for layer in bn)
    assert distribute.synchronize_batch_norm(g, d) == 0
    # with one replica a synchronized layer computes the same statistics
    np.testing.assert_allclose(g(z, training=True).numpy(), before, atol=TOL)


def test_strategy_is_validated_without_tensorflow(monkeypatch):
    with pytest.raises(ValueError, match="Unknown strategy 'tpu'. Valid strategies: default, mirrored, multiworker"):
        TrainConfig(strategy="tpu").validate()
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="reads the cluster from the TF_CONFIG environment variable, which is not "
                                         "set; set it on every worker"):
        TrainConfig(strategy="multiworker").validate()
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["a:1", "b:1"]},
                                                "task": {"type": "worker", "index": 1}}))
    TrainConfig(strategy="multiworker").validate()


@pytest.mark.parametrize("text,needle", [
    ("{cluster", "TF_CONFIG is not valid JSON"),
    ("[]", "TF_CONFIG has no cluster with a list of workers"),
    ('{"cluster": {"worker": "a:1"}, "task": {"type": "worker", "index": 0}}', "no cluster with a list of workers"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 1}}',
     "task {'type': 'worker', 'index': 1} is not one of its cluster's tasks (worker 0..0)"),
    ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "ps", "index": 0}}', "is not one of its cluster's tasks"),
    ('{"cluster": {"worker": ["a:1"]}}', "task None is not one of its cluster's tasks"),
])
def test_malformed_tf_config_is_refused(text, needle):
    with pytest.raises(ValueError) as e:
        check_tf_config(text)
    assert needle in str(e.value)


def test_cli_refuses_multiworker_without_tf_config(tmp_path):
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "train.py"), "--strategy", "multiworker",
                        "--out", str(tmp_path / "run")], capture_output=True, text=True, timeout=TIMEOUT, env=_env())
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "train.py: error: --strategy multiworker reads the cluster from the TF_CONFIG" in r.stderr
    assert not (tmp_path / "run").exists()


# --------------------------------------------------------------------- 2 logical CPU devices (subprocess)


@pytest.fixture(scope="module")
def in_process(tmp_path_factory) -> dict:
    """Every in-process 2-replica check of ``dist_helper`` in one subprocess (TensorFlow starts once)."""
    return helper("all", tmp_path=tmp_path_factory.mktemp("dist_helper"))


@pytest.mark.slow
@pytest.mark.parametrize("case", ["dcgan-nsgan", "mlp-wgangp-infogan"])
def test_mirrored_training_matches_one_device(case, in_process):
    """4 SGD steps on 2 replicas, each from the one-device model's variables, equal the one-device steps on
    the same global batches: every reported metric and every weight (incl. batch-norm statistics and the
    EMA generator) after every step. Cases: see ``dist_helper.CASES``; tolerance: the module docstring."""
    r = in_process[f"equivalence {case}"]
    assert r["replicas"] == 2
    assert set(r["mirrored"]) == set(r["single"])
    for name, values in r["single"].items():
        assert len(values) == 4
        np.testing.assert_allclose(r["mirrored"][name], values, rtol=TOL, atol=TOL, err_msg=name)
    assert len(r["weights_per_step"]) == 4 and max(r["weights_per_step"]) < TOL, r["weights_per_step"]
    assert r["has_batch_norm"] == (case == "dcgan-nsgan")
    # the control (losses not divided by the replicas) is far outside the tolerance at every step
    assert min(r["control_weights_per_step"]) > 100 * TOL, r["control_weights_per_step"]
    assert r["control_losses"]["max_abs"] > 100 * TOL, r["control_losses"]


@pytest.mark.slow
def test_replica_batch_statistics_are_computed_as_one_device_computes_them(in_process):
    """Synchronized batch norm over 2 replicas, on data whose mean is 10,000 times its spread: our two-pass
    statistics equal tf.nn.moments on one device (relative error 1.7e-6 against float64, float32 rounding
    of the mean); Keras' one-pass E[x^2] - E[x]^2 loses the variance to cancellation (measured error 60x)."""
    r = in_process["moments"]
    assert r["one_device_tf_nn_moments"][0] < 1e-5
    assert all(err < 1e-5 for err in r["ours"]), r  # as good as one device, on both replicas
    assert all(err > 1.0 for err in r["keras_synchronized"]), r  # the control: the formula this replaces


@pytest.mark.slow
def test_replicas_draw_different_noise_together_one_devices_draw(in_process):
    """z, labels, InfoGAN codes and the gradient penalty's alpha: replica i gets rows
    [2i, 2i + 2) of what one device draws for the global batch of 4 from the same seed."""
    r = dict(in_process["noise"])
    plain = r.pop("plain_keras_normal")
    assert plain["replicas"][0] == plain["replicas"][1]  # the problem: a mirrored seed, the same noise
    assert set(r) == {"z", "labels", "info_codes", "gp_alpha"}
    for name, d in r.items():
        first, second = (np.asarray(x) for x in d["replicas"])
        assert not np.array_equal(first, second), name
        np.testing.assert_array_equal(np.concatenate([first, second]), np.asarray(d["single"]), err_msg=name)


@pytest.mark.slow
def test_mixed_float16_trains_under_mirrored(in_process):
    r = in_process["mixed"]
    assert r["policy"] == "mixed_float16"
    assert r["optimizers"] == ["LossScaleOptimizer", "LossScaleOptimizer"]
    assert r["g_steps"] == 4 and r["finite_weights"]
    # float16 rounding grows over the steps (measured 0.02); a missing division gives > 1
    for name, values in r["single"].items():
        assert all(np.isfinite(r["mirrored"][name]))
        np.testing.assert_allclose(r["mirrored"][name], values, atol=0.1, err_msg=name)


# ------------------------------------------------------------------ command line: mirrored, multiworker

CLI_ARGS = ["--arch", "dcgan", "--d-norm", "batch", "--loss", "nsgan", "--batch-size", "16", "--latent-dim", "8",
            "--epochs", "2", "--steps-per-epoch", "2", "--n-samples", "4", "--seed", "3", "--checkpoint-every", "1",
            "--keep-checkpoints", "10"]
RUN_FILES = {"checkpoints", "config.json", "curves.png", "generator", "history.csv", "samples", "summary.json",
             "tensorboard"}


def _cli_run(tmp, args: list[str], cpus: int = 1) -> tuple[str, dict]:
    """``train.py`` (SGD 0.01) in a subprocess: its folder and final weights."""
    log = str(tmp / "log")
    p = _start(["cli", str(tmp / "weights.npz"), "--cpus", str(cpus), "--sgd", "0.01", "--", *args,
                "--out", str(tmp / "run")], log)
    _finish([p], [log])
    assert p.returncode == 0, _tail(log)
    return str(tmp / "run"), dict(np.load(str(tmp / "weights.npz")))


@pytest.fixture(scope="module")
def cli_data(tmp_path_factory):
    """64 random 16x16 grey images as an .npz file."""
    path = str(tmp_path_factory.mktemp("cli_data") / "data.npz")
    np.savez(path, x_train=np.random.default_rng(0).integers(0, 256, (64, 16, 16, 1), dtype=np.uint8))
    return path


@pytest.fixture(scope="module")
def cli_reference(tmp_path_factory, cli_data):
    """A one-device ``train.py`` run: its folder and weights."""
    return _cli_run(tmp_path_factory.mktemp("cli_reference"), [*CLI_ARGS, "--dataset", cli_data])


@pytest.fixture(scope="module")
def cli_mirrored(tmp_path_factory, cli_data):
    """The same run with ``--strategy mirrored`` on 2 logical CPU devices."""
    return _cli_run(tmp_path_factory.mktemp("cli_mirrored"), ["--strategy", "mirrored", *CLI_ARGS, "--dataset",
                                                              cli_data], cpus=2)


def _max_abs_diff(a: dict, b: dict) -> float:
    assert set(a) == set(b)
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)


def _history(run: str) -> np.ndarray:
    with open(os.path.join(run, "history.csv")) as f:
        return np.loadtxt(f, delimiter=",", skiprows=1)


def _step_losses(run: str, name: str) -> dict:
    with open(os.path.join(run, "checkpoints", name + ".json")) as f:
        return json.load(f)["callbacks"]["LossCurves"]["values"]


@pytest.mark.slow
def test_cli_mirrored_on_two_cpu_devices(cli_reference, cli_mirrored):
    """``--strategy mirrored`` trains what one device trains: the first step from the same initial weights
    (its checkpoint: weights, BN statistics, optimizer and seed state; its losses) agrees to TOL. Later steps
    are compared where the summation order is the same (the next two tests); see the module docstring."""
    ref_run, _ = cli_reference
    run, _ = cli_mirrored
    with open(os.path.join(run, "summary.json")) as f:
        assert json.load(f)["replicas"] == 2
    assert set(os.listdir(run)) == RUN_FILES
    first_ref, first = (checkpointing.read_arrays(os.path.join(r, "checkpoints", "step_00000001.keras"))
                        for r in (ref_run, run))
    assert len(first) > 20 and "vars/noise_seed_state" in first
    assert _max_abs_diff(first, first_ref) < TOL
    for key, values in _step_losses(ref_run, "step_00000001").items():
        np.testing.assert_allclose(_step_losses(run, "step_00000001")[key], values, rtol=TOL, atol=TOL)
    assert len(_history(run)) == len(_history(ref_run)) == 2


def test_cli_mirrored_refuses_a_batch_that_does_not_split(cli_data, tmp_path):
    log = str(tmp_path / "log")
    p = _start(["cli", str(tmp_path / "w.npz"), "--cpus", "2", "--", "--strategy", "mirrored", "--dataset", cli_data,
                "--batch-size", "15", "--out", str(tmp_path / "run")], log)
    out = _finish([p], [log])[0]
    assert p.returncode == 2, out
    assert ("train.py: error: The global batch size 15 (--batch-size) must be divisible by the 2 replicas "
            "(each replica trains on an equal share); use 14 or 16.") in out
    assert "Traceback" not in out and not (tmp_path / "run").exists()


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@pytest.mark.slow
def test_multiworker_two_processes_agree(cli_data, cli_mirrored, tmp_path):
    """Two workers on localhost (TF_CONFIG) train the same run: they end with the same weights, equal to the
    2-replica mirrored run's (the same summation order: exactly); only the chief writes into the shared --out."""
    mirrored_run, mirrored_weights = cli_mirrored
    hosts = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    run = str(tmp_path / "run")  # the same --out for both, as on a shared filesystem
    procs, logs = [], []
    for i in range(2):
        tf_config = json.dumps({"cluster": {"worker": hosts}, "task": {"type": "worker", "index": i}})
        logs.append(str(tmp_path / f"worker{i}.log"))
        procs.append(_start(["cli", str(tmp_path / f"w{i}.npz"), "--sgd", "0.01", "--", "--strategy", "multiworker",
                             *CLI_ARGS, "--dataset", cli_data, "--out", run], logs[-1], tf_config=tf_config))
    outs = _finish(procs, logs)
    assert [p.returncode for p in procs] == [0, 0], "\n".join(_tail(f) for f in logs)
    w0, w1 = (dict(np.load(str(tmp_path / f"w{i}.npz"))) for i in range(2))
    assert _max_abs_diff(w0, w1) == 0.0  # synchronous training: identical updates on both workers
    assert _max_abs_diff(w0, mirrored_weights) == 0.0
    # the chief wrote the run; worker 1 wrote the same files into its own temporary folder, now removed
    assert set(os.listdir(run)) == RUN_FILES
    with open(os.path.join(run, "summary.json")) as f:
        assert json.load(f)["replicas"] == 2
    np.testing.assert_array_equal(_history(run), _history(mirrored_run))
    worker_samples = re.search(r'"samples": "([^"]+)"', outs[1]).group(1)  # from its printed summary
    assert "tfgan_zoo_worker1_" in worker_samples and not os.path.commonpath([worker_samples, run]) == run
    assert not os.path.exists(os.path.dirname(os.path.dirname(worker_samples)))


@pytest.mark.slow
def test_cli_mirrored_resume_continues_like_one_uninterrupted_run(cli_data, cli_mirrored, tmp_path):
    """Checkpoints written under 2 replicas restore into 2 replicas, mid-epoch (the metrics' running
    means are sync-on-read variables there): epoch 1 with a checkpoint after every step, the epoch-end
    checkpoint removed, then --resume from step 1 for the rest; it ends exactly where the uninterrupted
    2-replica run ends."""
    mirrored_run, mirrored_weights = cli_mirrored
    run = str(tmp_path / "run")
    first = [a if a != "2" or CLI_ARGS[i - 1] != "--epochs" else "1" for i, a in enumerate(CLI_ARGS)]
    phases = [[*first, "--dataset", cli_data, "--out", run], ["--resume", "--epochs", "2", "--out", run]]
    for i, args in enumerate(phases):
        if i == 1:
            ckpts = os.path.join(run, "checkpoints")
            for name in os.listdir(ckpts):
                if name.startswith("epoch_0001"):
                    os.remove(os.path.join(ckpts, name))
        log = str(tmp_path / f"log{i}")
        p = _start(["cli", str(tmp_path / f"w{i}.npz"), "--cpus", "2", "--sgd", "0.01", "--", "--strategy",
                    "mirrored", *args], log)
        _finish([p], [log])
        assert p.returncode == 0, _tail(log)
    with open(os.path.join(run, "summary.json")) as f:
        summary = json.load(f)
    assert summary["replicas"] == 2 and os.path.basename(summary["resumed_from"]) == "step_00000001.keras"
    assert _max_abs_diff(dict(np.load(str(tmp_path / "w1.npz"))), mirrored_weights) == 0.0
    # The weights match bit for bit; an epoch's mean in history.csv is a float32 sum-on-read over the replicas and
    # steps (2 x 2 = 4 terms), and the restored running sums may be added in another order than the uninterrupted
    # run's (seen: 1 ulp, 1.1e-7 relative, on an AVX-512/AMX Xeon). 4 additions round at most 4 times, each by
    # 2**-24 of a partial sum up to ~2x the total: rtol 8 * 2**-24 < 1e-6. A lost or repeated step moves a mean
    # by ~0.1 (the per-step losses differ by that much), 1e5 times the tolerance.
    np.testing.assert_allclose(_history(run), _history(mirrored_run), rtol=1e-6, atol=0)
