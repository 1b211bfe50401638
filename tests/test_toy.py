"""The 2-D mixtures and PacGAN's mode metrics against closed forms (tfgan_zoo.analysis.toy)."""

import math

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfgan_zoo.analysis import toy

P_GOOD = 1 - math.exp(-9 / 2)  # P(chi^2_2 < 9): an exact sampler's high-quality fraction, 0.98889


def test_the_mixtures_have_the_published_modes():
    r = toy.get("ring")
    assert (r.num_modes, r.std) == (8, 0.01)
    np.testing.assert_allclose(np.hypot(*r.centers.T), 1.0, atol=1e-12)
    angles = np.sort(np.mod(np.arctan2(r.centers[:, 1], r.centers[:, 0]), 2 * np.pi))
    np.testing.assert_allclose(angles, 2 * np.pi * np.arange(8) / 8, atol=1e-12)  # 8 distinct, 45 degrees apart
    g = toy.get("grid")
    assert (g.num_modes, g.std) == (25, 0.05)
    assert sorted(map(tuple, g.centers.tolist())) == [(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)]
    with pytest.raises(ValueError, match="Unknown mixture 'spiral'; use one of ring, grid"):
        toy.get("spiral")


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_an_exact_sampler_scores_the_closed_forms(name):
    mix = toy.get(name)
    n = 100_000
    m = toy.mode_metrics(mix.sample(n, seed=1), mix)
    # binomial standard error of the fraction: sqrt(p (1 - p) / n) = 3.3e-4; 5 of them
    assert abs(m["high_quality"] - P_GOOD) < 5 * math.sqrt(P_GOOD * (1 - P_GOOD) / n)
    assert m["modes"] == mix.num_modes and m["n"] == n
    # multinomial noise: E[KL(q || u)] ~ (K - 1) / (2 n_good); KL is ~ chi^2_{K-1} / (2 n_good), whose
    # mean + 5 sd is ((K - 1) + 5 sqrt(2 (K - 1))) / (2 n_good)
    k, good = mix.num_modes, m["high_quality"] * n
    assert 0 <= m["reverse_kl"] < ((k - 1) + 5 * math.sqrt(2 * (k - 1))) / (2 * good)


def test_collapsed_and_unbalanced_samplers():
    mix = toy.get("ring")
    rng = np.random.default_rng(2)
    one = mix.centers[3] + mix.std * rng.standard_normal((2500, 2))
    m = toy.mode_metrics(one, mix)
    assert m["modes"] == 1 and m["reverse_kl"] == pytest.approx(math.log(8), abs=1e-12)
    assert m["counts"][3] == sum(m["counts"])
    # half the modes, equally often, exactly at the centres: KL(q || u) = log 2
    half = np.repeat(mix.centers[::2], 100, axis=0)
    m = toy.mode_metrics(half, mix)
    assert (m["modes"], m["high_quality"]) == (4, 1.0) and m["reverse_kl"] == pytest.approx(math.log(2), abs=1e-12)
    # 3 sigma is the boundary: just inside counts, just outside does not
    edge = mix.centers[:1] + np.array([[3 * mix.std * (1 - 1e-6), 0.0], [3 * mix.std * (1 + 1e-6), 0.0]])
    assert toy.mode_metrics(edge, mix)["counts"][0] == 1
    # nothing near any mode: no coverage, KL undefined
    m = toy.mode_metrics(np.zeros((10, 2)), mix)
    assert (m["modes"], m["high_quality"]) == (0, 0.0) and math.isnan(m["reverse_kl"])


def test_bad_samples_are_refused():
    mix = toy.get("grid")
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        toy.mode_metrics(np.zeros((5, 3)), mix)
    with pytest.raises(ValueError, match="2 non-finite values .* evaluate an earlier checkpoint"):
        toy.mode_metrics(np.array([[np.nan, 0.0], [0.0, np.inf], [0.0, 0.0]]), mix)


def test_dataset_draws_the_mixture_reproducibly():
    mix = toy.get("grid")
    ds = toy.dataset(mix, batch_size=500, seed=3, steps=10)
    batches = [b.numpy() for b in ds]
    again = np.concatenate([b.numpy() for b in toy.dataset(mix, 500, seed=3, steps=10)])
    x = np.concatenate(batches)
    assert x.shape == (5000, 2) and x.dtype == np.float32
    np.testing.assert_array_equal(x, again)
    assert not np.array_equal(x, np.concatenate([b.numpy() for b in toy.dataset(mix, 500, seed=4, steps=10)]))
    m = toy.mode_metrics(x, mix)
    # same closed form as an exact sampler (n = 5,000: 5 standard errors = 7.4e-3)
    assert m["modes"] == 25 and abs(m["high_quality"] - P_GOOD) < 5 * math.sqrt(P_GOOD * (1 - P_GOOD) / 5000)


def test_plot_writes_a_png(tmp_path):
    mix = toy.get("ring")
    path = toy.plot(mix.sample(500), mix, tmp_path / "ring.png")
    assert Image.open(path).format == "PNG"
    assert not [f for f in tmp_path.iterdir() if f.name != "ring.png"]  # no temporary file left behind


def test_maxout_is_the_max_of_its_affine_pieces_and_round_trips(tmp_path):
    import keras

    from tfgan_zoo import nets

    layer = nets.Maxout(3, pieces=4)
    x = np.random.default_rng(5).standard_normal((6, 2)).astype("float32")
    y = layer(x).numpy()
    w, b = layer.dense.kernel.numpy(), layer.dense.bias.numpy()
    expect = (x @ w + b).reshape(6, 3, 4).max(axis=-1)  # unit u = max over columns 4u .. 4u + 3
    np.testing.assert_allclose(y, expect, rtol=1e-6, atol=1e-6)  # one float32 dot of 2 terms
    assert np.max(np.abs((x @ w + b).reshape(6, 3, 4).min(axis=-1) - y)) > 1e-2  # control: the min differs
    g, d = nets.toy_pair()
    assert g.output.shape[1:] == (2,) and d.input.shape[1:] == (2,) and d.output.shape[1:] == (1,)
    assert nets.toy_discriminator(pack=3).input.shape[1:] == (6,)
    path = str(tmp_path / "d.keras")
    d.save(path)
    back = keras.models.load_model(path)  # safe_mode on: a registered layer, no code in the file
    np.testing.assert_array_equal(back(x).numpy(), d(x).numpy())
    with pytest.raises(ValueError, match="Maxout needs units >= 1 and pieces >= 1, got 0 and 5"):
        nets.Maxout(0)


@pytest.mark.slow
def test_modes_benchmark_runs_scores_and_resumes_by_run(tmp_path, monkeypatch, capsys):
    import importlib
    import os
    import sys

    monkeypatch.syspath_prepend(os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks"))
    modes = importlib.import_module("modes")
    args = ["--mixtures", "ring", "--losses", "nsgan", "--seeds", "1", "--steps", "3", "--steps-per-execution", "3",
            "--out", str(tmp_path)]
    first = modes.main(args)
    assert "[1/1] ring nsgan seed 0: training 3 steps" in capsys.readouterr().err  # said before the run starts
    run = first["runs"][0]
    assert (run["mixture"], run["loss"], run["seed"], run["steps"], run["n"]) == ("ring", "nsgan", 0, 3, 2500)
    assert 0 <= run["modes"] <= 8 and 0.0 <= run["high_quality"] <= 1.0
    assert Image.open(tmp_path / "ring_nsgan_seed0.png").format == "PNG"
    stamp = os.path.getmtime(tmp_path / "ring_nsgan_seed0.json")
    again = modes.main(args)  # the finished run is read back, not trained again
    assert "training" not in capsys.readouterr().err
    assert again["runs"] == first["runs"] and os.path.getmtime(tmp_path / "ring_nsgan_seed0.json") == stamp
    assert first["summary"]["ring"]["nsgan"]["seeds"] == 1
    assert first["summary"]["ring"]["nsgan"]["diverged"] == int(run["diverged"])
    # --drs: a packed run also scores 2,500 samples kept by discriminator rejection sampling, in its own file
    drs = modes.main(args + ["--pack", "2", "--drs", "3"])
    d = drs["runs"][0]["after_drs"]
    assert d["n"] == 2500 and 0 <= d["modes"] <= 8 and 0 < d["acceptance"] <= 1 and d["gamma"] == 0.0
    assert drs["summary"]["ring"]["nsgan+pack2_drs3"]["after_drs"]["modes"][0] == d["modes"]
    assert Image.open(tmp_path / "ring_nsgan_pack2_drs3_seed0_drs.png").format == "PNG"
    assert "after_drs" not in first["runs"][0] and "after_drs" not in first["summary"]["ring"]["nsgan"]
    with pytest.raises(SystemExit):
        modes.main(["--drs", "-1", "--out", str(tmp_path)])
    with pytest.raises(SystemExit):
        modes.main(args + ["--log-every", "-1"])
    assert "--log-every -1 must be >= 0 (0: no progress lines)" in capsys.readouterr().err
    # --log-every reaches the training: a run with it logs its steps (the 3-step runs above, at the default of
    # 1000, logged none)
    logged = modes.main(["--mixtures", "ring", "--losses", "lsgan", "--seeds", "1", "--steps", "2", "--log-every", "1",
                         "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert "step 1/2 (50.0%)" in err and "step 2/2 (100.0%)" in err and logged["runs"][0]["steps"] == 2
    # --drs-batch: the classifier's batch, recorded in the run's name; without --drs it is refused with the fix
    from tfgan_zoo import rejection

    seen = []
    real_fit = rejection.fit_density_ratio

    def recording_fit(clf, real, generate, steps, batch_size, *rest, **kw):
        seen.append((len(next(real)), len(generate(batch_size)), steps, batch_size))
        return real_fit(clf, real, generate, steps, batch_size, *rest, **kw)

    monkeypatch.setattr(rejection, "fit_density_ratio", recording_fit)
    batched = modes.main(args + ["--pack", "2", "--drs", "3", "--drs-batch", "7"])
    modes.main(args + ["--pack", "2", "--drs", "2"])  # control: without it, batches of --batch-size (100)
    assert seen == [(7, 7, 3, 7), (100, 100, 2, 100)]
    assert batched["runs"][0]["drs_batch"] == 7 and (tmp_path / "ring_nsgan_pack2_drs3-b7_seed0.json").exists()
    monkeypatch.setattr(rejection, "fit_density_ratio", real_fit)
    with pytest.raises(SystemExit):
        modes.main(args + ["--drs-batch", "7"])
    assert "--drs-batch 7 must be >= 1 and needs --drs STEPS" in capsys.readouterr().err
    # --drs-sweep: more gammas from the same classifier and proposals; the swept p50 equals a --drs-percentile 50
    # run's own result exactly (same fit, same seeds), and a higher percentile keeps fewer proposals
    swept = modes.main(args + ["--pack", "2", "--drs", "3", "--drs-percentile", "50", "--drs-sweep", "50,99"])
    d = swept["runs"][0]["after_drs"]
    assert set(d["sweep"]) == {"p50", "p99"} and (tmp_path / "ring_nsgan_pack2_drs3-p50-sw50-99_seed0.json").exists()
    assert d["sweep"]["p50"] == {k: d[k] for k in ("modes", "high_quality", "reverse_kl", "n", "acceptance", "gamma")}
    assert d["sweep"]["p99"]["gamma"] > d["gamma"] and d["sweep"]["p99"]["acceptance"] < d["acceptance"]
    assert swept["summary"]["ring"]["nsgan+pack2_drs3-p50-sw50-99"]["after_drs"]["sweep"]["p99"]["acceptance"][0] \
        == d["sweep"]["p99"]["acceptance"]
    assert "sweep" not in drs["runs"][0]["after_drs"]  # control: no sweep without the flag
    assert modes.percentiles("95,50,95") == (95.0, 50.0)  # each percentile once (one key each in after_drs.sweep)
    for bad_sweep in (["--drs-sweep", "50,101"], ["--drs-sweep", "x"]):
        with pytest.raises(SystemExit):
            modes.main(args + ["--drs", "3"] + bad_sweep)
        assert "is not a comma-separated list of percentiles in [0, 100]" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        modes.main(args + ["--drs-sweep", "80"])
    assert "--drs-sweep 80 needs --drs STEPS" in capsys.readouterr().err
    # DRS that cannot keep 2,500 samples (the ring's seed 2 at gamma 0: acceptance 1.7e-4) is recorded, not a crash
    real_sample, limits = rejection.rejection_sample, []

    def short_at_gamma_0(*a, **kw):
        limits.append(kw["max_proposals"])
        if kw["gamma_percentile"] is None:
            raise rejection.RejectionShortfall("rejection sampling kept 430 of 2500000 proposals", 430, 2_500_000, 0.0)
        return real_sample(*a, **kw)

    monkeypatch.setattr(rejection, "rejection_sample", short_at_gamma_0)
    short = modes.main(args + ["--pack", "2", "--drs", "2", "--drs-sweep", "50"])
    monkeypatch.setattr(rejection, "rejection_sample", real_sample)
    d = short["runs"][0]["after_drs"]
    assert d["failed"].startswith("rejection sampling kept 430") and d["modes"] is None and d["acceptance"] == 0.000172
    assert "failed" not in d["sweep"]["p50"] and d["sweep"]["p50"]["n"] == 2500
    s = short["summary"]["ring"]["nsgan+pack2_drs2-sw50"]["after_drs"]
    assert (s["failed"], s["scored"], s["modes"], s["sweep"]["p50"]["failed"], s["sweep"]["p50"]["scored"]) == (
        1, 0, None, 0, 1)
    assert s["acceptance"] == [0.000172, None]  # a failed seed's acceptance is measured, so it is averaged
    assert "--drs-percentile P (or --drs-sweep)" in d["failed"]  # the fix this benchmark offers, at gamma 0
    assert drs["summary"]["ring"]["nsgan+pack2_drs3"]["after_drs"]["failed"] == 0  # control: a run that kept them
    assert limits == [modes.DRS_MAX_PROPOSALS] * 2 and modes.DRS_MAX_PROPOSALS == 50_000_000
    assert not (tmp_path / "ring_nsgan_pack2_drs2-sw50_seed0_drs.png").exists()
    assert "rejection sampling kept 430" in capsys.readouterr().err
    # --first-seed: seeds K .. K+SEEDS-1 only; a later --first-seed 0 run reads them back and summarizes all
    later = modes.main(args[:4] + ["--seeds", "1", "--first-seed", "1"] + args[6:])
    assert [r["seed"] for r in later["runs"]] == [1] and (tmp_path / "ring_nsgan_seed1.json").exists()
    both = modes.main(args[:4] + ["--seeds", "2"] + args[6:])  # trains nothing: both runs are on disk
    assert [r["seed"] for r in both["runs"]] == [0, 1] and both["runs"][1] == later["runs"][0]
    assert both["summary"]["ring"]["nsgan"]["seeds"] == 2
    with pytest.raises(SystemExit):
        modes.main(args + ["--first-seed", "-1"])
    assert "--first-seed -1 >= 0" in capsys.readouterr().err
    # a generator that diverged (NaN samples, as fgan-reverse-kl did on the ring) is scored, not a crash
    from tfgan_zoo.analysis import toy

    real_train = toy.train

    def diverging(*a, **kw):
        out = real_train(*a, **kw)
        out.gan.generator.layers[-1].kernel.assign(np.full(out.gan.generator.layers[-1].kernel.shape, np.nan))
        return out

    monkeypatch.setattr(toy, "train", diverging)
    bad = modes.main(["--mixtures", "ring", "--losses", "hinge", "--seeds", "1", "--steps", "3",
                      "--steps-per-execution", "1", "--out", str(tmp_path)])["runs"][-1]
    assert (bad["loss"], bad["modes"], bad["high_quality"], bad["reverse_kl"], bad["diverged"]) == (
        "hinge", 0, 0.0, None, True)
    # --jit-compile on: another run of the same seed (XLA draws other random numbers), kept in its own file
    xla = modes.main(args + ["--jit-compile", "on"])
    assert xla["protocol"]["jit_compile"] is True and xla["runs"][0]["jit_compile"] is True
    assert os.path.isfile(tmp_path / "ring_nsgan_xla_seed0.json") and first["runs"][0]["jit_compile"] is False
    assert os.path.getmtime(tmp_path / "ring_nsgan_seed0.json") == stamp  # the run without XLA is untouched
    with pytest.raises(SystemExit):  # --steps-per-execution must divide --steps (argparse's error, exit 2)
        modes.main(["--steps", "3", "--steps-per-execution", "2", "--out", str(tmp_path)])
    sys.modules.pop("modes", None)


def test_drs_summary_averages_each_metric_over_the_seeds_it_is_defined_for(monkeypatch):
    import importlib
    import os
    import sys

    monkeypatch.syspath_prepend(os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks"))
    modes = importlib.import_module("modes")
    ok = {"modes": 8, "high_quality": 0.9, "reverse_kl": 0.02, "acceptance": 0.1}
    none_hq = {"modes": 0, "high_quality": 0.0, "reverse_kl": None, "acceptance": 0.3}
    failed = {"modes": None, "high_quality": None, "reverse_kl": None, "acceptance": 0.0002, "failed": "kept 430"}
    runs = [{"mixture": "ring", "loss": "nsgan", "modes": 8, "high_quality": 0.9, "reverse_kl": 0.03,
             "after_drs": d} for d in (ok, none_hq, failed)]
    s = modes.summarize(runs)["ring"]["nsgan"]["after_drs"]
    # modes/HQ: the 2 scored seeds; reverse KL: the 1 with a high-quality sample; acceptance: all 3
    assert (s["scored"], s["failed"], s["no_high_quality_sample"]) == (2, 1, 1)
    assert s["modes"] == [4.0, 4.0] and s["high_quality"] == [0.45, 0.45] and s["reverse_kl"] == [0.02, None]
    assert s["acceptance"][0] == round((0.1 + 0.3 + 0.0002) / 3, 4) and s["reverse_kl"][0] == 0.02
    assert modes.rounded(1.23456) == 1.2346 and modes.rounded(0.000172345) == 0.0001723
    sys.modules.pop("modes", None)


def test_modes_combine_pools_runs_of_one_protocol_and_refuses_the_rest(tmp_path, monkeypatch, capsys):
    import importlib
    import json
    import os
    import sys

    root = os.path.dirname(os.path.dirname(__file__))
    monkeypatch.syspath_prepend(os.path.join(root, "benchmarks"))
    monkeypatch.delitem(sys.modules, "modes", raising=False)
    modes = importlib.import_module("modes")
    proto = {"steps": 20000, "batch_size": 100, "pack": 2, "ema": 0.999, "jit_compile": True}

    def result(seeds, cpu, tf_version="2.21.0", **changes):
        runs = [{"mixture": "grid", "loss": "nsgan+pack2", "seed": s, "modes": 20 + s, "high_quality": 0.1 * s,
                 "reverse_kl": 0.5} for s in seeds]
        return {"benchmark": "modes", "protocol": {**proto, "seeds": len(seeds), "first_seed": seeds[0], "cpu": cpu,
                                                    "load_average_at_start": 1.0, "tensorflow": tf_version,
                                                    **changes}, "runs": runs}

    a, b = result([0, 1, 2], "AMD EPYC"), result([3, 4], "Intel Xeon", tf_version="2.22.0", note="a later session")
    pooled = modes.combine([a, b], ["a.json", "b.json"])
    s = pooled["summary"]["grid"]["nsgan+pack2"]
    # five seeds, modes 20..24: mean 22, standard error stdev / sqrt(5) = sqrt(2.5) / sqrt(5) = sqrt(0.5)
    assert s["seeds"] == 5 and s["modes"] == [22.0, round(math.sqrt(0.5), 4)]
    assert s == modes.summarize(a["runs"] + b["runs"])["grid"]["nsgan+pack2"]  # the same statistic as a 5-seed run
    assert s != modes.summarize(a["runs"])["grid"]["nsgan+pack2"]  # control: not the first part's summary
    assert [r["seed"] for r in pooled["runs"]] == [0, 1, 2, 3, 4] and pooled["runs"][3]["source"] == "b.json"
    assert (pooled["protocol"]["seeds"], pooled["protocol"]["seed_list"]) == (5, [0, 1, 2, 3, 4])
    assert [(x["cpu"], x["tensorflow"], x["note"]) for x in pooled["sources"]] == [
        ("AMD EPYC", "2.21.0", None), ("Intel Xeon", "2.22.0", "a later session")]
    assert "cpu" not in pooled["protocol"] and "note" not in pooled["protocol"]
    # a pooled result pools again, keeping its sources' facts; an option an older file lacks counts as its default
    old = result([5], "old CPU")
    old["protocol"].pop("jit_compile")
    with pytest.raises(modes.CombineError, match="jit_compile=False but a.json has True"):
        modes.combine([a, old], ["a.json", "old.json"])  # an old file without the key ran without XLA
    older = result([5], "old CPU")
    assert "drs" not in older["protocol"]  # and without DRS: drs=0 is the default, so it pools
    again = modes.combine([pooled, older], ["pooled.json", "older.json"])
    assert [x["cpu"] for x in again["sources"]] == ["AMD EPYC", "Intel Xeon", "old CPU"]
    assert again["protocol"]["seeds"] == 6 and again["runs"][0]["source"] == "a.json"
    with pytest.raises(modes.CombineError, match="seed 2 is in both a.json and c.json"):
        modes.combine([a, result([2, 3], "x")], ["a.json", "c.json"])
    with pytest.raises(modes.CombineError, match=r"d.json has steps=5000 but a.json has 20000.*--steps"):
        modes.combine([a, result([3], "x", steps=5000)], ["a.json", "d.json"])
    for bad in ({"benchmark": "quality", "seeds": []}, [1, 2], {"benchmark": "modes", "runs": []}):
        with pytest.raises(modes.CombineError, match="not a result of benchmarks/modes.py"):
            modes.combine([a, bad], ["a.json", "q.json"])
    with pytest.raises(modes.CombineError, match="lacks seed"):
        modes.combine([{**a, "runs": [{"mixture": "grid", "loss": "nsgan"}]}], ["a.json"])
    with pytest.raises(modes.CombineError, match="2 results but 1 sources"):
        modes.combine([a, b], ["a.json"])
    # the committed partial grid result summarizes to what it recorded (its DRS sweep included)
    partial = os.path.join(root, "benchmarks", "results",
                           "partial_modes_grid_nsgan-pack2-decay-ema-drs20000-sweep_20k_seeds0-2_2026-12-04_avx512.json")
    with open(partial, encoding="utf-8") as f:
        recorded = json.load(f)
    assert modes.combine([recorded], ["p.json"])["summary"] == recorded["summary"]
    # the command line: files in, the pooled JSON printed; bad input is argparse's error (exit 2)
    (tmp_path / "a.json").write_text(json.dumps(a))
    (tmp_path / "b.json").write_text(json.dumps(b))
    printed = modes.main(["--combine", str(tmp_path / "a.json"), str(tmp_path / "b.json")])
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(printed))
    assert printed["summary"] == pooled["summary"] and printed["combined_from"][0] == str(tmp_path / "a.json")
    (tmp_path / "bad.json").write_text("{not json")
    for argv, message in ((["--combine", str(tmp_path / "bad.json")], "bad.json: cannot read it"),
                          (["--combine", str(tmp_path / "a.json"), "--out", "x"], "--out would be ignored")):
        with pytest.raises(SystemExit) as e:
            modes.main(argv)
        assert e.value.code == 2 and message in capsys.readouterr().err


def test_toy_train_logs_progress_every_n_steps(capsys):
    from tfgan_zoo.analysis import toy

    toy.train("nsgan", "ring", steps=4, batch_size=20, seed=0, log_every=2)
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("step ")]
    # one line per 2 steps: steps 2 and 4 of 4, each with the rate (20 samples a step), the losses and the ETA
    assert [ln.split(" | ")[0] for ln in lines] == ["step 2/4 (50.0%)", "step 4/4 (100.0%)"]
    assert all("samples/s" in ln and "d_loss" in ln and "g_loss" in ln and "ETA" in ln for ln in lines)
    toy.train("nsgan", "ring", steps=2, batch_size=20, seed=0)  # control: the default prints none
    assert not [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("step ")]
    with pytest.raises(ValueError, match="log_every must be >= 0"):
        toy.train("nsgan", "ring", steps=2, log_every=-1)


# ---------------------------------------------------------------- packing (PacGAN)
def test_pack_against_a_reference():
    from tfgan_zoo.packing import pack, packed_shape

    v = np.arange(12, dtype="float32").reshape(6, 2)
    np.testing.assert_array_equal(pack(tf.constant(v), 3).numpy(), v.reshape(2, 6))  # rows concatenated
    img = np.random.default_rng(0).normal(size=(4, 5, 5, 3)).astype("float32")
    packed = pack(tf.constant(img), 2).numpy()
    assert packed.shape == (2, 5, 5, 6) and packed_shape((5, 5, 3), 2) == (5, 5, 6)
    for p in range(2):  # sample i of pack p is channels 3i..3i+2
        for i in range(2):
            np.testing.assert_array_equal(packed[p, ..., 3 * i:3 * i + 3], img[2 * p + i])
    np.testing.assert_array_equal(pack(tf.constant(img), 1).numpy(), img)
    with pytest.raises(ValueError, match="multiple of 4, got 6; choose --batch-size as a multiple of 4"):
        pack(tf.constant(v), 4)


def test_packed_gan_trains_and_checks_its_discriminator():
    from tfgan_zoo import models, nets
    from tfgan_zoo.analysis import toy

    g, d = nets.toy_pair(pack=2)
    assert d.input_shape == (None, 4)
    for penalty in ("none", "gp"):
        gan = models.build_gan("nsgan", g, d, latent_dim=2, seed=0, pack=2, penalty=penalty)
        gan.compile()
        hist = gan.fit(toy.dataset(toy.get("ring"), 20, seed=0), steps_per_epoch=3, epochs=1, verbose=0)
        assert np.isfinite(hist.history["d_loss"][-1])
        assert models.GAN.from_config(gan.get_config()).pack == 2
    with pytest.raises(ValueError, match=r"packs of 3: expected \(6,\)"):
        models.build_gan("nsgan", g, d, latent_dim=2, pack=3)
    with pytest.raises(ValueError, match="expects"):  # control: an unpacked GAN refuses the packed D too
        models.build_gan("nsgan", g, d, latent_dim=2)
    with pytest.raises(ValueError, match="Packing .* is for unconditional GANs"):
        gen, disc = nets.build("mlp", (8, 8, 1), 4, conditional="acgan", num_classes=3)
        models.build_gan("nsgan", gen, disc, pack=2, conditional="acgan", num_classes=3)


def test_every_path_into_the_discriminator_assembles_its_inputs_in_one_place(monkeypatch):
    """The step's D calls, feature matching, the packed penalty and the MMD critic all build D's inputs with
    ``GAN._d_inputs`` (augment -> pack -> progressive bits -> labels, written once): replacing it changes every
    path. Control: before the replacement each path returns a finite value."""
    from tfgan_zoo import models, nets

    g, d = nets.toy_pair(pack=2)
    gan = models.build_gan("nsgan", g, d, latent_dim=2, seed=0, pack=2, penalty="gp", feature_matching="add")
    mg, md = nets.toy_pair()
    mmd = models.build_gan("mmd", mg, md, latent_dim=2, seed=0)
    x = tf.constant(np.random.default_rng(0).normal(size=(8, 2)), tf.float32)
    y = tf.constant(np.random.default_rng(1).normal(size=(8, 2)), tf.float32)
    paths = {
        "step": lambda: gan._discriminate(x, None)[0],
        "feature matching": lambda: gan.feature_matching_loss(x, None, y, None),
        "packed penalty": lambda: gan.discriminator_regularizer(x, y),
        "MMD critic": lambda: mmd._discriminate(x, None)[0],
    }
    for name, call in paths.items():  # control
        assert np.all(np.isfinite(np.asarray(call()))), name

    class Assembled(Exception):
        pass

    def replaced(self, x, cond, training=True):
        raise Assembled

    monkeypatch.setattr(models.GAN, "_d_inputs", replaced)
    for name, call in paths.items():
        with pytest.raises(Assembled):
            call()
