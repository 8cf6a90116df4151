"""README.md: its example runs on Ember as on PyTorch, and its test command is what CI runs."""
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def run(source, cwd):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # pytest -n 2 keeps both cores busy already
    result = subprocess.run([sys.executable, "-c", source], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_first_program_runs_on_ember_and_on_pytorch(tmp_path):
    source = blocks("python")[0]
    assert source.startswith("import ember as torch\nfrom ember import nn\n")
    ours = run(source, tmp_path)
    theirs = run(source.replace("import ember as torch", "import torch").replace("from ember import", "from torch import"),
                 tmp_path)
    assert ours[:-1] == theirs[:-1]  # print(model)
    for lines in (ours, theirs):
        assert float(re.search(r"accuracy ([\d.]+)%", lines[-1])[1]) >= 90


def test_setup_commands_are_the_ones_ci_runs():
    demo, tests = [b.strip() for b in blocks("bash")[:2]]
    assert demo == "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && ember demo"
    assert tests == 'python3 -m venv .venv && . .venv/bin/activate && pip install -e ".[test]" && python -m pytest -n 2'
    ci = (ROOT / ".ci" / "run").read_text()
    for step in ("python3 -m venv .venv", ". .venv/bin/activate", 'pip install -q -e ".[test]"', "python -m pytest -n 2"):
        assert step in ci
