"""benchmarks/upsample_step.py: one tiny round of each upsampling, timed against the transposed convolutions."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))

import upsample_step  # noqa: E402


def test_each_upsampling_is_timed_against_transpose(capsys):
    r = upsample_step.main(["--batch-size", "4", "--rounds", "2", "--steps", "1", "--warmup", "1"])
    assert set(r["ms_per_step_median"]) == set(upsample_step.UPSAMPLINGS)
    assert all(len(v) == 2 and all(t > 0 for t in v) for v in r["rounds_ms"].values())
    assert r["ratio_to_transpose"]["transpose"] == 1.0
    # the ratios are the medians' ratios: each ratio is rounded to 3 decimals (0.0005) and each printed median to
    # 0.01 ms, i.e. at most 1% of a step of 1 ms or more, so the two agree within 0.0005 + 1% of the ratio
    med = r["ms_per_step_median"]
    for k in upsample_step.UPSAMPLINGS:
        assert abs(r["ratio_to_transpose"][k] - med[k] / med["transpose"]) <= 0.0005 + 0.01 * med[k] / med["transpose"]
    assert "cpu" in r["machine"] and r["batch_size"] == 4
    assert '"benchmark": "upsample_step"' in capsys.readouterr().out
