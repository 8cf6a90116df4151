"""Loading is safe by default: a checkpoint can only name the globals a checkpoint of tensors needs."""
import collections
import fractions
import io
import os
import pickle
import subprocess
import zipfile

import numpy as np
import pytest
import torch

import ember
import ember.serialization as S
from tests.serialization.conftest import pair, assert_same


def checkpoint_with_pickle(path, data_pkl):
    """A zip checkpoint whose data.pkl is exactly `data_pkl` (and no storages)."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", data_pkl)
        z.writestr("archive/version", "3\n")
        z.writestr("archive/byteorder", "little")


class Payload:
    """Pickles as a call to `func(*args)`: what a malicious checkpoint smuggles in."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def payloads(marker):
    return {
        "os.system": Payload(os.system, f"touch {marker}"),
        "eval": Payload(eval, f"open({str(marker)!r}, 'w')"),
        "subprocess": Payload(subprocess.call, ["touch", str(marker)]),
        "import": Payload(__import__, "shutil"),
        "exec-in-reduce": Payload(exec, f"open({str(marker)!r}, 'w')"),
    }


@pytest.mark.parametrize("name", ["os.system", "eval", "subprocess", "import", "exec-in-reduce"])
def test_code_in_a_checkpoint_is_refused(name, tmp_path, ckpt):
    marker = tmp_path / "pwned"
    payload = payloads(marker)[name]
    torch.save({"weights": torch.ones(2), "evil": payload}, ckpt)  # pickling does not run it
    with pytest.raises(pickle.UnpicklingError) as err:
        ember.load(ckpt)
    module, qualname = pickle.whichmodule(payload.func, payload.func.__name__), payload.func.__name__
    assert f"GLOBAL {module}.{qualname} was not an allowed global" in str(err.value)
    assert str(ckpt) in str(err.value)
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):  # torch refuses it as well
        torch.load(ckpt, weights_only=True)
    assert not marker.exists()


# hand-written pickles that use only allowed globals, but misuse them
_ABUSES = {
    "build-on-dtype": b"\x80\x02ctorch\nfloat32\n}X\x02\x00\x00\x00npK\x01sb.",
    "append-to-ordereddict": b"\x80\x02ccollections\nOrderedDict\n)RK\x01a.",
    "setitem-on-tensor-class": b"\x80\x02ctorch\nSize\n]\x85RK\x00K\x01s.",
    "call-a-dtype": b"\x80\x02ctorch\nfloat32\n)R.",
    "call-a-storage-type": b"\x80\x02ctorch\nFloatStorage\n)R.",
    "unknown-persistent-id": b"\x80\x02X\x04\x00\x00\x00evilQ.",
    "extension-code": b"\x80\x02\x82\x01.",
    "inst": b"(ibuiltins\nset\n.",
}


@pytest.mark.parametrize("name", list(_ABUSES))
def test_misused_allowed_globals_are_refused(name, ckpt):
    checkpoint_with_pickle(ckpt, _ABUSES[name])
    with pytest.raises(pickle.UnpicklingError):
        ember.load(ckpt)
    before = ember.float32.itemsize
    assert ember.float32.itemsize == before and ember.Size((1,)) == (1,)


def crafted_tensor_file(offset, size, stride):
    """A checkpoint with one 4-element float storage and a tensor with the given (possibly bad) geometry."""
    ref = S._StorageRef("0", ember.float32, 4, np.arange(4, dtype=np.float32).view(np.uint8))
    obj = S._Reduced(S._global("torch._utils", "_rebuild_tensor_v2"),
                     (ref, offset, size, stride, False, collections.OrderedDict()))
    buf = io.BytesIO()
    S._Pickler(buf, 2).dump(obj)
    out = io.BytesIO()
    S._write_checkpoint(out, buf.getvalue(), [ref])
    return out.getvalue()


@pytest.mark.parametrize("geometry", [(0, (5,), (1,)), (3, (2,), (1,)), (-1, (1,), (1,)), (0, (-1,), (1,)),
                                      (0, (2,), (-1,)), (0, (3, 2), (1, 2))])
def test_tensor_geometry_outside_its_storage_is_refused(geometry):
    data = crafted_tensor_file(*geometry)
    with pytest.raises(RuntimeError):
        torch.load(io.BytesIO(data), weights_only=True)
    with pytest.raises(RuntimeError):  # never a view reading memory past the storage
        ember.load(io.BytesIO(data))


@pytest.mark.parametrize("geometry", [(0, (2,), (3,)), (1, (3,), (1,)), (0, (2, 2), (2, 1)), (0, (4, 3), (1, 0))])
def test_tensor_geometry_inside_its_storage_loads_like_torch(geometry):
    data = crafted_tensor_file(*geometry)
    assert_same(ember.load(io.BytesIO(data)), torch.load(io.BytesIO(data), weights_only=True))


def test_weights_only_false_unpickles_torch_objects_as_ember_ones(ckpt):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
    torch.save({"model": model, "frac": fractions.Fraction(1, 3)}, ckpt)
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.container.Sequential"):
        ember.load(ckpt)
    loaded = ember.load(ckpt, weights_only=False)
    assert isinstance(loaded["model"], ember.nn.Sequential) and isinstance(loaded["model"][0], ember.nn.Linear)
    assert loaded["frac"] == fractions.Fraction(1, 3)
    x = [[1.0, -2.0], [0.5, 3.0]]
    with torch.no_grad():
        want = model(torch.tensor(x)).tolist()
    got = loaded["model"](ember.tensor(x)).tolist()
    assert np.allclose(got, want, atol=1e-6)


def test_weights_only_false_names_what_ember_lacks(ckpt):
    checkpoint_with_pickle(ckpt, b"\x80\x02ctorch.nn.modules.nothing\nNoSuchLayer\n)R.")
    with pytest.raises(pickle.UnpicklingError, match="torch.nn.modules.nothing.NoSuchLayer"):
        ember.load(ckpt, weights_only=False)


def test_safe_globals_allowlist(ckpt):
    torch.save({"frac": fractions.Fraction(2, 5)}, ckpt)
    with pytest.raises(pickle.UnpicklingError, match="fractions.Fraction"):
        ember.load(ckpt)
    with S.safe_globals([fractions.Fraction]):
        assert ember.load(ckpt)["frac"] == fractions.Fraction(2, 5)
    with pytest.raises(pickle.UnpicklingError):
        ember.load(ckpt)
    S.add_safe_globals([fractions.Fraction])
    try:
        assert fractions.Fraction in S.get_safe_globals()
        assert ember.load(ckpt)["frac"] == fractions.Fraction(2, 5)
    finally:
        S.clear_safe_globals()
    assert S.get_safe_globals() == []


def test_explicit_pickle_module_needs_weights_only_false(ckpt):
    e, t = pair("float32")
    ember.save(e, ckpt)
    with pytest.raises(RuntimeError, match="Can not safely load weights when explicit pickle_module is specified"):
        ember.load(ckpt, pickle_module=pickle, weights_only=True)
    with pytest.raises(RuntimeError, match="Can not safely load weights when explicit pickle_module is specified"):
        torch.load(ckpt, pickle_module=pickle, weights_only=True)
    assert_same(ember.load(ckpt, pickle_module=pickle), t)
