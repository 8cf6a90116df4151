"""torch.hub offline, against torch 2.13: the cache directory, checkpoints served from it, downloads
(file:// URLs, hash checks), a clear error when offline, and hubconf entry points from a local directory."""
import os
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
