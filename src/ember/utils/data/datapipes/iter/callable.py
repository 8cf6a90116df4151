"""Stages that apply a function to each item: map and collate."""
import copy

from ..._utils.collate import default_collate
from ..datapipe import IterDataPipe
from .._decorator import functional_datapipe
from ._common import source_len

__all__ = ["CollatorIterDataPipe", "MapperIterDataPipe"]


def check_columns(input_col, output_col):
    if input_col is None and output_col is not None:
        raise ValueError("`output_col` must be None when `input_col` is None.")
    if isinstance(output_col, (list, tuple)):
        if len(output_col) > 1:
            raise ValueError("`output_col` must be a single-element list or tuple")
        output_col = output_col[0]
    return output_col


def apply_to_columns(fn, data, input_col, output_col):
    """fn(data), or fn of the columns `input_col` of data written to `output_col` (-1: appended; None:
    in place of the input columns) of a copy of data."""
    if input_col is None:
        return fn(data)
    cols = input_col if isinstance(input_col, (list, tuple)) else None
    res = fn(*(data[c] for c in cols)) if cols is not None else fn(data[input_col])
    was_tuple = isinstance(data, tuple)
    data = list(data) if was_tuple else copy.copy(data)
    if output_col is None:
        if cols is None:
            data[input_col] = res
        else:
            data[cols[0]] = res
            for c in sorted(cols[1:], reverse=True):
                del data[c]
    elif output_col == -1:
        data.append(res)
    else:
        data[output_col] = res
    return tuple(data) if was_tuple else data


@functional_datapipe("map")
class MapperIterDataPipe(IterDataPipe):
    """Each item through `fn` (or only its columns `input_col`, written to `output_col`)."""

    def __init__(self, datapipe, fn, input_col=None, output_col=None):
        self.datapipe, self.fn, self.input_col = datapipe, fn, input_col
        self.output_col = check_columns(input_col, output_col)

    def __iter__(self):
        for data in self.datapipe:
            yield apply_to_columns(self.fn, data, self.input_col, self.output_col)

    def __len__(self):
        return source_len(self, self.datapipe)


@functional_datapipe("collate")
class CollatorIterDataPipe(MapperIterDataPipe):
    """Each item (usually a batch) through `collate_fn`, or `conversion` (default_collate)."""

    def __init__(self, datapipe, conversion=default_collate, collate_fn=None):
        if collate_fn is None and isinstance(conversion, dict):
            raise NotImplementedError("Collator with a dict of column conversions (a DataFrame feature) is not "
                                      "implemented in Ember")
        super().__init__(datapipe, fn=collate_fn if collate_fn is not None else conversion)
