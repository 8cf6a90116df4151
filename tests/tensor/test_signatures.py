"""Signature parity: every torch function and Tensor method Ember has accepts each parameter name PyTorch 2.13's
own signature line gives it (the first line of its docstring, `add(input, other, *, alpha=1, out=None) -> Tensor`),
so keyword calls written for PyTorch work on Ember. (torch.overrides.get_testing_overrides() was tried first: its
lambdas only approximate the real bindings - `out` positional, `argmax(input)` - so they cannot be the oracle.)"""
import inspect
import re
import warnings

import pytest
import torch

import ember

# Where torch's docstring names a parameter its Python binding does not take (checked by calling torch with the
# keyword: it answers "missing required positional argument" with the real name), or where a name cannot be passed
# by keyword at all. Each entry is (namespace, name) -> the docstring names to ignore.
STALE_TORCH_DOCS = {
    ("Tensor", "mul"): {"value"}, ("Tensor", "multiply"): {"value"}, ("Tensor", "div"): {"value"},
    ("Tensor", "divide"): {"value"}, ("Tensor", "true_divide"): {"value"}, ("Tensor", "floor_divide"): {"value"},
    ("Tensor", "fmod"): {"divisor"}, ("Tensor", "remainder"): {"divisor"},  # real name: other
    ("Tensor", "bmm"): {"batch2"}, ("Tensor", "matmul"): {"tensor2"},  # mat2, other
    ("Tensor", "take"): {"indices"}, ("Tensor", "narrow"): {"dimension"}, ("Tensor", "where"): {"y"},
    ("Tensor", "type_as"): {"tensor"}, ("Tensor", "resize_as_"): {"tensor"},  # other, the_template
    ("Tensor", "index_copy"): {"tensor2"}, ("Tensor", "masked_scatter"): {"tensor"}, ("Tensor", "orgqr"): {"input2"},
    ("Tensor", "hsplit"): {"split_size_or_sections"}, ("Tensor", "vsplit"): {"split_size_or_sections"},
    ("Tensor", "dsplit"): {"split_size_or_sections"}, ("Tensor", "unsafe_split"): {"split_size"},
    ("Tensor", "random_"): {"from"}, ("Tensor", "uniform_"): {"from"},  # `from` is a Python keyword
    ("torch", "squeeze"): {"List[int]]]"},  # docstring markup, not names
}
# Known differences in Ember, each a decision rather than an oversight.
ACCEPTED = {
    # aliases registered from one definition keep the main op's names (transpose's dim0/dim1, div's input/other)
    ("torch", "swapaxes"): {"axis0", "axis1"}, ("Tensor", "swapaxes"): {"axis0", "axis1"},
    ("torch", "true_divide"): {"dividend", "divisor"},
    # binary ops share one builder whose operands are (input, other); torch calls heaviside's second `values`
    ("torch", "heaviside"): {"values"}, ("Tensor", "heaviside"): {"values"},
    # in the linalg family another helper owns (ember/_ops/linalg.py): dot's `tensor`, lu_unpack's out=
    ("torch", "dot"): {"tensor"}, ("torch", "lu_unpack"): {"out"},
    ("Tensor", "is_set_to"): {"tensor"},  # defined in _tensor.py as is_set_to(other)
}


def _doc_names(obj, name):
    doc = getattr(obj, "__doc__", None) or ""
    m = re.search(r"^\s*" + re.escape(name) + r"\((.*?)\)\s*->", doc, re.M)
    if not m:
        return None
    names = []
    for part in re.split(r",\s*(?![^\[\(]*[\]\)])", m.group(1)):
        part = part.strip().lstrip("\\")  # `\*` is the docstring's markup for the keyword-only marker
        if part and part != "*" and not part.startswith("*"):
            names.append(part.split("=")[0].split(":")[0].strip())
    return [n for n in names if n not in ("input", "self")]


def _cases():
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for ns, tlib, elib in (("torch", torch, ember), ("Tensor", torch.Tensor, ember.Tensor)):
            for name in sorted(dir(tlib)):
                if name.startswith("_"):
                    continue
                try:
                    t, e = getattr(tlib, name, None), getattr(elib, name, None)
                except Exception:  # noqa: BLE001 - a lazily loaded namespace Ember lacks
                    continue
                if e is None or not callable(t) or isinstance(t, type) or isinstance(e, (type, property)):
                    continue
                names = _doc_names(t, name)
                if names:
                    out.append(pytest.param(ns, name, names, e, id=f"{ns}.{name}"))
    return out


@pytest.mark.parametrize("ns,name,names,fn", _cases())
def test_ember_accepts_torchs_parameter_names(ns, name, names, fn):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        pytest.fail(f"{ns}.{name} has no inspectable signature")
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return  # takes any keyword
    ignore = STALE_TORCH_DOCS.get((ns, name), set()) | ACCEPTED.get((ns, name), set())
    lacking = [n for n in names if n not in params and n not in ignore]
    assert not lacking, f"{ns}.{name}{inspect.signature(fn)} lacks torch's parameter(s) {lacking}"


def test_the_sweep_covers_the_api():
    # the docstring signature lines cover most of what Ember exposes: a parser regression would empty the sweep
    assert len(_cases()) > 600


def test_with_out_shows_out_in_the_signature():
    assert "out" in inspect.signature(ember.add).parameters
    assert inspect.signature(ember.hstack).parameters["out"].kind is inspect.Parameter.KEYWORD_ONLY
