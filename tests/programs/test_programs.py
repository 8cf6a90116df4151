"""Every program of the corpus runs under PyTorch and under `ember run`, and the two agree."""
import math
from pathlib import Path

import pytest

NAMES = sorted(p.stem for p in Path(__file__).parent.glob("*.py")
               if not p.name.startswith(("test_", "conftest", "_")))


@pytest.mark.parametrize("name", NAMES)
def test_program_runs_as_under_pytorch(name, corpus, corpus_data, tmp_path):
    (tmp_path / "torch").mkdir()
    (tmp_path / "ember").mkdir()
    theirs, _ = corpus.run_program(name, "torch", tmp_path / "torch", corpus_data)
    assert theirs.returncode == 0, f"{name} fails under PyTorch itself:\n{theirs.stderr[-3000:]}"
    ours, _ = corpus.run_program(name, "ember", tmp_path / "ember", corpus_data)
    assert ours.returncode == 0, f"{name} fails under Ember:\n{ours.stderr[-3000:]}"
    assert corpus.skeleton(ours.stdout) == corpus.skeleton(theirs.stdout)
    spec, mine, ref = corpus.header(name), corpus.final_metrics(ours.stdout), corpus.final_metrics(theirs.stdout)
    assert mine.keys() == ref.keys()
    for key, tol in spec["tolerance"].items():
        assert math.isfinite(mine[key]) and abs(mine[key] - ref[key]) <= tol, (key, mine[key], ref[key])
    for key, op, bound in spec["expect"]:
        for who, metrics in (("ember", mine), ("torch", ref)):
            value = metrics[key]
            assert (value >= bound if op == ">=" else value <= bound), f"{who}: {key}={value}, expected {op}{bound}"
