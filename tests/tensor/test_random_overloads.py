"""The overloads and keywords of the random creation ops (randint(high, size), randint(10, size=(1,)),
size= keywords, generator=, dtype=) as torch 2.13 takes them, and unseeded processes drawing fresh seeds."""
import subprocess
import sys

import pytest
import torch

import ember

CALLS = [
    ("randint", (10,), {"size": (3,)}), ("randint", (10, (3,)), {}), ("randint", (3, 10, (2, 2)), {}),
    ("randint", (), {"low": 3, "high": 10, "size": (3,)}), ("randint", (), {"high": 10, "size": (3,)}),
    ("randint", (10, (3,)), {"dtype": "int32"}), ("randint", (5, 5, (3,)), {}), ("randint", (10,), {}),
    ("rand", (2, 3), {}), ("rand", ((2, 3),), {}), ("rand", (), {"size": (2, 3)}), ("randn", (), {"size": [4]}),
    ("rand", (2,), {"dtype": "float64"}), ("randn", (2,), {"dtype": "int64"}), ("zeros", (), {"size": (2, 3)}),
    ("ones", (), {"size": (1,), "dtype": "int32"}), ("randperm", (5,), {"dtype": "int32"}),
]


def outcome(m, name, args, kwargs):
    kwargs = {k: getattr(m, v) if k == "dtype" else v for k, v in kwargs.items()}
    try:
        r = getattr(m, name)(*args, generator=m.Generator().manual_seed(1), **kwargs) \
            if name.startswith("rand") else getattr(m, name)(*args, **kwargs)
    except Exception as e:  # noqa: BLE001
        return type(e).__name__
    if name == "randint":  # the bounds, whichever overload gave them
        low, high = (args[0], args[1]) if len(args) == 3 else (0, args[0]) if args else \
            (kwargs.get("low", 0), kwargs["high"])
        in_range = bool(((r >= low) & (r < high)).all())
    else:
        in_range = True
    return list(r.shape), str(r.dtype), in_range


@pytest.mark.parametrize("name,args,kwargs", CALLS, ids=[f"{c[0]}{c[1]}{sorted(c[2])}" for c in CALLS])
def test_overloads(name, args, kwargs):
    assert outcome(ember, name, args, kwargs) == outcome(torch, name, args, kwargs)


def test_generator_makes_draws_reproducible():
    for name, args in (("randint", (10, (5,))), ("rand", (5,)), ("randn", (5,)), ("randperm", (5,))):
        a = getattr(ember, name)(*args, generator=ember.Generator().manual_seed(7))
        b = getattr(ember, name)(*args, generator=ember.Generator().manual_seed(7))
        assert ember.equal(a, b)


def seeds(module):
    code = f"import {module} as t; print(t.initial_seed(), t.Generator().initial_seed())"
    return [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
            for _ in range(2)]


def test_unseeded_processes_draw_fresh_seeds_as_torch():
    for module in ("torch", "ember"):
        (a, ga), (b, gb) = seeds(module)
        assert a != b  # the default generator: a fresh seed per process
        assert ga == gb == "67280421310721"  # a new Generator: the fixed default seed
