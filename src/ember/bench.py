"""The seeds' training workloads, written once against the PyTorch API (`ember bench`).

Run with real PyTorch or with any module that claims its API:
    ember bench --framework torch  [--workload all]
    ember bench --compare ember,torch [--rounds 3]      (or: python benchmarks/seed_workloads.py ...)
--framework times one framework in this process; --compare times each (workload, framework)
in its own process, interleaved, and prints seconds per step, peak RSS and the ratios
against the last framework named.
Data is random with the seeds' shapes: timing does not depend on content.
"""
import argparse, importlib, time, statistics, sys, json, os

def load(framework):
    torch = importlib.import_module(framework)
    nn = importlib.import_module(framework + ".nn")
    F = importlib.import_module(framework + ".nn.functional")
    optim = importlib.import_module(framework + ".optim")
    data = importlib.import_module(framework + ".utils.data")
    return torch, nn, F, optim, data

def pima_mlp(torch, nn, F, optim, data, steps):
    # seed 000, lessons 2-3: 8-12-8-1 MLP, BCELoss, Adam 1e-3, batch 10, manual slicing
    X = torch.rand(768, 8); y = (torch.rand(768, 1) > 0.5).float()
    model = nn.Sequential(nn.Linear(8, 12), nn.ReLU(), nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
    loss_fn = nn.BCELoss(); opt = optim.Adam(model.parameters(), lr=0.001)
    def run(n):
        i = 0
        for _ in range(n):
            Xb = X[i:i+10]; yb = y[i:i+10]; i = (i + 10) % 760
            loss = loss_fn(model(Xb), yb)
            opt.zero_grad(); loss.backward(); opt.step()
    return run

def mnist_mlp(torch, nn, F, optim, data, steps):
    # seed 002: 784-256-128-64-32-10 with sigmoid, CrossEntropyLoss, Adam 1e-3, batch 64, DataLoader
    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.hidden1 = nn.Linear(28*28, 256); self.hidden2 = nn.Linear(256, 128)
            self.hidden3 = nn.Linear(128, 64); self.hidden4 = nn.Linear(64, 32); self.out = nn.Linear(32, 10)
        def forward(self, x):
            x = self.flatten(x)
            x = torch.sigmoid(self.hidden1(x)); x = torch.sigmoid(self.hidden2(x))
            x = torch.sigmoid(self.hidden3(x)); x = torch.sigmoid(self.hidden4(x))
            return self.out(x)
    ds = data.TensorDataset(torch.rand(64 * 200, 1, 28, 28), torch.randint(0, 10, (64 * 200,)))
    loader = data.DataLoader(ds, batch_size=64, shuffle=True)
    model = NeuralNetwork(); loss_fn = nn.CrossEntropyLoss(); opt = optim.Adam(model.parameters(), lr=0.001)
    def run(n):
        k = 0
        while k < n:
            for x, t in loader:
                loss = loss_fn(model(x), t); opt.zero_grad(); loss.backward(); opt.step()
                k += 1
                if k >= n: break
    return run

def mnist_cnn(torch, nn, F, optim, data, steps):
    # seed 001: ConvNet (conv16, conv32, dropout2d, fc 4608-64-10, log_softmax), Adadelta lr .5, batch 32, nll_loss
    class ConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.cn1 = nn.Conv2d(1, 16, 3, 1); self.cn2 = nn.Conv2d(16, 32, 3, 1)
            self.dp1 = nn.Dropout2d(0.10); self.dp2 = nn.Dropout2d(0.25)
            self.fc1 = nn.Linear(4608, 64); self.fc2 = nn.Linear(64, 10)
        def forward(self, x):
            x = F.relu(self.cn1(x)); x = F.relu(self.cn2(x)); x = F.max_pool2d(x, 2); x = self.dp1(x)
            x = torch.flatten(x, 1); x = F.relu(self.fc1(x)); x = self.dp2(x)
            return F.log_softmax(self.fc2(x), dim=1)
    X = torch.randn(32 * 50, 1, 28, 28); y = torch.randint(0, 10, (32 * 50,))
    model = ConvNet(); opt = optim.Adadelta(model.parameters(), lr=0.5)
    def run(n):
        model.train()
        for s in range(n):
            j = (s % 50) * 32
            opt.zero_grad(); loss = F.nll_loss(model(X[j:j+32]), y[j:j+32]); loss.backward(); opt.step()
    return run

def cifar_cnn(torch, nn, F, optim, data, steps):
    # seed 000, lessons 7-8: conv32-conv32-maxpool-fc8192-512-10, CrossEntropy, SGD lr 1e-3 momentum .9, batch 24
    model = nn.Sequential(
        nn.Conv2d(3, 32, kernel_size=(3, 3), stride=1, padding=1), nn.ReLU(), nn.Dropout(0.3),
        nn.Conv2d(32, 32, kernel_size=(3, 3), stride=1, padding=1), nn.ReLU(), nn.MaxPool2d(kernel_size=(2, 2)),
        nn.Flatten(), nn.Linear(8192, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10))
    X = torch.randn(24 * 20, 3, 32, 32); y = torch.randint(0, 10, (24 * 20,))
    loss_fn = nn.CrossEntropyLoss(); opt = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    def run(n):
        model.train()
        for s in range(n):
            j = (s % 20) * 24
            loss = loss_fn(model(X[j:j+24]), y[j:j+24]); opt.zero_grad(); loss.backward(); opt.step()
    return run

def cnn_infer(torch, nn, F, optim, data, steps):
    # seed 000, lesson 8 evaluation: the CIFAR CNN in eval mode under no_grad, batch 500
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3, 1, 1), nn.ReLU(), nn.Dropout(0.3), nn.Conv2d(32, 32, 3, 1, 1), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8192, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10))
    X = torch.randn(500, 3, 32, 32)
    model.eval()
    def run(n):
        with torch.no_grad():
            for _ in range(n): model(X).argmax(1)
    return run

WORKLOADS = {"pima_mlp": (pima_mlp, 400), "mnist_mlp": (mnist_mlp, 150), "mnist_cnn": (mnist_cnn, 40),
             "cifar_cnn": (cifar_cnn, 15), "cnn_infer": (cnn_infer, 4)}

def measure(framework, name, repeats):
    mods = load(framework)
    mods[0].manual_seed(0)
    fn, steps = WORKLOADS[name]
    run = fn(*mods, steps)
    run(max(1, steps // 10))  # warm up
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); run(steps); ts.append((time.perf_counter() - t) / steps)
    return statistics.median(ts)

def compare(frameworks, names, repeats, rounds):
    """Each (workload, framework) in a fresh process, interleaved, so both see the same machine."""
    import subprocess, resource
    res = {n: {f: {"s": [], "rss_mb": 0.0} for f in frameworks} for n in names}
    for _ in range(rounds):
        for n in names:
            for f in frameworks:
                code = ("import sys, json, resource; import ember.bench as w; "
                        "s = w.measure(%r, %r, %d); "
                        "print(json.dumps({'s': s, 'rss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))"
                        % (f, n, repeats))
                p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
                if p.returncode != 0:
                    print(f"{n} {f} FAILED: {p.stderr.strip().splitlines()[-1] if p.stderr.strip() else p.returncode}", flush=True)
                    continue
                r = json.loads(p.stdout.strip().splitlines()[-1])
                res[n][f]["s"].append(r["s"]); res[n][f]["rss_mb"] = max(res[n][f]["rss_mb"], r["rss_kb"] / 1024)
    base = frameworks[-1]
    summary = {}
    for n in names:
        row = {f: {"s_per_step": statistics.median(v["s"]) if v["s"] else None, "peak_rss_mb": round(v["rss_mb"], 1)}
               for f, v in res[n].items()}
        for f in frameworks[:-1]:
            a, b = row[f]["s_per_step"], row[base]["s_per_step"]
            row[f]["time_ratio_vs_" + base] = round(a / b, 3) if a and b else None
            ra, rb = row[f]["peak_rss_mb"], row[base]["peak_rss_mb"]
            row[f]["rss_ratio_vs_" + base] = round(ra / rb, 3) if ra and rb else None
        summary[n] = row
        print(n, json.dumps(row), flush=True)
    return summary

def main(argv=None):
    ap = argparse.ArgumentParser(prog="ember bench", description="Seconds per training step of the seed workloads")
    ap.add_argument("--framework", default="torch", help="module with the PyTorch API to time in this process")
    ap.add_argument("--compare", default="", help="e.g. ember,torch: time each in its own process, ratio against the last")
    ap.add_argument("--workload", default="all")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=1)
    a = ap.parse_args(argv)
    names = list(WORKLOADS) if a.workload == "all" else a.workload.split(",")
    if a.compare:
        print(json.dumps(compare(a.compare.split(","), names, a.repeats, a.rounds)))
        return
    out = {}
    for name in names:
        out[name] = measure(a.framework, name, a.repeats)
        print(f"{name:10s} s/step={out[name]:.6f}", flush=True)
    print(json.dumps(out))

if __name__ == "__main__":
    main()
