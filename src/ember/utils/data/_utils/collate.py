"""Collation: turning a list of samples into a batch (torch.utils.data._utils.collate).

`collate` walks the structure of the first sample (mappings, named tuples, sequences) and hands
the leaves to the function registered for their type in `collate_fn_map`."""
import collections.abc
import copy

import numpy as np

import ember

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map"]

default_collate_err_msg_format = ("default_collate: batch must contain tensors, numpy arrays, numbers, "
                                  "dicts or lists; found {}")


def _is_text_array(a):
    # NumPy arrays of strings, bytes or Python objects have no tensor equivalent
    return a.dtype.kind in "SUO"


def _rebuild(container, items):
    """`items` in the container type of `container`: a copy for mutable ones, a plain list/dict
    when the type cannot be rebuilt from its items."""
    kind = type(container)
    try:
        if isinstance(container, collections.abc.Mapping):
            if isinstance(container, collections.abc.MutableMapping):
                out = copy.copy(container)
                out.update(items)
                return out
            return kind(items)
        if isinstance(container, collections.abc.MutableSequence):
            out = copy.copy(container)
            for i, item in enumerate(items):
                out[i] = item
            return out
        return kind(items)
    except TypeError:
        return dict(items) if isinstance(container, collections.abc.Mapping) else list(items)


def collate(batch, *, collate_fn_map=None):
    """Collate `batch` (a list of samples of one structure) with the leaf functions of collate_fn_map."""
    elem = batch[0]
    if collate_fn_map is not None:
        fn = collate_fn_map.get(type(elem))
        if fn is None:
            fn = next((f for t, f in collate_fn_map.items() if isinstance(elem, t)), None)
        if fn is not None:
            return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild(elem, {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map) for k in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)]
        return fields if isinstance(elem, tuple) else _rebuild(elem, fields)  # tuples become lists, as in torch
    raise TypeError(default_collate_err_msg_format.format(type(elem)))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    return ember.stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    if _is_text_array(batch[0]):
        raise TypeError(default_collate_err_msg_format.format(batch[0].dtype))
    return collate([ember.as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return ember.from_numpy(np.asarray(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    return ember.tensor(batch, dtype=ember.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    return ember.tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map = {
    ember.Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """The DataLoader's default batching: tensors and NumPy arrays are stacked along a new first
    dimension, Python ints become an int64 tensor, floats a float64 tensor, strings stay a list;
    dicts, named tuples and sequences are collated field by field (tuples come back as lists)."""
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data):
    """The conversion used when automatic batching is off: NumPy arrays and scalars inside `data`
    become tensors; everything else keeps its type."""
    if isinstance(data, ember.Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if _is_text_array(data) else ember.as_tensor(data)
    if isinstance(data, (np.bool_, np.number, np.object_)):
        return ember.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _rebuild(data, {k: default_convert(data[k]) for k in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild(data, [default_convert(d) for d in data])
    return data
