"""ember.utils.safetensors writes what the `safetensors` package reads (and reads what it writes)."""
import json
import struct

import numpy as np
import pytest
import safetensors
import safetensors.numpy
import safetensors.torch
import torch

import ember
from ember.utils import safetensors as est
from tests.serialization.conftest import pair, assert_same

ST_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64",
             "complex64"]  # the dtypes safetensors has codes for


def both(shapes=((3, 4), (), (0, 2), (5,))):
    """The same dict of tensors (every dtype, several shapes) in Ember and PyTorch."""
    e, t = {}, {}
    for i, dtype in enumerate(ST_DTYPES):
        for j, shape in enumerate(shapes):
            e[f"{dtype}.{j}"], t[f"{dtype}.{j}"] = pair(dtype, shape, seed=i * 10 + j)
    return e, t


def test_bytes_identical_to_the_package(tmp_path):
    e, t = both()
    meta = {"format": "pt"}  # one key: the package writes several metadata keys in a random order
    assert est.save(e, metadata=meta) == safetensors.torch.save(t, metadata=meta)
    assert est.save(e) == safetensors.torch.save(t)
    est.save_file(e, tmp_path / "e.safetensors", metadata=meta)
    safetensors.torch.save_file(t, tmp_path / "t.safetensors", metadata=meta)
    assert (tmp_path / "e.safetensors").read_bytes() == (tmp_path / "t.safetensors").read_bytes()


def test_metadata_round_trips(tmp_path):
    meta = {"format": "pt", "epoch": "3", "note": "ünïcode"}
    est.save_file({"a": ember.ones(2)}, tmp_path / "e.safetensors", metadata=meta)
    with safetensors.safe_open(tmp_path / "e.safetensors", framework="pt") as f:
        assert f.metadata() == meta
    safetensors.torch.save_file({"a": torch.ones(2)}, tmp_path / "t.safetensors", metadata=meta)
    with est.safe_open(tmp_path / "t.safetensors") as f:
        assert f.metadata() == meta


def test_package_reads_ember_files(tmp_path):
    e, t = both()
    path = tmp_path / "m.safetensors"
    est.save_file(e, path, metadata={"k": "v"})
    loaded = safetensors.torch.load_file(path)
    assert sorted(loaded) == sorted(t)
    for k in t:
        assert_same(loaded[k], t[k])
    with safetensors.safe_open(path, framework="np") as f:
        assert f.metadata() == {"k": "v"}
        for k in f.keys():
            if not k.startswith(("bfloat16", "complex")):  # numpy has no bfloat16; its complex reader differs
                np.testing.assert_array_equal(f.get_tensor(k), t[k].numpy())
    np_loaded = safetensors.numpy.load(est.save({"w": e["float32.0"], "i": e["int64.3"]}))
    np.testing.assert_array_equal(np_loaded["w"], t["float32.0"].numpy())
    np.testing.assert_array_equal(np_loaded["i"], t["int64.3"].numpy())


def test_ember_reads_package_files(tmp_path):
    e, t = both()
    path = tmp_path / "t.safetensors"
    safetensors.torch.save_file(t, path, metadata={"a": "b"})
    loaded = est.load_file(path)
    assert sorted(loaded) == sorted(t)
    for k in t:
        assert_same(loaded[k], t[k])
    for k, v in est.load(safetensors.torch.save(t)).items():
        assert_same(v, t[k])
    arrays = {"x": np.arange(6, dtype=np.float32).reshape(2, 3), "m": np.array([True, False])}
    for k, v in est.load(safetensors.numpy.save(arrays)).items():
        assert v.tolist() == arrays[k].tolist() and str(v.dtype) == f"torch.{arrays[k].dtype}"
    with est.safe_open(path) as f:
        assert f.metadata() == {"a": "b"} and sorted(f.keys()) == sorted(t)
        assert_same(f.get_tensor("float32.0"), t["float32.0"])


def test_loaded_tensors_own_their_memory(tmp_path):
    e, _ = both()
    path = tmp_path / "m.safetensors"
    est.save_file(e, path)
    loaded = est.load_file(path)
    loaded["float32.0"].add_(1)
    assert loaded["float32.3"].tolist() == e["float32.3"].tolist()
    est.save_file(loaded, tmp_path / "again.safetensors")  # no false "shared memory" between them


def test_state_dict_round_trip_into_a_model(tmp_path):
    nn = ember.nn
    model = nn.Sequential(nn.Linear(8, 12), nn.ReLU(), nn.Linear(12, 1))
    est.save_file(model.state_dict(), tmp_path / "m.safetensors")
    tn = torch.nn
    twin = tn.Sequential(tn.Linear(8, 12), tn.ReLU(), tn.Linear(12, 1))
    twin.load_state_dict(safetensors.torch.load_file(tmp_path / "m.safetensors"))
    for k, v in twin.state_dict().items():
        assert v.tolist() == model.state_dict()[k].tolist()


def test_shared_and_non_contiguous_tensors_refused_like_the_package():
    x, tx = pair("float32", (10,))
    for e_case, t_case in (({"a": x[:6], "b": x[4:]}, {"a": tx[:6], "b": tx[4:]}),
                           ({"a": x, "b": x}, {"a": tx, "b": tx})):
        with pytest.raises(RuntimeError, match="share memory"):
            est.save(e_case)
        with pytest.raises(RuntimeError, match="share memory"):
            safetensors.torch.save(t_case)
    assert est.load(est.save({"a": x[:5], "b": x[5:]}))["b"].tolist() == tx[5:].tolist()  # disjoint is fine
    m, tm = pair("float32", (3, 4))
    with pytest.raises(ValueError, match="non contiguous"):
        est.save({"t": m.t()})
    with pytest.raises(ValueError, match="non contiguous"):
        safetensors.torch.save({"t": tm.t()})


def test_bad_arguments():
    with pytest.raises(ValueError, match="expected torch.Tensor"):
        est.save({"a": [1, 2]})
    with pytest.raises(TypeError, match="metadata"):
        est.save({"a": ember.ones(1)}, metadata={"k": 1})


def header(obj):
    text = json.dumps(obj).encode()
    return struct.pack("<Q", len(text)) + text


@pytest.mark.parametrize("data", [
    b"",
    b"\x01\x00",
    struct.pack("<Q", 10**12) + b"{}",
    struct.pack("<Q", 50) + b"{}",
    header({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}) + b"\x00" * 4,
    header({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}) + b"\x00" * 12,
    header({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}) + b"\x00" * 8,
    header({"a": {"dtype": "X9", "shape": [2], "data_offsets": [0, 8]}}) + b"\x00" * 8,
    header({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
            "b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}) + b"\x00" * 8,
    header([1, 2]),
    struct.pack("<Q", 4) + b"{\xff\xfe}",
], ids=["empty", "short", "huge-header", "header-past-end", "cut-buffer", "extra-buffer", "bad-shape",
        "bad-dtype", "overlap", "not-object", "not-utf8"])
def test_malformed_files_raise(data, tmp_path):
    with pytest.raises(est.SafetensorError):
        est.load(data)
    with pytest.raises(safetensors.SafetensorError):  # the package refuses each of them too
        safetensors.torch.load(data)
    (tmp_path / "bad.safetensors").write_bytes(data)
    with pytest.raises(est.SafetensorError):
        est.load_file(tmp_path / "bad.safetensors")


def test_save_file_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    est.save_file({"a": ember.ones(3)}, path)
    before = path.read_bytes()
    with pytest.raises(ValueError):
        est.save_file({"a": ember.ones(3), "b": "not a tensor"}, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]
