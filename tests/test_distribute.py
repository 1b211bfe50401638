"""Distribution strategies (:mod:`tfgan_zoo.distribute`).

In-process unit tests, then subprocess tests (``tests/dist_helper.py``): logical CPU
devices must be configured before TensorFlow initialises and a multi-worker strategy
configures the runtime, so 2-replica runs get a fresh process each. Every subprocess
has a timeout and is killed (SIGKILL: a worker waiting for its peers ignores SIGTERM)
so that a hang fails the test instead of blocking CI.

Tolerances: a 2-replica step differs from a one-device step only by float32 summation
order (all-reduce, kernels on batches of 8 instead of 16); measured differences are
~1e-7, the tolerance is 1e-5. Dividing the losses by the number of replicas is what
keeps the update equal: the "control" runs leave it out and are ~0.05 away in the
weights after 4 SGD steps, so the tests fail on that bug by a wide margin.
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

from tfgan_zoo import distribute, nets
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


@pytest.mark.parametrize("case", ["dcgan-nsgan", "mlp-wgangp-infogan"])
def test_mirrored_training_matches_one_device(case, tmp_path):
    """4 SGD steps on 2 replicas equal 4 steps on one device on the same global batches:
    every reported metric at every step, and every weight (incl. batch-norm statistics and
    the EMA generator). Cases: see ``dist_helper.CASES``."""
    r = helper("equivalence", case, tmp_path=tmp_path)
    assert r["replicas"] == 2
    assert set(r["mirrored"]) == set(r["single"])
    for name, values in r["single"].items():
        assert len(values) == 4
        np.testing.assert_allclose(r["mirrored"][name], values, rtol=TOL, atol=TOL, err_msg=name)
    assert r["weights"]["max_abs"] < TOL, r["weights"]
    if case == "dcgan-nsgan":
        assert r["batch_norm_statistics"]["max_abs"] < TOL, r["batch_norm_statistics"]
    # the control (losses not divided by the replicas) is far outside the tolerance
    assert r["control_weights"]["max_abs"] > 100 * TOL, r["control_weights"]
    assert r["control_losses"]["max_abs"] > 100 * TOL, r["control_losses"]


def test_replicas_draw_different_noise_together_one_devices_draw(tmp_path):
    """z, labels, InfoGAN codes and the gradient penalty's alpha: replica i gets rows
    [2i, 2i + 2) of what one device draws for the global batch of 4 from the same seed."""
    r = helper("noise", tmp_path=tmp_path)
    plain = r.pop("plain_keras_normal")
    assert plain["replicas"][0] == plain["replicas"][1]  # the problem: a mirrored seed, the same noise
    assert set(r) == {"z", "labels", "info_codes", "gp_alpha"}
    for name, d in r.items():
        first, second = (np.asarray(x) for x in d["replicas"])
        assert not np.array_equal(first, second), name
        np.testing.assert_array_equal(np.concatenate([first, second]), np.asarray(d["single"]), err_msg=name)


def test_mixed_float16_trains_under_mirrored(tmp_path):
    r = helper("mixed", tmp_path=tmp_path)
    assert r["policy"] == "mixed_float16"
    assert r["optimizers"] == ["LossScaleOptimizer", "LossScaleOptimizer"]
    assert r["g_steps"] == 4 and r["finite_weights"]
    # float16 rounding grows over the steps (measured 0.02); a missing division gives > 1
    for name, values in r["single"].items():
        assert all(np.isfinite(r["mirrored"][name]))
        np.testing.assert_allclose(r["mirrored"][name], values, atol=0.1, err_msg=name)


# ------------------------------------------------------------------ command line: mirrored, multiworker

CLI_ARGS = ["--arch", "dcgan", "--d-norm", "batch", "--loss", "nsgan", "--batch-size", "16", "--latent-dim", "8",
            "--epochs", "2", "--steps-per-epoch", "2", "--n-samples", "4", "--seed", "3"]
RUN_FILES = {"checkpoints", "config.json", "curves.png", "generator", "history.csv", "samples", "summary.json"}


@pytest.fixture(scope="module")
def cli_reference(tmp_path_factory):
    """A one-device ``train.py`` run (SGD) on 64 random 16x16 images: its folder and weights."""
    tmp = tmp_path_factory.mktemp("cli_reference")
    data = str(tmp / "data.npz")
    np.savez(data, x_train=np.random.default_rng(0).integers(0, 256, (64, 16, 16, 1), dtype=np.uint8))
    args = ["cli", str(tmp / "weights.npz"), "--sgd", "0.01", "--", *CLI_ARGS, "--dataset", data,
            "--out", str(tmp / "run")]
    p = _start(args, str(tmp / "log"))
    _finish([p], [str(tmp / "log")])
    assert p.returncode == 0, _tail(str(tmp / "log"))
    return data, str(tmp / "run"), dict(np.load(str(tmp / "weights.npz")))


def _max_abs_diff(a: dict, b: dict) -> float:
    assert set(a) == set(b)
    return max(float(np.max(np.abs(a[k] - b[k]))) for k in a)


def _history(run: str) -> np.ndarray:
    with open(os.path.join(run, "history.csv")) as f:
        return np.loadtxt(f, delimiter=",", skiprows=1)


def test_cli_mirrored_on_two_cpu_devices(cli_reference, tmp_path):
    data, ref_run, ref_weights = cli_reference
    log = str(tmp_path / "log")
    p = _start(["cli", str(tmp_path / "w.npz"), "--cpus", "2", "--sgd", "0.01", "--", "--strategy", "mirrored",
                *CLI_ARGS, "--dataset", data, "--out", str(tmp_path / "run")], log)
    _finish([p], [log])
    assert p.returncode == 0, _tail(log)
    with open(tmp_path / "run" / "summary.json") as f:
        assert json.load(f)["replicas"] == 2
    assert set(os.listdir(tmp_path / "run")) == RUN_FILES
    assert _max_abs_diff(dict(np.load(str(tmp_path / "w.npz"))), ref_weights) < TOL
    np.testing.assert_allclose(_history(str(tmp_path / "run")), _history(ref_run), rtol=TOL, atol=TOL)


def test_cli_mirrored_refuses_a_batch_that_does_not_split(cli_reference, tmp_path):
    data = cli_reference[0]
    log = str(tmp_path / "log")
    p = _start(["cli", str(tmp_path / "w.npz"), "--cpus", "2", "--", "--strategy", "mirrored", "--dataset", data,
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


def test_multiworker_two_processes_agree(cli_reference, tmp_path):
    """Two workers on localhost (TF_CONFIG) train the same run: they end with the same weights,
    equal to the one-device run's; only the chief writes into the shared --out folder."""
    data, ref_run, ref_weights = cli_reference
    hosts = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    run = str(tmp_path / "run")  # the same --out for both, as on a shared filesystem
    procs, logs = [], []
    for i in range(2):
        tf_config = json.dumps({"cluster": {"worker": hosts}, "task": {"type": "worker", "index": i}})
        logs.append(str(tmp_path / f"worker{i}.log"))
        procs.append(_start(["cli", str(tmp_path / f"w{i}.npz"), "--sgd", "0.01", "--", "--strategy", "multiworker",
                             *CLI_ARGS, "--dataset", data, "--out", run], logs[-1], tf_config=tf_config))
    outs = _finish(procs, logs)
    assert [p.returncode for p in procs] == [0, 0], "\n".join(_tail(f) for f in logs)
    w0, w1 = (dict(np.load(str(tmp_path / f"w{i}.npz"))) for i in range(2))
    assert _max_abs_diff(w0, w1) == 0.0  # synchronous training: identical updates on both workers
    assert _max_abs_diff(w0, ref_weights) < TOL
    # the chief wrote the run; worker 1 wrote the same files into its own temporary folder, now removed
    assert set(os.listdir(run)) == RUN_FILES
    with open(os.path.join(run, "summary.json")) as f:
        assert json.load(f)["replicas"] == 2
    np.testing.assert_allclose(_history(run), _history(ref_run), rtol=TOL, atol=TOL)
    worker_samples = re.search(r'"samples": "([^"]+)"', outs[1]).group(1)  # from its printed summary
    assert "tfgan_zoo_worker1_" in worker_samples and not os.path.commonpath([worker_samples, run]) == run
    assert not os.path.exists(os.path.dirname(os.path.dirname(worker_samples)))


def test_cli_mirrored_resume_continues_like_one_uninterrupted_run(cli_reference, tmp_path):
    """Checkpoints written under 2 replicas restore into 2 replicas, mid-epoch (the metrics' running
    means are sync-on-read variables there): epoch 1 with a checkpoint after every step, the epoch-end
    checkpoint removed, then --resume from step 1 for the rest; it ends where the uninterrupted
    one-device run ends."""
    data, ref_run, ref_weights = cli_reference
    run = str(tmp_path / "run")
    first = [a if a != "2" or CLI_ARGS[i - 1] != "--epochs" else "1" for i, a in enumerate(CLI_ARGS)]
    phases = [[*first, "--checkpoint-every", "1", "--dataset", data, "--out", run],
              ["--resume", "--epochs", "2", "--out", run]]
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
    assert _max_abs_diff(dict(np.load(str(tmp_path / "w1.npz"))), ref_weights) < TOL
    np.testing.assert_allclose(_history(run), _history(ref_run), rtol=TOL, atol=TOL)
