"""ember.hub: the local cache of downloaded checkpoints (torch.hub's get_dir, download_url_to_file,
load_state_dict_from_url). Loading hub repositories' code (torch.hub.load) is not part of Ember."""
import hashlib
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["get_dir", "set_dir", "download_url_to_file", "load_state_dict_from_url"]

_hub_dir = None
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")  # torch.hub's convention: name-<sha256 prefix>.ext


def _torch_home():
    default = os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "torch")
    return os.path.expanduser(os.environ.get("TORCH_HOME", default))


def get_dir():
    """The hub cache folder: set_dir's argument, else $TORCH_HOME/hub (torch.hub.get_dir)."""
    return _hub_dir if _hub_dir is not None else os.path.join(_torch_home(), "hub")


def set_dir(d):
    """Use `d` as the hub cache folder from now on (torch.hub.set_dir)."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def download_url_to_file(url, dst, hash_prefix=None, progress=True):
    """Download `url` to `dst` through a temporary file beside it, renamed only once complete (and, with
    `hash_prefix`, only if its SHA-256 starts with it), so `dst` is never half-written (torch.hub)."""
    from tqdm import tqdm
    dst = os.path.expanduser(os.fspath(dst))
    folder = os.path.dirname(os.path.abspath(dst))
    os.makedirs(folder, exist_ok=True)
    req = urllib.request.Request(url, headers={"User-Agent": "ember.hub"})
    with urllib.request.urlopen(req) as response:
        total = response.headers.get("Content-Length") if hasattr(response, "headers") else None
        fd, tmp = tempfile.mkstemp(prefix=os.path.basename(dst) + ".", suffix=".partial", dir=folder)
        try:
            sha256 = hashlib.sha256()
            with os.fdopen(fd, "wb") as f, tqdm(total=int(total) if total else None, disable=not progress,
                                                 unit="B", unit_scale=True, unit_divisor=1024) as bar:
                while chunk := response.read(1 << 16):
                    f.write(chunk)
                    sha256.update(chunk)
                    bar.update(len(chunk))
            if hash_prefix is not None and not sha256.hexdigest().startswith(hash_prefix):
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{sha256.hexdigest()}")')
            shutil.move(tmp, dst)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)


def load_state_dict_from_url(url, model_dir=None, map_location=None, progress=True, check_hash=False,
                             file_name=None, weights_only=False):
    """The object saved at `url`, read from `model_dir` (default <hub dir>/checkpoints) and downloaded
    there first when missing; `check_hash` checks a download against the hash prefix in its file name.

    Without a network the error says where to put the file by hand."""
    import ember
    model_dir = os.fspath(model_dir) if model_dir is not None else os.path.join(get_dir(), "checkpoints")
    filename = file_name or os.path.basename(urllib.parse.urlparse(url).path)
    cached = os.path.join(model_dir, filename)
    if not os.path.exists(cached):
        match = HASH_REGEX.search(filename) if check_hash else None
        try:
            download_url_to_file(url, cached, match.group(1) if match else None, progress=progress)
        except (urllib.error.URLError, OSError) as e:
            raise RuntimeError(f"Could not download {url} ({e}). Download it yourself and put it at {cached} "
                               f"(the hub cache: $TORCH_HOME/hub/checkpoints/).") from e
    return ember.load(cached, map_location=map_location, weights_only=weights_only)
