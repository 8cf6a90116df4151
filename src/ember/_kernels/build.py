"""When the compiled loops are ready: built once per machine by a background process, so no step of a
first run waits for a compiler.

numba compiles a loop on its first call and caches the machine code on disk. Compiling all of Ember's
loops takes seconds (about 15 s on a CPU with AVX-512, where the convolutions' generated GEMM loops are
built), so a first run on a new machine would stop for that long at its first convolution. Instead the
first process that asks for the loops starts `python -m ember._kernels` and goes on with its
NumPy paths (the same results within float32 round-off). That process runs a few small models through
every compiled path, which compiles and caches each loop for the signatures Ember calls, and then
writes a stamp. A process that finds the stamp uses the loops at once; they load from numba's cache in
milliseconds.

EMBER_KERNELS=sync compiles in the calling process on first use instead (what the build process itself
and the test suite do); `wait()` blocks until the loops are ready.
"""
import hashlib
import os
import subprocess
import sys
import threading
import time

_ready = False          # the fast answer once true
_process = None         # the build process this process started
_next_look = 0.0        # when to look for the stamp again (a stat is cheap, but callers ask per op)
_lock = threading.Lock()
_LOOK_EVERY = 0.25      # seconds between looks while the build runs
_STALE_LOCK = 180       # a lock older than this belongs to a build that died: take over


def ready():
    """Whether the compiled loops may be called now; the first call on a machine starts their build."""
    global _ready
    if _ready:
        return True
    with _lock:
        if not _ready:
            _ready = _look()
    return _ready


def wait(timeout=None):
    """Block until the compiled loops are ready (or `timeout` seconds pass); returns ready()."""
    end = None if timeout is None else time.monotonic() + timeout
    global _next_look
    while not ready():
        if end is not None and time.monotonic() >= end:
            return False
        time.sleep(0.05)
        _next_look = 0.0
    return True


def _look():
    """One look at the build's state (under _lock): True when the loops may be used."""
    global _process, _next_look
    stamp = _stamp_path()
    if os.environ.get("EMBER_KERNELS") == "sync" or stamp is None:  # no place for a stamp: compile here
        return True
    now = time.monotonic()
    if now < _next_look:
        return False
    _next_look = now + _LOOK_EVERY
    if os.path.exists(stamp):
        return True
    if _process is not None:
        code = _process.poll()
        return code is not None and code != 0  # a failed build: compile here, as without it
    if _take_lock(stamp + ".lock"):
        _process = _start()
        return _process is None
    return False  # another process is building


def _start():
    """Start the build process (None when it cannot be started)."""
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, EMBER_KERNELS="sync",
               PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])))
    try:
        return subprocess.Popen([sys.executable, "-m", "ember._kernels"], env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        return None


def _take_lock(path):
    """Create the lock file (True), unless another live build holds it."""
    for _ in range(2):
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
            return True
        except FileExistsError:
            try:
                if time.time() - os.path.getmtime(path) < _STALE_LOCK:
                    return False
                os.unlink(path)
            except OSError:
                return False
        except OSError:
            return False
    return False


_stamp = []


def _stamp_path():
    """The stamp file for this machine, Python, numba and these kernel sources (None if no cache directory
    is writable). numba keeps its cache beside the sources, or in the user's cache when they are read-only."""
    if not _stamp:
        _stamp.append(_find_stamp_path())
    return _stamp[0]


def _find_stamp_path():
    try:
        import numba
        import llvmlite.binding as llvm
        here = os.path.dirname(os.path.abspath(__file__))
        key = [here, numba.__version__, sys.version, llvm.get_host_cpu_name(), llvm.get_host_cpu_features().flatten()]
        for name in sorted(os.listdir(here)):
            if name.endswith(".py"):
                info = os.stat(os.path.join(here, name))
                key.append(f"{name}:{info.st_mtime_ns}:{info.st_size}")
        folder = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
                              "ember")
        os.makedirs(folder, exist_ok=True)
        if not os.access(folder, os.W_OK):
            return None
        return os.path.join(folder, "kernels-" + hashlib.sha256("\n".join(key).encode()).hexdigest()[:20])
    except Exception:  # no numba, no home, ...: compile in the calling process
        return None


def _exercise():
    """Run every compiled path Ember has on small float32 and float64 models, twice per optimizer (the
    momentum loops start at the second step), and the ops whose loops start at a size (GELU, log_softmax)
    or are shared between the threads (BatchNorm over 4 MB; GELU's and attention's compiled jobs) at that
    size: each loop compiles for the signatures real programs call it with."""
    import ember
    from ember import nn, optim
    import ember.nn.functional as F
    from ember.vision.ops import roi_pool

    ember.manual_seed(0)
    for dtype in (ember.float32, ember.float64):
        conv = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 32, 3, 2, 1),
                             nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(3, 2, 1), nn.Conv2d(32, 16, 1),
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10)).to(dtype)
        lstm, emb = nn.LSTM(16, 16, 2).to(dtype), nn.Embedding(50, 16).to(dtype)
        block = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0, activation="gelu", batch_first=True).to(dtype)
        params = [p for m in (conv, lstm, emb, block) for p in m.parameters()]
        for opt in (optim.Adam(params), optim.AdamW(params), optim.Adadelta(params),
                    optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=1e-4), optim.SGD(params, lr=0.01, momentum=0.9)):
            for _ in range(2):
                x = ember.randn(8, 3, 24, 24, dtype=dtype)
                loss = F.cross_entropy(conv(x), ember.randint(0, 10, (8,)))
                tokens = ember.randint(0, 50, (6, 4))
                out, _ = lstm(emb(tokens))
                loss = loss + F.nll_loss(F.log_softmax(out.reshape(-1, 16), 1), tokens.reshape(-1) % 16)
                loss = loss + block(out.transpose(0, 1)).square().mean()
                q = ember.randn(2, 2, 8, 4, dtype=dtype, requires_grad=True)
                loss = loss + F.scaled_dot_product_attention(q, q, q, is_causal=True).sum()
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(params, 1.0)
                opt.step()
        for shape, fn in (((64, 1024), F.gelu), ((256, 4096), lambda t: F.log_softmax(t, -1)),
                          ((16, 64, 32, 32), nn.BatchNorm2d(64).to(dtype)),
                          ((16, 64, 32, 32), lambda t: F.max_pool2d(t, 3, 2, 1)),
                          ((6, 4, 64, 32), lambda t: F.scaled_dot_product_attention(t, t, t, is_causal=True))):
            out = fn(ember.randn(*shape, dtype=dtype, requires_grad=True))
            out.backward(ember.randn(*out.shape, dtype=dtype))  # a real gradient array, not a broadcast one
        nan = ember.full((1, 2, 4, 4), float("nan"), dtype=dtype)  # the pools' loops with the NaN test
        F.max_pool2d(nan, 2), F.max_pool2d(nan, 3, 2, 1)
        features = ember.randn(1, 4, 8, 8, dtype=dtype, requires_grad=True)
        roi_pool(features, ember.tensor([[0, 0, 0, 6, 6]], dtype=dtype), 2).sum().backward()


def main():
    """The build process: compile everything, then write the stamp (atomically: a reader sees all or none)."""
    stamp = _stamp_path()
    try:
        _exercise()
        if stamp is not None:
            with open(stamp + ".tmp", "w") as f:
                f.write("ember's compiled loops are in numba's cache\n")
            os.replace(stamp + ".tmp", stamp)
    finally:
        if stamp is not None:
            try:
                os.unlink(stamp + ".lock")
            except OSError:
                pass

