"""One run lifecycle: the configuration is validated once and the run folder locked once, whichever kind of run
and whether the command line or the Python API starts it (tfgan_zoo.lifecycle, tfgan_zoo.runfolder)."""

from __future__ import annotations

import pytest

from tfgan_zoo import config, lifecycle, runlock, training
from tfgan_zoo.cli import train as cli


@pytest.fixture
def counted(monkeypatch):
    """Count every validation and every lock, and stop each run before it opens data (``lifecycle._run``)."""
    calls = {"validate": 0, "lock": 0, "runs": 0}
    for cls in (config.TrainConfig, config.TranslationConfig):
        original = cls.validate

        def validate(self, _original=original):
            calls["validate"] += 1
            return _original(self)

        monkeypatch.setattr(cls, "validate", validate)
    acquire = runlock.acquire

    def lock(folder):
        calls["lock"] += 1
        return acquire(folder)

    monkeypatch.setattr(runlock, "acquire", lock)

    def stub_run(trainer, *args, **kwargs):
        calls["runs"] += 1
        calls["trainer"] = type(trainer).__name__
        return {}

    monkeypatch.setattr(lifecycle, "_run", stub_run)
    return calls


@pytest.mark.parametrize("argv,trainer", [
    (["--arch", "mlp", "--epochs", "1"], "GANTrainer"),
    (["--model", "pix2pix", "--epochs", "1"], "TranslationTrainer"),
    (["--model", "cyclegan", "--epochs", "1"], "TranslationTrainer"),
])
def test_the_command_line_validates_and_locks_once(argv, trainer, counted, tmp_path, capsys):
    assert cli.main([*argv, "--out", str(tmp_path / "run")]) == 0
    assert counted == {"validate": 1, "lock": 1, "runs": 1, "trainer": trainer}


@pytest.mark.parametrize("cfg", [config.TrainConfig(arch="mlp"), config.TranslationConfig(model="pix2pix")])
def test_the_python_api_validates_and_locks_once_and_trusts_a_claim(cfg, counted, tmp_path):
    from tfgan_zoo.runfolder import claim

    cfg.out = str(tmp_path / "api")
    training.run(cfg)
    assert (counted["validate"], counted["lock"], counted["runs"]) == (1, 1, 1)
    with claim(cfg) as held:  # the command line's way: claimed first, then trusted
        training.run(held)
        assert held.lock.held  # the run left the claim to its maker (another process would be refused now)
    assert not held.lock.held
    assert (counted["validate"], counted["lock"], counted["runs"]) == (2, 2, 2)  # the claim's own, none in run()


def test_a_bad_setting_is_refused_before_any_lock(counted, tmp_path, capsys):
    assert cli.main(["--model", "pix2pix", "--loss", "mmd", "--out", str(tmp_path / "x")]) == 2
    assert "has a feature-map critic" in capsys.readouterr().err
    assert counted["lock"] == 0 and counted["runs"] == 0 and not (tmp_path / "x").exists()


def test_training_run_takes_only_run_configs():
    with pytest.raises(TypeError, match="TrainConfig or a TranslationConfig"):
        training.trainer_for(object())
