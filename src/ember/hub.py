"""ember.hub: torch.hub's cache and loaders.

The cache is PyTorch's own ($TORCH_HOME/hub, checkpoints under hub/checkpoints), so files PyTorch
downloaded serve Ember too. `load_state_dict_from_url` reads a cached checkpoint, else downloads it as torch
does; offline it fails with an error naming the file and where to put it. `load`, `list` and `help` work on a
local directory with a hubconf.py (source='local'); GitHub repositories are not fetched."""
import hashlib
import importlib.util
import os
import re
import shutil
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["get_dir", "set_dir", "load_state_dict_from_url", "download_url_to_file", "load", "list", "help"]

_hub_dir = None
_HASH = re.compile(r"-([a-f0-9]*)\.")  # torch's convention: <name>-<sha256 prefix>.<ext>


def _torch_home():
    return os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"),
                                                                   "torch")))


def get_dir():
    """torch.hub.get_dir: the hub cache directory (set_dir's, else $TORCH_HOME/hub)."""
    return _hub_dir if _hub_dir is not None else os.path.join(_torch_home(), "hub")


def set_dir(d):
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    """torch.hub.download_url_to_file: fetch `url` into `dst` through a temporary file beside it, renamed
    only once complete (and, with `hash_prefix`, only if its SHA-256 starts with it): never a half-written file."""
    from tqdm import tqdm
    dst = os.path.expanduser(os.fspath(dst))
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    tmp = tempfile.NamedTemporaryFile(delete=False, dir=os.path.dirname(os.path.abspath(dst)), suffix=".partial")
    try:
        sha = hashlib.sha256()
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "ember.hub"}),
                                        timeout=30) as response:
                total = response.headers.get("Content-Length") if hasattr(response, "headers") else None
                with tqdm(total=int(total) if total else None, disable=not progress, unit="B", unit_scale=True,
                          unit_divisor=1024) as bar:
                    while chunk := response.read(1 << 20):
                        tmp.write(chunk)
                        sha.update(chunk)
                        bar.update(len(chunk))
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise urllib.error.URLError(f"could not download {url} ({reason}); this machine looks offline. Fetch "
                                        f"the file elsewhere and put it at {dst}") from e
        tmp.close()
        if hash_prefix is not None and not sha.hexdigest().startswith(hash_prefix):
            raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{sha.hexdigest()}")')
        shutil.move(tmp.name, dst)
    finally:
        tmp.close()
        if os.path.exists(tmp.name):
            os.remove(tmp.name)


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True, check_hash=False,
                             file_name=None, weights_only=False):
    """torch.hub.load_state_dict_from_url: the checkpoint at `url`, from the hub cache when it is there."""
    from .serialization import load as _load
    model_dir = model_dir if model_dir is not None else os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name or os.path.basename(urllib.parse.urlparse(url).path)
    cached = os.path.join(model_dir, filename)
    if not os.path.exists(cached):
        sys.stderr.write(f'Downloading: "{url}" to {cached}\n')
        match = _HASH.search(filename) if check_hash else None
        download_url_to_file(url, cached, match.group(1) if match else None, progress=progress)
    return _load(cached, map_location=map_location, weights_only=weights_only)


def _hubconf(repo_or_dir, source):
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "github" and os.path.isdir(os.path.expanduser(repo_or_dir)):
        source = "local"  # list/help have no `source`: a directory that exists is read as local
    if source == "github":
        raise NotImplementedError(f"torch.hub from GitHub ({repo_or_dir}) is not implemented in Ember: clone the "
                                  "repository and call hub.load(path, model, source='local')")
    path = os.path.join(os.path.expanduser(repo_or_dir), "hubconf.py")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"[Errno 2] No such file or directory: '{path}'")
    spec = importlib.util.spec_from_file_location("hubconf", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(path))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(os.path.dirname(path))
    return module


def _entry(module, model):
    fn = getattr(module, model, None)
    if fn is None or not callable(fn):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return fn


def load(repo_or_dir, model, *args, source="github", trust_repo=None, force_reload=False, verbose=True,
         skip_validation=False, **kwargs):
    """torch.hub.load for source='local': calls the entry point `model` of repo_or_dir/hubconf.py."""
    return _entry(_hubconf(repo_or_dir, source), model)(*args, **kwargs)


def list(github, force_reload=False, skip_validation=False, trust_repo=None, verbose=True, source="github"):
    """The callable entry points of a hubconf (torch.hub.list)."""
    module = _hubconf(github, source)
    return [n for n in dir(module) if callable(getattr(module, n)) and not n.startswith("_")]


def help(github, model, force_reload=False, skip_validation=False, trust_repo=None, source="github"):
    return _entry(_hubconf(github, source), model).__doc__
