"""ember.hub against torch.hub: the cache folder, atomic downloads checked against the hash prefix of the
file name, and load_state_dict_from_url serving the cache (downloads come from file:// URLs here)."""
import hashlib
import pathlib

import pytest
import torch

import ember


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    return tmp_path / "th"


def test_get_dir_follows_torch_home_like_torch(home):
    assert ember.hub.get_dir() == torch.hub.get_dir() == str(home / "hub")


def checkpoint(tmp_path, name="weights"):
    """A torch checkpoint named <name>-<first 8 hex of its sha256>.pth, and its file:// URL."""
    src = tmp_path / "src.pth"
    torch.save({"w": torch.arange(6.0).reshape(2, 3)}, src)
    prefix = hashlib.sha256(src.read_bytes()).hexdigest()[:8]
    named = tmp_path / f"{name}-{prefix}.pth"
    src.rename(named)
    return named, pathlib.Path(named).as_uri()


def test_load_state_dict_from_url_downloads_once_and_checks_the_hash(tmp_path, home):
    path, url = checkpoint(tmp_path)
    state = ember.hub.load_state_dict_from_url(url, check_hash=True, progress=False)
    assert state["w"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    cached = home / "hub" / "checkpoints" / path.name
    assert cached.read_bytes() == path.read_bytes()
    path.unlink()  # served from the cache from now on
    assert ember.hub.load_state_dict_from_url(url)["w"].shape == ember.Size([2, 3])


def test_a_download_with_the_wrong_hash_leaves_no_file(tmp_path, home):
    path, _ = checkpoint(tmp_path)
    wrong = path.with_name("weights-00000000.pth")
    path.rename(wrong)
    with pytest.raises(RuntimeError, match='invalid hash value \\(expected "00000000", got "'):
        ember.hub.load_state_dict_from_url(wrong.as_uri(), check_hash=True, progress=False)
    assert list((home / "hub" / "checkpoints").iterdir()) == []
    ember.hub.download_url_to_file(wrong.as_uri(), str(tmp_path / "copy.pth"), progress=False)  # no hash: fine
    assert (tmp_path / "copy.pth").read_bytes() == wrong.read_bytes()


def test_an_unreachable_url_names_the_cache_file(home):
    with pytest.raises(RuntimeError, match="Could not download file:///nowhere/m-1234abcd.pth .*"
                                           "put it at .*hub/checkpoints/m-1234abcd.pth"):
        ember.hub.load_state_dict_from_url("file:///nowhere/m-1234abcd.pth", progress=False)
