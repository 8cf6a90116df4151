"""ember.nn.modules.utils against torch.nn.modules.utils."""
from collections import OrderedDict

import pytest
import torch
import torch.nn.modules.utils as T

import ember.nn.modules.utils as E

CALLS = [("_single", (3,)), ("_pair", (3,)), ("_pair", ([1, 2],)), ("_triple", ((1, 2, 3),)), ("_quadruple", (0,)),
         ("_reverse_repeat_tuple", ((1, 2), 2)), ("_reverse_repeat_tuple", ((1, 2, 3), 1)),
         ("_list_with_default", ([None, 5], (7, 8, 9))), ("_list_with_default", (4, (7, 8)))]


@pytest.mark.parametrize("name,args", CALLS)
def test_helpers_match_torch(name, args):
    assert getattr(E, name)(*args) == getattr(T, name)(*args)
    assert getattr(E, name).__name__ == getattr(T, name).__name__


def test_list_with_default_error_matches_torch():
    errors = []
    for lib in (T, E):
        with pytest.raises(ValueError) as info:
            lib._list_with_default([None, None], (1, 2))
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("prefix", ["module.", "net.", "absent."])
def test_consume_prefix_matches_torch(prefix):
    dicts = []
    for _ in range(2):
        d = OrderedDict([("module.a", 1), ("b", 2), ("module.c.d", 3), ("net.e", 4)])
        d._metadata = OrderedDict([("", {}), ("module", {}), ("module.c", {}), ("net", {})])
        dicts.append(d)
    T.consume_prefix_in_state_dict_if_present(dicts[0], prefix)
    E.consume_prefix_in_state_dict_if_present(dicts[1], prefix)
    assert list(dicts[1].items()) == list(dicts[0].items())
    assert list(dicts[1]._metadata) == list(dicts[0]._metadata)
