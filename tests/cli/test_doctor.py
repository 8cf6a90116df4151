"""`ember doctor`: runs a PyTorch script unchanged, with its output and exit status, and reports each
finding (id, file:line, what, evidence, fix) on stderr as soon as it is certain, then a summary.
The findings themselves are tested one by one in tests/doctor/."""
import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

import torch

BUGGY = """\
import json, sys
import torch
import torch.nn as nn
print(json.dumps(sys.argv), flush=True)
torch.manual_seed(0)
X = torch.randn(64, 4)
y = (X[:, 0] > 0).long()
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.CrossEntropyLoss()
for step in range(5):
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
    print("step", step, flush=True)
"""
FIXED = BUGGY.replace("    loss.backward()\n", "    optimizer.zero_grad()\n    loss.backward()\n")


def write(path, source):
    path.write_text(textwrap.dedent(source))
    return path


def merged(tmp_path, *args):
    """Run `ember doctor args...` with stderr merged into stdout, to see the order of what it prints."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "ember", "doctor", *args], cwd=tmp_path, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=180)


def test_a_finding_is_printed_when_certain_with_file_line_evidence_and_fix(tmp_path):
    write(tmp_path / "train.py", BUGGY)
    result = merged(tmp_path, "train.py", "--lr", "3")
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert json.loads(lines[0]) == ["train.py", "--lr", "3"]
    # the gradient the first step applied is summed with the second batch's at the second step
    header = lines.index("ember doctor: [no-zero-grad] at train.py:13")
    assert lines[header - 1] == "step 0" and lines[header + 4] == "step 1"
    assert [line.split(":")[0] for line in lines[header + 1:header + 4]] == ["  what", "  evidence", "  fix"]
    assert "zero_grad()" in lines[header + 3]
    assert lines[-2:] == ["ember doctor: 1 finding",
                          "  no-zero-grad  train.py:13  " + lines[header + 2].split(":", 1)[1].strip()]


def test_a_correct_script_gets_no_finding_and_its_normal_output(ember, tmp_path):
    write(tmp_path / "train.py", FIXED)
    doctored, plain = ember("doctor", "train.py"), ember("run", "train.py")
    assert doctored.returncode == plain.returncode == 0
    assert doctored.stdout == plain.stdout
    assert doctored.stderr == "ember doctor: no findings (5 backward passes and 5 optimizer steps watched)\n"


def test_the_script_fails_as_under_ember_run_and_the_summary_still_comes(ember, tmp_path):
    write(tmp_path / "train.py", BUGGY + "raise SystemExit(3)\n")
    assert ember("doctor", "train.py").returncode == 3
    write(tmp_path / "train.py", BUGGY + "print(undefined)\n")
    result = ember("doctor", "train.py")
    assert result.returncode == 1
    assert "NameError: name 'undefined' is not defined" in result.stderr
    assert result.stderr.rstrip().splitlines()[-2] == "ember doctor: 1 finding"


def test_graph_draws_the_first_loss(ember, tmp_path):
    write(tmp_path / "train.py", FIXED)
    result = ember("doctor", "--graph", "loss.svg", "train.py")
    assert result.returncode == 0, result.stderr
    svg = ET.parse(tmp_path / "loss.svg").getroot()
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    loss = torch.nn.CrossEntropyLoss()(model(torch.randn(64, 4)), torch.zeros(64, dtype=torch.long))
    assert loss.grad_fn.name() in texts and loss.grad_fn.next_functions[0][0].name() in texts
    for name, p in model.named_parameters():  # the parameters by their names in the model, with shapes
        assert texts[texts.index(name) + 1] == str(tuple(p.shape)).replace(",)", ")")


def test_usage(ember, tmp_path):
    result = ember("doctor", "--help")
    assert result.returncode == 0 and "usage: ember doctor" in result.stdout
    assert "no-zero-grad" in result.stdout and "double-softmax" in result.stdout
    assert ember("doctor").returncode == 2
    assert "ember doctor" in ember("--help").stdout
