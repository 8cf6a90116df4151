"""ember.save writes PyTorch's checkpoint format: real torch.load(weights_only=True) reads it back exactly."""
import collections
import io
import pathlib
import zipfile

import pytest
import torch

import ember
from tests.serialization.conftest import DTYPES, pair, assert_same, assert_tree_same


def roundtrip_to_torch(obj, path):
    ember.save(obj, path)
    return torch.load(path, weights_only=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 4), (), (0, 3), (2, 1, 3)])
def test_every_dtype_reaches_torch(dtype, shape, ckpt):
    e, t = pair(dtype, shape)
    assert_same(roundtrip_to_torch(e, ckpt), t)


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_roundtrips_in_ember(dtype, ckpt):
    e, _ = pair(dtype, (2, 5))
    ember.save(e, ckpt)
    back = ember.load(ckpt)
    assert back.dtype is e.dtype and back.shape == e.shape and back.tolist() == e.tolist()


def test_layout_matches_torch_save(ckpt, tmp_path):
    e, t = pair("float32")
    ember.save({"w": e}, ckpt)
    torch.save({"w": t}, tmp_path / "ref.pt")
    ours = zipfile.ZipFile(ckpt)
    ref = zipfile.ZipFile(tmp_path / "ref.pt")
    strip = lambda z: [n.split("/", 1)[1] for n in z.namelist()]  # noqa: E731
    assert strip(ours) == strip(ref)
    assert all(n.startswith("archive/") for n in ours.namelist())
    for rec in ("version", "byteorder", ".format_version", ".storage_alignment", "data/0"):
        assert ours.read("archive/" + rec) == ref.read(ref.namelist()[0].split("/")[0] + "/" + rec)
    assert len(ours.read("archive/.data/serialization_id")) == 40
    ours.testzip()  # every CRC is right
    raw = ckpt.read_bytes()  # storages start on 64-byte boundaries, as torch lays them out
    info = ours.getinfo("archive/data/0")
    start = info.header_offset + 30 + int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little") \
        + int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
    assert start % 64 == 0


def views(x):
    """Views of one 2-D (or larger) base tensor, by name."""
    return collections.OrderedDict(
        base=x, row=x[1], col=x[:, 2], t=x.t(), step=x[::2, 1::2], narrow=x.narrow(1, 1, 2),
        flat=x.view(-1)[3:], unsq=x[1:].unsqueeze(0), expand=x[0:1].expand(4, x.shape[1]))


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "int64", "bool"])
def test_views_keep_offsets_strides_and_share_one_storage(dtype, ckpt):
    e, t = pair(dtype, (4, 6))
    loaded = roundtrip_to_torch(views(e), ckpt)
    ref = views(t)
    for k in ref:
        assert_same(loaded[k], ref[k])
    ptrs = {v.untyped_storage().data_ptr() for v in loaded.values()}
    assert len(ptrs) == 1  # one storage in torch, as in Ember
    loaded["base"][0, 0] = 99  # writes through the shared storage
    assert loaded["expand"][3, 0].item() == loaded["base"][0, 0].item()
    assert len(zipfile.ZipFile(ckpt).read("archive/data/0")) == e.numel() * e.element_size()


def test_views_share_storage_when_loaded_back_into_ember(ckpt):
    e, _ = pair("float32", (4, 6))
    ember.save(views(e), ckpt)
    back = ember.load(ckpt)
    for k, v in views(e).items():
        assert back[k].stride() == v.stride() and back[k].storage_offset() == v.storage_offset()
        assert back[k].tolist() == v.tolist()
    back["base"].add_(1)
    assert back["row"].tolist() == (e[1] + 1).tolist()


def test_separate_tensors_get_separate_storages(ckpt):
    a, b = ember.ones(3), ember.zeros(3)
    loaded = roundtrip_to_torch([a, b, a], ckpt)
    assert loaded[0].untyped_storage().data_ptr() != loaded[1].untyped_storage().data_ptr()
    assert loaded[0] is loaded[2]  # the same object twice stays one object
    assert len([n for n in zipfile.ZipFile(ckpt).namelist() if "/data/" in n]) == 2


def test_same_memory_as_two_dtypes_is_refused(ckpt):
    x = ember.arange(4, dtype=ember.int32)
    with pytest.raises(RuntimeError, match="view the same data as different types"):
        ember.save([x, x.view(ember.float32)], ckpt)
    y = torch.arange(4, dtype=torch.int32)
    with pytest.raises(RuntimeError, match="view the same data as different types"):  # torch refuses the same
        torch.save([y, y.view(torch.float32)], io.BytesIO())


def nested(lib):
    x = lib.arange(6.0).reshape(2, 3)
    return {
        "epoch": 7, "loss": 0.125, "name": "mlp", "none": None, "flag": True, "bytes": b"\x00\xff",
        "tensors": [x, (x[1], lib.tensor(3)), {"deep": [lib.tensor([1, 2], dtype=lib.int8)]}],
        "shape": lib.Size([2, 3]), "dtype": lib.bfloat16, "device": lib.device("cpu"), "set": {1, 2},
        "complex": 1 + 2j, "od": collections.OrderedDict(b=1, a=2),
    }


def test_nested_containers(ckpt):
    assert_tree_same(roundtrip_to_torch(nested(ember), ckpt), nested(torch))


def test_state_dict_of_sequential_mlp(ckpt):
    nn = ember.nn
    model = nn.Sequential(nn.Linear(8, 12), nn.ReLU(), nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
    sd = model.state_dict()
    loaded = roundtrip_to_torch(sd, ckpt)
    assert type(loaded) is collections.OrderedDict and list(loaded) == list(sd)
    ref = torch.nn.Sequential(torch.nn.Linear(8, 12), torch.nn.ReLU(), torch.nn.Linear(12, 8), torch.nn.ReLU(),
                              torch.nn.Linear(8, 1), torch.nn.Sigmoid())
    ref.load_state_dict(loaded)  # strict: same keys and shapes as torch's own model
    x = [[0.5 * i - j for i in range(8)] for j in range(3)]
    with torch.no_grad():
        want = ref(torch.tensor(x)).tolist()
    got = model(ember.tensor(x)).tolist()
    assert [v for row in got for v in row] == pytest.approx([v for row in want for v in row], abs=1e-6)


def test_parameter_saves_as_torch_parameter(ckpt):
    p = ember.nn.Parameter(ember.ones(2, 3))
    frozen = ember.nn.Parameter(ember.zeros(4), requires_grad=False)
    loaded = roundtrip_to_torch({"p": p, "frozen": frozen}, ckpt)
    assert type(loaded["p"]) is torch.nn.Parameter and loaded["p"].requires_grad
    assert type(loaded["frozen"]) is torch.nn.Parameter and not loaded["frozen"].requires_grad
    assert loaded["p"].tolist() == p.tolist()
    back = ember.load(ckpt)
    assert type(back["p"]) is ember.nn.Parameter and back["p"].requires_grad and not back["frozen"].requires_grad


def test_requires_grad_and_tensor_attributes(ckpt):
    x = ember.ones(2, requires_grad=True)
    y = x * 2  # a non-leaf saves as a leaf that requires grad, as in torch
    z = ember.zeros(2)
    z.note = "kept"
    loaded = roundtrip_to_torch([x, y, z], ckpt)
    assert loaded[0].requires_grad and loaded[1].requires_grad and loaded[1].is_leaf
    assert loaded[2].note == "kept"
    assert ember.load(ckpt)[2].note == "kept"


def test_storages_save_like_torch(ckpt):
    x = ember.arange(4.0)
    loaded = roundtrip_to_torch({"typed": x.storage(), "t": x}, ckpt)
    assert loaded["typed"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert loaded["typed"].data_ptr() == loaded["t"].untyped_storage().data_ptr()
    u = roundtrip_to_torch(ember.arange(2, dtype=ember.int16).untyped_storage(), ckpt)
    assert u.tolist() == [0, 0, 1, 0]


def test_optimizer_state_dict(ckpt):
    model = ember.nn.Linear(3, 2)
    opt = ember.optim.Adam(model.parameters(), lr=0.01)
    model(ember.ones(4, 3)).sum().backward()
    opt.step()
    sd = opt.state_dict()
    loaded = roundtrip_to_torch(sd, ckpt)
    assert loaded["param_groups"][0]["params"] == [0, 1] and loaded["param_groups"][0]["lr"] == 0.01
    for i in (0, 1):
        for k, v in sd["state"][i].items():
            assert_same(loaded["state"][i][k], torch.tensor(v.tolist(), dtype=getattr(torch, str(v.dtype)[6:])))
    ref = torch.optim.Adam(torch.nn.Linear(3, 2).parameters(), lr=0.01)
    ref.load_state_dict(loaded)  # torch accepts it as its own


@pytest.mark.parametrize("kind", ["str", "pathlib", "bytesio", "fileobj"])
def test_file_kinds(kind, ckpt):
    e, t = pair("float64")
    if kind == "str":
        ember.save(e, str(ckpt))
        loaded = torch.load(str(ckpt), weights_only=True)
    elif kind == "pathlib":
        ember.save(e, pathlib.Path(ckpt))
        loaded = torch.load(ckpt, weights_only=True)
    elif kind == "bytesio":
        buf = io.BytesIO()
        ember.save(e, buf)
        buf.seek(0)
        loaded = torch.load(buf, weights_only=True)
        buf.seek(0)
        assert ember.load(buf).tolist() == e.tolist()
    else:
        with open(ckpt, "wb") as fh:
            ember.save(e, fh)
        with open(ckpt, "rb") as fh:
            loaded = torch.load(fh, weights_only=True)
        with open(ckpt, "rb") as fh:
            assert ember.load(fh).tolist() == e.tolist()
    assert_same(loaded, t)


def test_missing_parent_directory(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory .* does not exist"):
        ember.save(ember.ones(1), tmp_path / "no" / "x.pt")
    with pytest.raises(RuntimeError, match="Parent directory .* does not exist"):
        torch.save(torch.ones(1), tmp_path / "no" / "x.pt")


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_pickle_protocols(protocol, ckpt):
    e, t = pair("float32")
    ember.save({"x": e, "d": ember.float16, "s": ember.Size([1])}, ckpt, pickle_protocol=protocol)
    # torch's own weights-only reader knows only protocol 2's opcodes (its files are protocol 2)
    loaded = torch.load(ckpt, weights_only=protocol == 2)
    assert_same(loaded["x"], t)
    assert loaded["d"] is torch.float16 and loaded["s"] == torch.Size([1])
    back = ember.load(ckpt)
    assert_same(back["x"], t)
    assert back["d"] is ember.float16 and back["s"] == ember.Size([1])
