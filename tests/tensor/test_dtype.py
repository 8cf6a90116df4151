"""dtypes and type promotion: every pair of dtypes, Python scalars and 0-d tensors, against torch."""
import itertools

import numpy as np
import pytest
import torch

import ember
from tests.tensor.conftest import DTYPES, assert_same, both, values

PAIRS = list(itertools.product(DTYPES, DTYPES))
SCALARS = [True, 3, -2, 2.5, 1 + 2j]


@pytest.mark.parametrize("a,b", PAIRS)
def test_promote_types_and_can_cast(a, b):
    ea, eb, ta, tb = getattr(ember, a), getattr(ember, b), getattr(torch, a), getattr(torch, b)
    assert repr(ember.promote_types(ea, eb)) == repr(torch.promote_types(ta, tb))
    assert ember.can_cast(ea, eb) == torch.can_cast(ta, tb)


def _skip_complex32(*results):
    # float16 meeting a complex 0-d tensor or number is ComplexHalf in torch, a dtype Ember does not have
    if any(r == torch.complex32 for r in results):
        pytest.skip("torch.complex32 is not an Ember dtype")


def _operands(a, b, kind):
    """Two operands of dtypes a and b: both dimensioned, a dimensioned and b 0-d, or both 0-d."""
    shape_a = () if kind == "0d-0d" else (2, 3)
    shape_b = (2, 3) if kind == "nd-nd" else ()
    ea, ta = both(values(shape_a, a, "pos", 1), a)
    eb, tb = both(values(shape_b, b, "pos", 2), b)
    return (ea, eb), (ta, tb)


@pytest.mark.parametrize("kind", ["nd-nd", "nd-0d", "0d-0d"])
@pytest.mark.parametrize("a,b", PAIRS)
def test_result_type_and_add_of_tensor_pairs(a, b, kind):
    (ea, eb), (ta, tb) = _operands(a, b, kind)
    _skip_complex32(torch.result_type(ta, tb))
    assert repr(ember.result_type(ea, eb)) == repr(torch.result_type(ta, tb))
    assert_same(ea + eb, ta + tb)
    assert_same(eb * ea, tb * ta)


@pytest.mark.parametrize("scalar", SCALARS, ids=repr)
@pytest.mark.parametrize("shape", [(2, 3), ()], ids=["nd", "0d"])
@pytest.mark.parametrize("a", DTYPES)
def test_result_type_with_python_scalars(a, shape, scalar):
    ea, ta = both(values(shape, a, "pos", 1), a)
    _skip_complex32(torch.result_type(ta, scalar))
    assert repr(ember.result_type(ea, scalar)) == repr(torch.result_type(ta, scalar))
    assert repr(ember.result_type(scalar, ea)) == repr(torch.result_type(scalar, ta))
    assert_same(ea + scalar, ta + scalar)
    assert_same(scalar * ea, scalar * ta)


@pytest.mark.parametrize("a,b", [("int32", 2.5), ("int64", 2.5), ("uint8", -1), ("int8", 1000), ("bool", True),
                                 ("bool", 2), ("float16", 1e5), ("bfloat16", 3), ("uint8", 256)])
def test_scalar_operand_is_weak(a, b):
    """A Python number never widens a tensor of its own category; an integer one wraps like a C cast."""
    ea, ta = both(values((4,), a, "pos", 3), a)
    assert_same(ea + b, ta + b)
    assert_same(ea * b, ta * b)


def _named_examples(L):
    return [L.tensor([1, 2]) + 2.5, L.ones(2, dtype=L.uint8) + L.ones(2, dtype=L.int8),
            L.tensor([True]) + L.tensor([True]), L.tensor([1], dtype=L.int32) + L.tensor(5),
            L.tensor([1], dtype=L.int32) + L.tensor(5.0),
            L.tensor([1.], dtype=L.float16) + L.tensor(5.0, dtype=L.float64),
            L.tensor([1, 2]) / 2, L.tensor([1, 2]) // 2, L.tensor([3], dtype=L.uint8) - 5]


def test_named_examples():
    for e, t in zip(_named_examples(ember), _named_examples(torch)):
        assert_same(e, t)
    assert repr((ember.tensor([1, 2]) + 2.5).dtype) == "torch.float32"
    assert repr((ember.ones(2, dtype=ember.uint8) + ember.ones(2, dtype=ember.int8)).dtype) == "torch.int16"


@pytest.mark.parametrize("name", DTYPES)
def test_dtype_attributes(name):
    e, t = getattr(ember, name), getattr(torch, name)
    assert repr(e) == repr(t) and str(e) == str(t)
    assert (e.is_floating_point, e.is_complex, e.is_signed, e.itemsize) == \
           (t.is_floating_point, t.is_complex, t.is_signed, t.itemsize)
    x = ember.zeros(2, dtype=e)
    assert (x.is_floating_point(), x.is_complex(), x.is_signed(), x.element_size(), x.type()) == \
           (torch.zeros(2, dtype=t).is_floating_point(), torch.zeros(2, dtype=t).is_complex(),
            torch.zeros(2, dtype=t).is_signed(), t.itemsize, torch.zeros(2, dtype=t).type())


@pytest.mark.parametrize("alias", ["float", "double", "half", "long", "int", "short", "cfloat", "cdouble", "bool"])
def test_dtype_aliases(alias):
    assert repr(getattr(ember, alias)) == repr(getattr(torch, alias))


@pytest.mark.parametrize("default", ["float64", "float16", "bfloat16", "float32"])
def test_default_dtype_drives_inference(default):
    try:
        ember.set_default_dtype(getattr(ember, default))
        torch.set_default_dtype(getattr(torch, default))
        for data in ([1.5, 2], 2.5, [[1, 2]]) + (([1 + 1j],) if default in ("float32", "float64") else ()):
            assert_same(ember.tensor(data), torch.tensor(data))
        assert_same(ember.tensor([1, 2]) / 2, torch.tensor([1, 2]) / 2)
        assert_same(ember.arange(0.0, 1.0, 0.25), torch.arange(0.0, 1.0, 0.25))
        assert_same(ember.zeros(2), torch.zeros(2))
        assert repr(ember.get_default_dtype()) == repr(torch.get_default_dtype())
    finally:
        ember.set_default_dtype(ember.float32)
        torch.set_default_dtype(torch.float32)


def test_set_default_dtype_rejects_integers():
    with pytest.raises(TypeError):
        torch.set_default_dtype(torch.int64)
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int64)


@pytest.mark.parametrize("np_dtype", [np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8,
                                      np.uint8, np.bool_, np.complex64])
def test_numpy_scalars_and_arrays_keep_their_dtype(np_dtype):
    arr = np.ones(3, dtype=np_dtype)
    assert_same(ember.tensor(arr), torch.tensor(arr))
    assert_same(ember.tensor(arr[0]), torch.tensor(arr[0]))
    assert_same(ember.tensor([arr[0], arr[1]]), torch.tensor([arr[0], arr[1]]))
    assert_same(ember.as_tensor(arr), torch.as_tensor(arr))
