"""ember doctor: each finding on a minimal buggy script (its id at its file:line) and none on the
corrected twin. The scripts run in this process under a Doctor (`import ember as torch`); the
command itself is tested end to end in tests/cli/test_doctor.py."""
import io
import runpy
import textwrap

import pytest
import torch

import ember
from ember.doctor import CATALOGUE, Doctor

PRELUDE = """\
import ember as torch
import ember.nn as nn
import ember.nn.functional as F
torch.manual_seed(0)
X = torch.randn(64, 4)
y = (X[:, 0] > 0).long()
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.CrossEntropyLoss()
"""
MARK = "#!"  # marks the line the finding must name; the twin has no marked line

# id -> (buggy script after PRELUDE, the fixes that make its corrected twin: (text, replacement) pairs)
CASES = {
    "no-zero-grad": ("""
        for step in range(5):
            loss = loss_fn(model(X), y)
            loss.backward()  #!
            opt.step()
        """, [("    loss.backward()", "    opt.zero_grad()\n    loss.backward()")]),
    "zero-grad-after-backward": ("""
        for step in range(5):
            loss = loss_fn(model(X), y)
            loss.backward()
            opt.zero_grad()  #!
            opt.step()
        """, [("    loss.backward()\n    opt.zero_grad()", "    opt.zero_grad()\n    loss.backward()")]),
    "no-step": ("""
        opt = torch.optim.Adam(model.parameters())  #!
        for step in range(5):
            opt.zero_grad()
            loss_fn(model(X), y).backward()
        """, [(".backward()", ".backward()\n    opt.step()")]),
    "detached-loss": ("""
        for step in range(3):
            opt.zero_grad()
            loss = torch.tensor(loss_fn(model(X), y).item(), requires_grad=True)
            loss.backward()  #!
            opt.step()
        """, [("torch.tensor(loss_fn(model(X), y).item(), requires_grad=True)", "loss_fn(model(X), y)")]),
    "frozen-params-in-optimizer": ("""
        for p in model[0].parameters():
            p.requires_grad = False
        opt = torch.optim.SGD(model.parameters(), lr=0.1)  #!
        for step in range(3):
            opt.zero_grad()
            loss_fn(model(X), y).backward()
            opt.step()
        """, [("SGD(model.parameters()", "SGD([p for p in model.parameters() if p.requires_grad]")]),
    "optimizer-in-loop": ("""
        for step in range(4):
            opt = torch.optim.Adam(model.parameters(), lr=0.01)  #!
            opt.zero_grad()
            loss_fn(model(X), y).backward()
            opt.step()
        """, [("for step in range(4):\n    opt = torch.optim.Adam(model.parameters(), lr=0.01)",
               "opt = torch.optim.Adam(model.parameters(), lr=0.01)\nfor step in range(4):")]),
    "lr-schedule-before-step": ("""
        schedule = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        for epoch in range(3):
            schedule.step()  #!
            opt.zero_grad()
            loss_fn(model(X), y).backward()
            opt.step()
        """, [("    schedule.step()  #!\n", ""), ("    opt.step()", "    opt.step()\n    schedule.step()")]),
    "diverging-loss": ("""
        target = X.sum(1, keepdim=True) * 10
        net = nn.Linear(4, 1)
        opt = torch.optim.SGD(net.parameters(), lr=5.0)
        for step in range(30):
            opt.zero_grad()
            loss = F.mse_loss(net(X), target)
            loss.backward()  #!
            opt.step()
        """, [("lr=5.0", "lr=0.05")]),
    "loss-graph-kept": ("""
        total = 0
        for step in range(8):
            opt.zero_grad()
            loss = loss_fn(model(X), y)
            loss.backward()  #!
            opt.step()
            total += loss
        print(float(total))
        """, [("total += loss", "total += loss.item()")]),
    "double-softmax": ("""
        for step in range(3):
            opt.zero_grad()
            loss = loss_fn(F.softmax(model(X), dim=1), y)  #!
            loss.backward()
            opt.step()
        """, [("F.softmax(model(X), dim=1)", "model(X)")]),
    "nll-without-log-softmax": ("""
        for step in range(3):
            opt.zero_grad()
            loss = F.nll_loss(model(X), y)  #!
            loss.backward()
            opt.step()
        """, [("F.nll_loss(model(X), y)", "F.nll_loss(F.log_softmax(model(X), dim=1), y)")]),
    "sigmoid-bce": ("""
        net = nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())
        net[0].bias.data.fill_(30.0)  # a confident start: every prediction rounds to 1.0
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        for step in range(8):
            opt.zero_grad()
            loss = nn.BCELoss()(net(X), y.float().unsqueeze(1))  #!
            loss.backward()
            opt.step()
        """, [("nn.Sequential(nn.Linear(4, 1), nn.Sigmoid())", "nn.Linear(4, 1)"), ("net[0]", "net"),
              ("BCELoss", "BCEWithLogitsLoss")]),
    "target-broadcast": ("""
        net = nn.Linear(4, 1)
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        for step in range(3):
            opt.zero_grad()
            loss = F.mse_loss(net(X), X.sum(1))  #!
            loss.backward()
            opt.step()
        """, [("X.sum(1)", "X.sum(1, keepdim=True)")]),
    "labels-out-of-range": ("""
        labels = y + 1  # classes counted from 1
        try:
            loss = loss_fn(model(X), labels)  #!
        except IndexError as e:
            print(e)
        """, [("labels = y + 1", "labels = y")]),
    "eval-mode-missing": ("""
        model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 2))
        with torch.no_grad():
            accuracy = (model(X).argmax(1) == y).float().mean()  #!
        """, [("with torch.no_grad():", "model.eval()\nwith torch.no_grad():")]),
    "train-mode-missing": ("""
        model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 2))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(2):
            for step in range(2):
                opt.zero_grad()
                loss = loss_fn(model(X), y)  #!
                loss.backward()
                opt.step()
            model.eval()
            with torch.no_grad():
                accuracy = (model(X).argmax(1) == y).float().mean()
        """, [("for epoch in range(2):", "for epoch in range(2):\n    model.train()")]),
    "eval-without-no-grad": ("""
        model.eval()
        correct = 0
        for i in range(0, 64, 8):
            out = model(X[i:i + 8])  #!
            correct += (out.argmax(1) == y[i:i + 8]).sum().item()
        """, [("for i in range(0, 64, 8):", "with torch.no_grad():\n  for i in range(0, 64, 8):")]),
    "functional-dropout-in-eval": ("""
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1, self.fc2 = nn.Linear(4, 16), nn.Linear(16, 2)

            def forward(self, x):
                return self.fc2(F.dropout(F.relu(self.fc1(x)), 0.5))  #!
        net = Net()
        net.eval()
        with torch.no_grad():
            prediction = net(X).argmax(1)
        """, [(", 0.5)", ", 0.5, training=self.training)")]),
    "unshuffled-train": ("""
        from ember.utils.data import DataLoader, TensorDataset
        order = y.argsort()  # the data as often stored: sorted by class
        loader = DataLoader(TensorDataset(X[order], y[order]), batch_size=8)
        for xb, yb in loader:  #!
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
        """, [("batch_size=8)", "batch_size=8, shuffle=True)")]),
    "train-on-test-split": ("""
        import ember.demo, ember.vision as torchvision
        from ember.utils.data import DataLoader
        data = torchvision.datasets.MNIST(ember.demo.SAMPLE, train=False, transform=torchvision.transforms.ToTensor())
        net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        for i, (xb, yb) in enumerate(DataLoader(data, batch_size=32, shuffle=True)):  #!
            opt.zero_grad()
            loss_fn(net(xb), yb).backward()
            opt.step()
            if i == 3:
                break
        """, [("train=False", "train=True")]),
    "unnormalized-input": ("""
        images = torch.randint(0, 256, (64, 1, 8, 8)).float()  # pixel bytes, never divided by 255
        net = nn.Sequential(nn.Flatten(), nn.Linear(64, 2))
        opt = torch.optim.SGD(net.parameters(), lr=0.01)
        for step in range(3):
            opt.zero_grad()
            loss = loss_fn(net(images), y)  #!
            loss.backward()
            opt.step()
        """, [(".float()", ".float() / 255")]),
}


def twin(finding_id):
    """The corrected twin of a case: its buggy script with the fixes applied (each must apply)."""
    source, fixes = CASES[finding_id]
    source = textwrap.dedent(source)
    for old, new in fixes:
        assert old in source, (finding_id, old)
        source = source.replace(old, new)
    return source.replace("  " + MARK, "")


# further ways into the same finding: id -> buggy script after PRELUDE
VARIANTS = [
    ("double-softmax", """
        loss = F.nll_loss(F.softmax(model(X), dim=1), y)  #!
        loss.backward()
        """),
    ("double-softmax", """
        loss_fn(F.log_softmax(model(X), dim=1), y).backward()  #!
        """),
    ("eval-mode-missing", """
        model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 2))
        correct = 0
        for i in range(0, 64, 16):  # neither model.eval() nor no_grad
            correct += (model(X[i:i + 16]).argmax(1) == y[i:i + 16]).sum().item()  #!
        """),
    ("eval-mode-missing", """
        model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 2))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(2):
            for step in range(2):
                opt.zero_grad()
                loss_fn(model(X), y).backward()
                opt.step()
            with torch.no_grad():
                for i in range(0, 64, 32):
                    correct = (model(X[i:i + 32]).argmax(1) == y[i:i + 32]).sum()  #!
        """),
    ("labels-out-of-range", """
        net = nn.Linear(4, 1)
        mask = (y * 255).float().unsqueeze(1)  # a mask saved as 0/255
        loss = F.binary_cross_entropy_with_logits(net(X), mask)  #!
        """),
    ("detached-loss", """
        for step in range(3):
            opt.zero_grad()
            out = model(X).detach().requires_grad_()
            loss = loss_fn(out, y)
            loss.backward()  #!
            opt.step()
        """),
    ("no-zero-grad", """
        for step in range(4):
            opt.zero_grad()
            for half in (X[:32], X[32:]):  # gradient accumulation over two halves is fine...
                loss_fn(model(half), y[:32]).backward()
            opt.step()
        model.zero_grad(set_to_none=False)
        for step in range(2):
            loss_fn(model(X), y).backward()  #!
            opt.step()
        """),
]


def doctor_run(tmp_path, body):
    """Run PRELUDE + body under a Doctor; returns (findings, the script's path, the marked line or None)."""
    source = PRELUDE + textwrap.dedent(body)
    path = tmp_path / "script.py"
    path.write_text(source)
    marked = [i for i, line in enumerate(source.splitlines(), 1) if line.rstrip().endswith(MARK)]
    doctor = Doctor(out=io.StringIO()).install()
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        doctor.uninstall()
        doctor.finish()
    assert "internal error" not in doctor.out.getvalue(), doctor.out.getvalue()
    return doctor.findings, str(path), marked[0] if marked else None


@pytest.mark.filterwarnings("ignore::UserWarning")  # Ember's own warnings about some of these mistakes
@pytest.mark.parametrize("finding_id", list(CASES))
def test_buggy_script_gets_the_finding_at_its_line(tmp_path, finding_id):
    findings, path, line = doctor_run(tmp_path, CASES[finding_id][0])
    assert (finding_id, path, line) in [(f.id, f.filename, f.lineno) for f in findings], findings
    found = next(f for f in findings if f.id == finding_id)
    assert found.evidence and found.what == CATALOGUE[finding_id][0] and found.fix == CATALOGUE[finding_id][1]


@pytest.mark.parametrize("finding_id", list(CASES))
def test_corrected_twin_gets_no_finding(tmp_path, finding_id):
    findings, _, _ = doctor_run(tmp_path, twin(finding_id))
    assert findings == []


@pytest.mark.parametrize("finding_id, body", VARIANTS)
def test_variants(tmp_path, finding_id, body):
    findings, path, line = doctor_run(tmp_path, body)
    assert (finding_id, path, line) in [(f.id, f.filename, f.lineno) for f in findings], findings


# correct programs in the shapes that come near a finding: none may get one
CORRECT = {
    "gan": """
        G = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 4))
        D = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 1))
        opt_g, opt_d = torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters())
        for step in range(4):
            with torch.no_grad():  # fakes for the discriminator, the generator in training mode
                fake = G(torch.randn(16, 4))
            D.zero_grad()
            loss_d = F.softplus(-D(X[:16])).mean() + F.softplus(D(fake)).mean()
            loss_d.backward()
            opt_d.step()
            G.zero_grad()
            loss_g = F.softplus(-D(G(torch.randn(16, 4)))).mean()  # also adds into D's gradients
            loss_g.backward()
            opt_g.step()
        """,
    "gradient accumulation and clipping": """
        for step in range(4):
            for half in (slice(0, 32), slice(32, 64)):
                (loss_fn(model(X[half]), y[half]) / 2).backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=False)
        """,
    "lbfgs": """
        opt = torch.optim.LBFGS(model.parameters(), max_iter=4)
        def closure():
            opt.zero_grad()
            loss = loss_fn(model(X), y)
            loss.backward()
            return loss
        for step in range(3):
            opt.step(closure)
        """,
    "truncated backpropagation through time": """
        rnn, head = nn.GRU(4, 8, batch_first=True), nn.Linear(8, 2)
        opt = torch.optim.SGD(list(rnn.parameters()) + list(head.parameters()), lr=0.1)
        h = None
        for step in range(6):
            out, h = rnn(X[:8].view(2, 4, 4), h)
            h = h.detach()
            loss = loss_fn(head(out).reshape(-1, 2), y[:8])
            opt.zero_grad()
            loss.backward()
            opt.step()
        """,
    "a schedule per batch, manual zeroing, retained graph": """
        schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=10)
        for step in range(5):
            out = model(X)
            loss_fn(out, y).backward(retain_graph=True)
            out.pow(2).mean().backward()
            opt.step()
            schedule.step()
            for p in model.parameters():
                p.grad.zero_()
        """,
    "fine-tuning a frozen backbone, evaluated properly": """
        model = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
        for p in model[0].parameters():
            p.requires_grad_(False)
        opt = torch.optim.SGD((p for p in model.parameters() if p.requires_grad), lr=0.1, momentum=0.9)
        for epoch in range(2):
            model.train()
            for i in range(0, 64, 16):
                opt.zero_grad()
                loss_fn(model(X[i:i + 16]), y[i:i + 16]).backward()
                opt.step()
            model.eval()
            with torch.no_grad():
                for i in range(0, 64, 16):
                    correct = (model(X[i:i + 16]).argmax(1) == y[i:i + 16]).sum()
        print(model(X[:1]))  # one look at an output with grad on is no waste worth a finding
        """,
    "losses kept as numbers, probabilities for a report": """
        history = []
        for step in range(6):
            opt.zero_grad()
            out = model(X)
            loss = F.cross_entropy(out, y, label_smoothing=0.1)
            loss.backward()
            opt.step()
            history.append(loss.item())
            confidence = F.softmax(out.detach(), dim=1).max(1).values.mean()
        """,
}


@pytest.mark.parametrize("name", list(CORRECT))
def test_correct_programs_get_no_finding(tmp_path, name):
    findings, _, _ = doctor_run(tmp_path, CORRECT[name])
    assert findings == []


def test_every_catalogued_id_has_a_case():
    assert set(CASES) == set(CATALOGUE)


def test_the_doctor_leaves_no_patch_behind(tmp_path):
    """After a doctored run, Ember's classes and functions are Ember's own again."""
    import ember.autograd.graph as graph
    import ember.utils.data as data
    import ember.nn.functional as F

    def patched():
        return (ember.nn.Module.__call__, ember.Tensor.backward, ember.optim.Optimizer.zero_grad, F.cross_entropy,
                F.dropout, graph._accumulate, data.DataLoader.__iter__, ember.optim.lr_scheduler.StepLR.step,
                ember.optim.lr_scheduler.LRScheduler.step)
    before = patched()
    doctor_run(tmp_path, CASES["no-zero-grad"][0])
    after = patched()
    assert before == after
    from ember.optim import optimizer
    assert optimizer._global_step_pre_hooks == [] and optimizer._global_step_post_hooks == []


def test_labels_out_of_range_is_the_error_pytorch_raises(tmp_path):
    """The doctor only names the mistake; the error stays PyTorch's."""
    with pytest.raises(IndexError):
        torch.nn.CrossEntropyLoss()(torch.zeros(2, 2), torch.tensor([1, 2]))
    with pytest.raises(IndexError):
        ember.nn.CrossEntropyLoss()(ember.zeros(2, 2), ember.tensor([1, 2]))
