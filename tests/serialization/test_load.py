"""ember.load opens files written by real torch.save and gives equal Ember tensors."""
import collections
import io
import zipfile

import pytest
import torch

import ember
from tests.serialization.conftest import DTYPES, pair, assert_same, assert_tree_same


def torch_views(x):
    return collections.OrderedDict(base=x, row=x[1], t=x.t(), step=x[::2, 1::2], expand=x[0:1].expand(3, x.shape[1]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_from_torch(dtype, ckpt):
    _, t = pair(dtype, (2, 3, 4))
    torch.save(t, ckpt)
    assert_same(ember.load(ckpt), t)


@pytest.mark.parametrize("legacy", [False, True], ids=["zip", "legacy"])
def test_views_of_one_storage_stay_shared(legacy, ckpt):
    _, t = pair("float32", (4, 6))
    torch.save(torch_views(t), ckpt, _use_new_zipfile_serialization=not legacy)
    loaded = ember.load(ckpt)
    for k, v in torch_views(t).items():
        assert_same(loaded[k], v)
    loaded["base"].mul_(0)
    assert loaded["step"].tolist() == [[0.0] * 3] * 2  # one storage: the write reaches every view


def torch_mlp():
    nn = torch.nn
    return nn.Sequential(nn.Linear(8, 12), nn.ReLU(), nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())


class Block(torch.nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        nn = torch.nn
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)) \
            if stride != 1 or cin != cout else None


def torch_resnet_like():
    """A small ResNet-shaped model from torch.nn: conv/bn stem, two stages of blocks, fc."""
    nn = torch.nn
    m = nn.Module()
    m.conv1 = nn.Conv2d(3, 8, 7, 2, 3, bias=False)
    m.bn1 = nn.BatchNorm2d(8)
    m.layer1 = nn.Sequential(Block(8, 8, 1), Block(8, 8, 1))
    m.layer2 = nn.Sequential(Block(8, 16, 2), Block(16, 16, 1))
    m.fc = nn.Linear(16, 10)
    for bn in [x for x in m.modules() if isinstance(x, nn.BatchNorm2d)]:  # non-trivial running stats
        bn.running_mean.uniform_(-1, 1)
        bn.num_batches_tracked += 3
    return m


@pytest.mark.parametrize("build", [torch_mlp, torch_resnet_like], ids=["mlp", "resnet_like"])
def test_state_dicts_of_torch_models(build, ckpt):
    torch.manual_seed(0)
    sd = build().state_dict()
    torch.save(sd, ckpt)
    loaded = ember.load(ckpt)
    assert type(loaded) is collections.OrderedDict
    assert_tree_same(loaded, sd)
    assert loaded._metadata == sd._metadata  # torch's per-module versions ride along as an attribute


def test_torch_mlp_weights_drive_an_ember_mlp(ckpt):
    torch.manual_seed(0)
    ref = torch_mlp()
    torch.save(ref.state_dict(), ckpt)
    nn = ember.nn
    model = nn.Sequential(nn.Linear(8, 12), nn.ReLU(), nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
    model.load_state_dict(ember.load(ckpt))
    x = [[0.25 * i - j for i in range(8)] for j in range(4)]
    with torch.no_grad():
        want = ref(torch.tensor(x)).reshape(-1).tolist()
    assert model(ember.tensor(x)).reshape(-1).tolist() == pytest.approx(want, abs=1e-6)


def test_optimizer_state_dict_from_torch(ckpt):
    torch.manual_seed(0)
    model = torch_mlp()
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    for _ in range(2):
        opt.zero_grad()
        model(torch.randn(10, 8)).sum().backward()
        opt.step()
    sd = opt.state_dict()
    torch.save(sd, ckpt)
    loaded = ember.load(ckpt)
    assert_tree_same(loaded, sd)


def test_parameters_and_nested_objects_from_torch(ckpt):
    p = torch.nn.Parameter(torch.ones(2, 2))
    obj = {"p": p, "frozen": torch.nn.Parameter(torch.zeros(3), requires_grad=False), "epoch": 3,
           "hist": [0.5, 0.25], "cfg": {"name": "net", "sizes": (8, 12), "none": None, "bytes": b"ab"},
           "dtype": torch.int64, "shape": torch.Size([2, 2]), "dev": torch.device("cpu"), "set": {3, 4}}
    torch.save(obj, ckpt)
    loaded = ember.load(ckpt)
    assert type(loaded["p"]) is ember.nn.Parameter and loaded["p"].requires_grad
    assert type(loaded["frozen"]) is ember.nn.Parameter and not loaded["frozen"].requires_grad
    assert_tree_same(loaded, obj)


def test_legacy_format(ckpt):
    _, t = pair("float64", (3, 3))
    obj = {"w": t, "row": t[2], "n": 5}
    torch.save(obj, ckpt, _use_new_zipfile_serialization=False)
    assert_tree_same(ember.load(ckpt), obj)


def test_file_object_and_non_seekable_stream(ckpt):
    _, t = pair("int32")
    buf = io.BytesIO()
    torch.save(t, buf)

    class Stream(io.RawIOBase):  # readable, not seekable
        def __init__(self, data):
            self._src = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self._src.readinto(b)

    assert_same(ember.load(io.BytesIO(buf.getvalue())), t)
    assert_same(ember.load(Stream(buf.getvalue())), t)


@pytest.mark.parametrize("map_location", [
    None, "cpu", ember.device("cpu"), {"cuda:0": "cpu"}, lambda storage, loc: storage, lambda storage, loc: None])
def test_map_location_forms(map_location, ckpt):
    _, t = pair("float32")
    torch.save([t, t[1:]], ckpt)
    loaded = ember.load(ckpt, map_location=map_location)
    assert_same(loaded[0], t)
    assert_same(loaded[1], t[1:])


def test_map_location_callable_sees_each_storage_once(ckpt):
    _, t = pair("float32")
    torch.save([t, t[1:], torch.ones(2)], ckpt)
    seen = []
    ember.load(ckpt, map_location=lambda storage, loc: seen.append((loc, storage.size())))
    assert seen == [("cpu", 12), ("cpu", 2)]


def gpu_checkpoint(t, path):
    """A checkpoint as a CUDA machine writes it: the same records, storages located at 'cuda:0'."""
    buf = io.BytesIO()
    torch.save(t, buf)
    src = zipfile.ZipFile(buf)
    with zipfile.ZipFile(path, "w") as out:
        for name in src.namelist():
            data = src.read(name)
            if name.endswith("data.pkl"):
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
            out.writestr(name, data)


@pytest.mark.parametrize("map_location", ["cpu", torch.device("cpu"), {"cuda:0": "cpu"},
                                          lambda storage, loc: storage])
def test_cuda_checkpoint_loads_with_map_location(map_location, ckpt):
    _, t = pair("float32")
    gpu_checkpoint(t, ckpt)
    with pytest.raises(RuntimeError, match="map_location=torch.device\\('cpu'\\)"):
        ember.load(ckpt)
    with pytest.raises(RuntimeError, match="map_location=torch.device\\('cpu'\\)"):
        torch.load(ckpt, weights_only=True)
    if isinstance(map_location, torch.device):
        assert_same(torch.load(ckpt, weights_only=True, map_location=map_location), t)
        map_location = ember.device(str(map_location))
    assert_same(ember.load(ckpt, map_location=map_location), t)


def test_mmap_maps_the_file_copy_on_write(ckpt):
    _, t = pair("float32", (4, 6))
    torch.save(torch_views(t), ckpt)
    before = ckpt.read_bytes()
    loaded = ember.load(ckpt, mmap=True)
    for k, v in torch_views(t).items():
        assert_same(loaded[k], v)
    loaded["base"].add_(1)  # private mapping: the tensors change, the file does not
    assert loaded["row"].tolist() == (t[1] + 1).tolist()
    assert ckpt.read_bytes() == before
    with pytest.raises(ValueError, match="file path"):
        ember.load(io.BytesIO(before), mmap=True)


def test_ember_checkpoint_roundtrips_in_ember_and_torch(ckpt):
    # torch -> ember -> torch keeps everything
    _, t = pair("bfloat16", (3, 5))
    obj = {"x": t, "v": t[:, 1:3], "meta": {"k": [1, 2.5, "s", None]}}
    torch.save(obj, ckpt)
    ember.save(ember.load(ckpt), ckpt)
    assert_tree_same(torch.load(ckpt, weights_only=True), obj)
