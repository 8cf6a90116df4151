"""Runs the compatibility corpus (tests/programs/) under PyTorch and under `ember run` and prints
the table: program, PyTorch's final metrics, Ember's, whether they agree, and the time ratio.

    python tools/corpus_table.py [name ...]          # all programs when no name is given
    CORPUS_FULL=1 python tools/corpus_table.py       # the programs' full settings where they have them
"""
import importlib.util
import math
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "tests" / "programs"
sys.path.insert(0, str(ROOT))  # the harness imports tests.examples.conftest
spec = importlib.util.spec_from_file_location("corpus", HERE / "conftest.py")
corpus = importlib.util.module_from_spec(spec)
spec.loader.exec_module(corpus)


def verdict(name, ours, theirs):
    """'yes' or what disagrees, by the same rules as tests/programs/test_programs.py."""
    if theirs.returncode:
        return "PyTorch fails"
    if ours.returncode:
        return "fails: " + (ours.stderr.strip().splitlines() or ["?"])[-1][:90]
    if corpus.skeleton(ours.stdout) != corpus.skeleton(theirs.stdout):
        return "printed text differs"
    spec, mine, ref = corpus.header(name), corpus.final_metrics(ours.stdout), corpus.final_metrics(theirs.stdout)
    for key, tol in spec["tolerance"].items():
        if not (math.isfinite(mine.get(key, math.nan)) and abs(mine[key] - ref[key]) <= tol):
            return f"{key} off by more than {tol}"
    return "yes"


def main(names):
    with tempfile.TemporaryDirectory() as tmp:
        data = corpus.write_mnist(Path(tmp) / "data")
        print("| program | PyTorch | Ember | agree | time Ember/PyTorch |")
        print("|---|---|---|---|---|")
        for name in names or corpus.program_names():
            runs = {}
            for framework in ("torch", "ember"):
                cwd = Path(tmp) / f"{name}-{framework}"
                cwd.mkdir()
                runs[framework] = corpus.run_program(name, framework, cwd, data)
            (theirs, t_torch), (ours, t_ember) = runs["torch"], runs["ember"]

            def metrics(result):
                line = [x for x in result.stdout.splitlines() if x.startswith("final ")]
                return line[-1][6:] if line and not result.returncode else "—"
            ratio = f"{t_ember / t_torch:.2f}" if not ours.returncode else "—"
            print(f"| {name} | {metrics(theirs)} | {metrics(ours)} | {verdict(name, ours, theirs)} | {ratio} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
