"""torch.hub offline, against torch 2.13: the cache directory, checkpoints served from it, downloads
(file:// URLs, hash checks), a clear error when offline, and hubconf entry points from a local directory."""
import hashlib
import os
import pathlib
import urllib.error

import numpy as np
import pytest
import torch
import torch.hub

import ember
import ember.hub

HUBCONF = '''dependencies = []


def tiny(n=2):
    """a tiny net"""
    return ("tiny", n)  # no framework import: the same hubconf serves both loaders
'''


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    return tmp_path


def test_get_dir_follows_torch_home(home):
    assert ember.hub.get_dir() == torch.hub.get_dir() == str(home / "th" / "hub")


def test_set_dir(home):
    ember.hub.set_dir(str(home / "elsewhere"))
    try:
        assert ember.hub.get_dir() == str(home / "elsewhere")
    finally:
        ember.hub._hub_dir = None


def test_cached_checkpoint_is_served_without_network(home):
    sd = {"weight": torch.arange(6.0).view(2, 3), "bias": torch.zeros(2)}
    ckpt = home / "th" / "hub" / "checkpoints"
    ckpt.mkdir(parents=True)
    torch.save(sd, ckpt / "tiny-0123abcd.pth")
    url = "https://unreachable.invalid/models/tiny-0123abcd.pth"
    t = torch.hub.load_state_dict_from_url(url)
    e = ember.hub.load_state_dict_from_url(url)
    assert list(e) == list(t)
    for k in t:
        np.testing.assert_array_equal(e[k].numpy(), t[k].numpy())


def test_offline_download_names_the_file_and_the_cache(home):
    url = "http://127.0.0.1:9/weights/net.pth"  # the discard port: refused at once, no DNS
    with pytest.raises(urllib.error.URLError):
        torch.hub.load_state_dict_from_url(url, progress=False)
    with pytest.raises(urllib.error.URLError) as e:
        ember.hub.load_state_dict_from_url(url, progress=False)
    assert url in str(e.value) and str(home / "th" / "hub" / "checkpoints" / "net.pth") in str(e.value)
    assert not os.listdir(home / "th" / "hub" / "checkpoints")  # no partial file left behind


def test_download_file_url_and_hash_check(home):
    src = home / "src.bin"
    src.write_bytes(b"ember" * 100)
    for m in (torch, ember):
        dst = home / f"{m.__name__}.bin"
        m.hub.download_url_to_file(src.as_uri(), str(dst), progress=False)
        assert dst.read_bytes() == src.read_bytes()
        with pytest.raises(RuntimeError, match="invalid hash value"):
            m.hub.download_url_to_file(src.as_uri(), str(home / "bad.bin"), hash_prefix="ffff", progress=False)
        assert not (home / "bad.bin").exists()


def outcome(m, *args, **kwargs):
    try:
        return repr(m.hub.load(*args, **kwargs))
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)


@pytest.mark.parametrize("model,args,kwargs", [("tiny", (3,), {"source": "local"}), ("nope", (), {"source": "local"}),
                                               ("tiny", (), {"source": "bogus"})])
def test_local_hubconf(tmp_path, model, args, kwargs):
    (tmp_path / "hubconf.py").write_text(HUBCONF)
    assert outcome(ember, str(tmp_path), model, *args, **kwargs) == outcome(torch, str(tmp_path), model, *args,
                                                                            **kwargs)
    assert ember.hub.list(str(tmp_path)) == ["tiny"] and ember.hub.help(str(tmp_path), "tiny") == "a tiny net"


def test_missing_hubconf_and_github_source(tmp_path):
    assert outcome(ember, str(tmp_path / "none"), "tiny", source="local") == \
        outcome(torch, str(tmp_path / "none"), "tiny", source="local")
    with pytest.raises(NotImplementedError, match="not implemented in Ember"):
        ember.hub.load("pytorch/vision", "resnet18")


def named_checkpoint(tmp_path, name="weights"):
    """A torch checkpoint named <name>-<first 8 hex of its sha256>.pth, and its file:// URL."""
    src = tmp_path / "src.pth"
    torch.save({"w": torch.arange(6.0).reshape(2, 3)}, src)
    prefix = hashlib.sha256(src.read_bytes()).hexdigest()[:8]
    named = tmp_path / f"{name}-{prefix}.pth"
    src.rename(named)
    return named, pathlib.Path(named).as_uri()


def test_load_state_dict_from_url_downloads_once_and_checks_the_hash(tmp_path, home):
    path, url = named_checkpoint(tmp_path)
    state = ember.hub.load_state_dict_from_url(url, check_hash=True, progress=False)
    assert state["w"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    cached = home / "th" / "hub" / "checkpoints" / path.name
    assert cached.read_bytes() == path.read_bytes()
    path.unlink()  # served from the cache from now on
    assert ember.hub.load_state_dict_from_url(url)["w"].shape == ember.Size([2, 3])


def test_a_download_with_the_wrong_hash_leaves_no_file(tmp_path, home):
    path, _ = named_checkpoint(tmp_path)
    wrong = path.with_name("weights-00000000.pth")
    path.rename(wrong)
    with pytest.raises(RuntimeError, match='invalid hash value \\(expected "00000000", got "'):
        ember.hub.load_state_dict_from_url(wrong.as_uri(), check_hash=True, progress=False)
    assert list((home / "th" / "hub" / "checkpoints").iterdir()) == []
    ember.hub.download_url_to_file(wrong.as_uri(), str(tmp_path / "copy.pth"), progress=False)  # no hash: fine
    assert (tmp_path / "copy.pth").read_bytes() == wrong.read_bytes()


def test_an_unreachable_url_names_the_cache_file(home):
    with pytest.raises(urllib.error.URLError, match="could not download file:///nowhere/m-1234abcd.pth .*"
                                                    "put it at .*hub/checkpoints/m-1234abcd.pth"):
        ember.hub.load_state_dict_from_url("file:///nowhere/m-1234abcd.pth", progress=False)
