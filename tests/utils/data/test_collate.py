"""default_collate and default_convert against torch's: structure, container types, dtypes and values."""
import collections

import numpy as np
import pytest
import torch

import ember
from ember.utils.data import default_collate, default_convert
from tests.utils.conftest import assert_same, same_error

Point = collections.namedtuple("Point", "x y")
RNG = np.random.default_rng(0)
ARR_F = RNG.standard_normal((4, 2, 3)).astype(np.float32)
ARR_U8 = RNG.integers(0, 255, (4, 3, 3, 2)).astype(np.uint8)


class Frozen(collections.abc.Mapping):
    """An immutable mapping whose constructor takes a dict: collated into the same type."""

    def __init__(self, d):
        self._d = dict(d)

    def __getitem__(self, k):
        return self._d[k]

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)

    def __eq__(self, other):
        return dict(self) == dict(other)


# each case builds a batch (a list of samples) with the given tensor library
BATCHES = {
    "tensors": lambda tm: [tm.tensor([1.5, 2.0]), tm.tensor([3.0, -1.0]), tm.tensor([0.0, 4.0])],
    "int_tensors_3d": lambda tm: [tm.arange(6).reshape(1, 2, 3) * k for k in range(3)],
    "scalar_tensors": lambda tm: [tm.tensor(3), tm.tensor(4)],
    "ints": lambda tm: [0, 1, 2, 3],
    "floats": lambda tm: [0.5, 1.0, -2.25],
    "float_then_int": lambda tm: [1.5, 2],
    "int_then_float": lambda tm: [2, 1.5],
    "bools": lambda tm: [True, False, True],
    "strings": lambda tm: ["a", "bc", ""],
    "bytes": lambda tm: [b"x", b"yz"],
    "numpy_str": lambda tm: [np.str_("a"), np.str_("b")],
    "numpy_float32": lambda tm: [ARR_F[i] for i in range(4)],
    "numpy_uint8_hwc": lambda tm: [ARR_U8[i] for i in range(4)],
    "numpy_0d": lambda tm: [np.array(1.5), np.array(2.5)],
    "numpy_scalars_f32": lambda tm: [np.float32(1.5), np.float32(2)],
    "numpy_scalars_f64": lambda tm: [np.float64(1.5), np.float64(2)],
    "numpy_scalars_i32": lambda tm: [np.int32(1), np.int32(-2)],
    "numpy_scalars_u8": lambda tm: [np.uint8(1), np.uint8(200)],
    "numpy_bool": lambda tm: [np.bool_(True), np.bool_(False)],
    "tuples": lambda tm: [(tm.tensor([1.0]), 1), (tm.tensor([2.0]), 0)],
    "lists": lambda tm: [[1, 2.5, "a"], [3, 4.5, "b"]],
    "dicts": lambda tm: [{"img": tm.ones(2, 2) * k, "label": k, "name": f"n{k}"} for k in range(3)],
    "ordered_dict": lambda tm: [collections.OrderedDict(b=k, a=float(k)) for k in range(2)],
    "frozen_mapping": lambda tm: [Frozen({"a": k}) for k in range(2)],
    "namedtuples": lambda tm: [Point(tm.tensor([k]), k * 0.5) for k in range(3)],
    "nested": lambda tm: [({"x": ARR_F[k], "meta": ("s", k)}, [k, [k * 2.0]]) for k in range(3)],
    "deque": lambda tm: [collections.deque([1, 2]), collections.deque([3, 4])],
}


@pytest.mark.parametrize("name", BATCHES)
def test_default_collate_matches_torch(name):
    make = BATCHES[name]
    assert_same(default_collate(make(ember)), torch.utils.data.default_collate(make(torch)))


@pytest.mark.parametrize("name", ["numpy_float32", "numpy_0d", "numpy_scalars_f64", "tuples", "dicts", "nested",
                                  "namedtuples", "strings", "ints"])
def test_default_convert_matches_torch(name):
    make = BATCHES[name]
    assert_same(default_convert(make(ember)), torch.utils.data.default_convert(make(torch)))


def test_default_convert_single_sample():
    assert_same(default_convert((ARR_F[0], 3, "s")), torch.utils.data.default_convert((ARR_F[0], 3, "s")))


ERRORS = {
    "unequal_lengths": lambda tm: [[1, 2], [3]],
    "string_arrays": lambda tm: [np.array(["a"]), np.array(["b"])],
    "object_arrays": lambda tm: [np.array([object()]), np.array([object()])],
    "plain_objects": lambda tm: [object(), object()],
    "none": lambda tm: [None, None],
}


@pytest.mark.parametrize("name", ERRORS)
def test_default_collate_errors_match_torch(name):
    same_error(lambda tm: tm.utils.data.default_collate(ERRORS[name](tm)))


def test_default_collate_stack_shape_mismatch_is_runtime_error():
    with pytest.raises(RuntimeError):
        torch.utils.data.default_collate([torch.zeros(2), torch.zeros(3)])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([ember.zeros(2), ember.zeros(3)])


def test_collate_with_a_custom_map():
    from ember.utils.data._utils.collate import collate, default_collate_fn_map

    def count(batch, *, collate_fn_map):
        return len(batch)
    custom = {**default_collate_fn_map, str: count}
    out = collate([("a", 1), ("b", 2)], collate_fn_map=custom)
    assert out[0] == 2 and out[1].tolist() == [1, 2]
