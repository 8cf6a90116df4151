"""Indexing by everything torch indexes by (range, lists, tuples, NumPy arrays and scalars, tensors of
each integer dtype, bools, Ellipsis, None) in any mix, for reading and writing, against torch 2.13."""
import numpy as np
import pytest
import torch

import ember

INDEXES = {
    "range": lambda m: range(2), "range_last": lambda m: (slice(None), slice(None), range(1, 3)),
    "range_and_list": lambda m: (range(2), [1, 2]), "negative_range": lambda m: (slice(None), range(-1, -3, -1)),
    "np_int32": lambda m: np.array([1, 0], dtype=np.int32), "np_uint16": lambda m: (0, np.array([1, 0], np.uint16)),
    "np_int8": lambda m: np.array([1], dtype=np.int8),
    "tensor_int32": lambda m: m.tensor([1, 0], dtype=m.int32), "tensor_int64": lambda m: m.tensor([[1], [0]]),
    "tensor_int8": lambda m: m.tensor([1, 0], dtype=m.int8), "tensor_int16": lambda m: (m.tensor([1], dtype=m.int16),),
    "tensor_uint8_mask": lambda m: m.tensor([1, 0], dtype=m.uint8), "tensor_bool": lambda m: m.tensor([True, False]),
    "mixed_three": lambda m: (np.array([0, 1]), m.tensor([1, 2], dtype=m.int32), range(2)),
    "ellipsis_none_range": lambda m: (Ellipsis, None, range(2)), "inner_tuple": lambda m: ((0, 1),),
    "bool_list": lambda m: [True, False], "np_bool": lambda m: (slice(None), np.array([True, False, True])),
    "np_scalars": lambda m: (np.int64(1), np.int32(2)), "python_bool": lambda m: True,
    "none_first": lambda m: (None, 0), "zero_dim_tensor": lambda m: m.tensor(1),
    "list_of_lists": lambda m: [[0, 1], [1, 0]], "float_tensor": lambda m: m.tensor([1.0]),
}


def read(m, index):
    x = m.arange(24).view(2, 3, 4)
    try:
        r = x[index(m)]
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return list(r.shape), r.flatten().tolist()


def write(m, index):
    x = m.zeros(2, 3, 4)
    try:
        x[index(m)] = 7
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return x.flatten().tolist()


@pytest.mark.parametrize("name", list(INDEXES))
def test_index_read_and_write(name):
    assert read(ember, INDEXES[name]) == read(torch, INDEXES[name])
    assert write(ember, INDEXES[name]) == write(torch, INDEXES[name])


def test_range_index_gradient():
    grads = []
    for m in (torch, ember):
        x = m.arange(12.0).view(3, 4).requires_grad_()
        (x[range(2), [1, 3]] * m.tensor([2.0, 3.0])).sum().backward()
        grads.append(x.grad.tolist())
    assert grads[1] == grads[0]
